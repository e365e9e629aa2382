// A typed wrapper over the engine's Session (engine.d.ts): the same calls, with the JSON the
// engine answers parsed into the types below, and `{ok:false, error}` kept as a value of type
// Failure instead of an exception. The engine never throws for bad input; the only
// exceptions left are programming errors (calling after dispose()) and an engine abort.
//
// Keys stay snake_case, exactly as the engine, the model file and the CLI's --json write them.
import type { AugmentPreviewAnswer, Engine, FeatureMapsAnswer, Session as RawSession, Slot, Split } from './engine';

export type { Slot, Split } from './engine';

export type Activation = 'sigmoid' | 'tanh' | 'relu' | 'identity' | 'softmax';
export type Loss = 'cross-entropy' | 'mse' | 'squared-error' | 'total-squared-error';
export type Init =
  'normal-sqrt-n' | 'uniform' | 'xavier' | 'xavier-blog' | 'he' | 'xavier-normal' | 'variance-scaling' | 'lecun-normal';
export type BiasInit = 'zero' | 'like-weights' | 'relu-0.1';
export type Reduction = 'sum' | 'mean';
export type Optimizer = 'sgd' | 'momentum' | 'adam' | 'adadelta';

/** One entry of the layers setting: a unit count, or a conv/pool layer by name after the
 *  inputs (784, "conv5x8", "pool2", 10). */
export type LayerEntry = number | string;

/** Every setting of a run (cpp/core/config_json.cpp configToJson). */
export interface TrainConfig {
  preset: string;
  layers: LayerEntry[];
  hidden: Activation;
  output: Activation;
  loss: Loss;
  bias: boolean;
  bias_init: BiasInit;
  init: Init;
  init_scale: number;
  reduction: Reduction;
  optimizer: Optimizer;
  learning_rate: number;
  momentum: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  rho: number;
  adadelta_epsilon: number;
  /** 0 = the whole training set in one batch. */
  batch_size: number;
  epochs: number;
  /** The last K training samples are held out for validation (more than half: a fifth instead). */
  validation: number;
  /** Evaluate the first K held-out samples only (0 = all). */
  validation_limit: number;
  /** Train on the first N of the samples not held out (0 = all). */
  limit: number;
  /** Evaluate on the first N test samples only (0 = all). */
  test_limit: number;
  l2: number;
  dropout: number;
  anneal_on_rise: boolean;
  anneal_factor: number;
  step_decay_every: number;
  step_decay_factor: number;
  /** Reshuffle the training order every epoch (false: in file order). */
  shuffle: boolean;
  /** On-the-fly augmentation of the training digits (cpp/core/augment.h); the rest is its ranges. */
  augment: boolean;
  augment_shift: number;
  augment_rotation: number;
  augment_scale: number;
  augment_shear: number;
  elastic_alpha: number;
  elastic_sigma: number;
  /** Train on random crop×crop windows, predict from the mean of 4 (cpp/core/crop.h); 0 = off. */
  crop: number;
  seed: number;
  threads: number;
}

/** One row of the engine's settings table (cpp/core/settings.h, `digitrain settings --json`):
 *  what the page's form, its link checks and the inspector derive their fields and rules from. */
export interface SettingSchema {
  key: keyof TrainConfig;
  type: 'text' | 'layers' | 'enum' | 'bool' | 'int' | 'number' | 'seed';
  label: string;
  help: string;
  /** The CLI's flag and its other spellings. */
  flag: string;
  aliases: string[];
  default: unknown;
  /** Each preset's value, by preset name. */
  presets: Record<string, unknown>;
  /** int, number, seed; for layers, each size. */
  min?: number;
  max?: number;
  min_exclusive?: boolean;
  max_exclusive?: boolean;
  /** enum: the names this setting allows. */
  values?: string[];
  /** layers: how many sizes at least, and what the last must be. */
  min_count?: number;
  last?: number;
  /** layers: the words a conv or pool layer starts with (["conv", "pool"]): an entry after the
   *  inputs that starts with one is a layer by name, checked by the engine. */
  layer_prefixes?: string[];
  /** CLI words for a number ({full: 0}). */
  words?: Record<string, number>;
  /** loss: the output activation a loss needs ({"cross-entropy": "softmax"}). */
  required_output?: Record<string, string>;
}

/** Training digits as augmentation redraws them (Session.augmentPreview): count × (1 + variants)
 *  images of rows·cols bytes, each digit's stored image first. */
export type AugmentPreview = Omit<Extract<AugmentPreviewAnswer, { ok: true }>, 'ok'>;

/** A convnet's feature maps for one input (Session.featureMaps): every conv and pool layer's
 *  output, first layer first; no layers for a dense network. */
export type FeatureMaps = Omit<Extract<FeatureMapsAnswer, { ok: true }>, 'ok'>;
export type { FeatureMapLayer } from './engine';

export interface Preset {
  name: string;
  source: string;
  description: string;
  config: TrainConfig;
}

/** A call that failed: the message names the file or the field. The engine answers this way,
 *  and so does the worker's reply to a request (web/shared/protocol.ts). */
export interface Failure {
  ok: false;
  error: string;
}
/** Either the value, marked ok, or the Failure: errors are values, not exceptions. */
export type Result<T> = (T & { ok: true }) | Failure;

export function failed<T>(r: Result<T>): r is Failure {
  return r.ok === false;
}

/** describeIdx: what one (gunzipped) IDX file holds. */
export interface IdxDescription {
  type: 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';
  dims: number[];
  /** dims[0]: samples in the file. */
  count: number;
  kind: 'images' | 'labels' | 'other';
  /** One value per sample (N or N×1): labels when every value is a digit 0..9, else 'other'. */
  labels_shape: boolean;
  /** Labels only: how many of each digit 0..9. */
  histogram?: number[];
  /** Images only. */
  rows?: number;
  cols?: number;
}

/** setDataset: the pair as loaded into a slot. */
export interface DatasetInfo {
  count: number;
  rows: number;
  cols: number;
  /** How many of each digit 0..9. */
  histogram: number[];
}

/** configure: the run as it will go (the worker passes it on to the page as it is, adding to
 *  `warnings` what it adjusted itself). */
export interface RunInfo {
  /** The settings in force; `threads` as set (0: auto; `threads.used` is the number used). */
  config: TrainConfig;
  train_count: number;
  validation_count: number;
  test_count: number;
  batches_per_epoch: number;
  /** Epochs already done (non-zero when continuing from a model's history). */
  epoch: number;
  finished: boolean;
  /** Threads asked for (0: auto), used (what auto chose, or what was asked for clamped to what
   *  the engine's pool has left and the batch can use), the most possible, and why that many
   *  ("1 thread: batch 1 is too small to share (at least 32 samples)"). */
  threads: { requested: number; used: number; max: number; reason: string };
  /** What the engine adjusted, e.g. "threads: 8 requested, clamped to 4 (...)". */
  warnings: string[];
}

/** One finished epoch (cpp/core/config_json.h metricsToJson). null: not measured, or not finite. */
export interface EpochMetrics {
  epoch: number;
  train_loss: number | null;
  train_error: number | null;
  validation_loss: number | null;
  validation_error: number | null;
  test_loss: number | null;
  test_error: number | null;
  learning_rate: number | null;
  seconds: number | null;
  samples_per_second: number | null;
}

/** train: what happened during the call. */
export interface StepResult {
  batches: number;
  /** Mean per-sample loss of each batch trained, `batches` of them (NaN where a batch diverged);
   *  not in train's JSON but fetched from the engine's typed batchLosses() right after it. */
  batch_losses: Float32Array;
  /** Epochs completed during this call. */
  epochs: EpochMetrics[];
  /** All configured epochs are done (or training diverged). */
  finished: boolean;
  /** Why training stopped, with what to try; null while all is well. */
  diverged: string | null;
  /** Training goes on but looks stuck (saturated sigmoids), with what to try; given once per run. */
  warning: string | null;
  /** Threads `auto` moved to another count during this call (it re-measures while training):
   *  the count now, why, and the first batch trained at it (epoch and batch from 1); null otherwise. */
  threads: ThreadChange | null;
  /** Epochs completed so far. */
  epoch: number;
  batch_in_epoch: number;
  batches_per_epoch: number;
  /** The rate the next batch uses. */
  learning_rate: number;
}

export interface Evaluation {
  split: Split;
  count: number;
  loss: number | null;
  /** Fraction misclassified. */
  error: number | null;
  /** confusion[trueLabel][predicted]. */
  confusion: number[][];
  /** With keepPredictions: the predicted digit of each sample. */
  predicted?: number[];
  /** With keepPredictions: values per sample in `probabilities`. */
  outputs?: number;
  /** With keepPredictions: count × outputs values, sample after sample. */
  probabilities?: number[];
}

export interface Prediction {
  /** The output layer's values (class probabilities for a softmax output). */
  probabilities: number[];
  /** The index of the largest output. */
  predicted: number;
  /** activations[l] = layer l's output; the last one equals `probabilities`. */
  activations: number[][];
}

/** `auto` moved to another thread count while training. */
export interface ThreadChange {
  used: number;
  reason: string;
  /** The first batch trained at the new count, both counted from 1. */
  epoch: number;
  batch: number;
  /** The move in the engine's words, as the CLI prints it: "threads from epoch E, batch B: reason". */
  text: string;
}

/** importModel: what the file holds. */
export interface ModelInfo {
  /** Unit counts, inputs first: [784, 128, 64, 10]; conv/pool layers by name after the inputs. */
  layers: LayerEntry[];
  /** One per dense layer. */
  activations: Activation[];
  loss: Loss;
  bias: boolean;
  parameters: number;
  input: { rows: number; cols: number };
  /** The settings that trained it, when the file has them. */
  config: TrainConfig | null;
  history: EpochMetrics[];
}

export interface InspectedLayer {
  z: number[];
  a: number[];
  /** ∂L/∂z */
  e: number[];
  /** ∂L/∂W, inputs × outputs (row i: from input unit i). */
  weight_gradient: number[][];
  bias_gradient: number[] | null;
  weights_after: number[][];
  bias_after: number[] | null;
}

/** A conv or pool layer of an inspected step: its output map and errors (H×W×C, channel
 *  fastest); a conv layer's kernel gradient and updated kernel as [out][in][ky][kx]. */
export interface InspectedFront {
  /** "conv2x1s2", "pool2". */
  layer: string;
  a: number[];
  /** ∂L/∂z for a conv layer, ∂L/∂output for a pool. */
  e: number[];
  weight_gradient?: number[][][][];
  bias_gradient?: number[] | null;
  weights_after?: number[][][][];
  bias_after?: number[] | null;
}

/** inspect: one double-precision SGD step with every intermediate value. */
export interface Inspection {
  input: number[];
  target: number[];
  learning_rate: number;
  loss_before: number;
  output_before: number[];
  /** The conv and pool layers, when the network has them. */
  front?: InspectedFront[];
  layers: InspectedLayer[];
  output_after: number[];
  loss_after: number;
}

function parse<T>(text: string): Result<T> {
  try {
    const value = JSON.parse(text) as Result<T>;
    if (value && typeof value === 'object' && 'ok' in value) return value;
    return { ok: false, error: `the engine answered without "ok": ${text.slice(0, 80)}` };
  } catch (e) {
    return { ok: false, error: `the engine answered with unreadable JSON (${String(e)})` };
  }
}

/** A session of the engine: datasets, one training run, the current model. */
export class EngineSession {
  private raw: RawSession | null;

  constructor(readonly engine: Engine) {
    this.raw = new engine.Session();
  }

  private get s(): RawSession {
    if (!this.raw) throw new Error('EngineSession: used after dispose()');
    return this.raw;
  }

  describeIdx(fileName: string, bytes: Uint8Array): Result<IdxDescription> {
    return parse(this.s.describeIdx(fileName, bytes));
  }

  /** On failure the slot keeps what it had. */
  setDataset(
    slot: Slot,
    imagesName: string,
    images: Uint8Array,
    labelsName: string,
    labels: Uint8Array,
  ): Result<DatasetInfo> {
    return parse(this.s.setDataset(slot, imagesName, images, labelsName, labels));
  }

  /** Empties a slot; a run measured on it ends, its network kept as the current model. */
  clearSlot(slot: Slot): Result<{ has_model: boolean }> {
    return parse(this.s.clearSlot(slot));
  }

  /** `count` images of rows·cols bytes from `start` (fewer at the end of the set; empty if none). */
  sampleImages(slot: Slot, start: number, count: number): Uint8Array {
    return this.s.sampleImages(slot, start, count);
  }

  sampleLabels(slot: Slot, start: number, count: number): Uint8Array {
    return this.s.sampleLabels(slot, start, count);
  }

  /** Training digits as augmentation redraws them: per digit the stored image, then `variants`
   *  distortions (epochs `epoch`, `epoch` + 1, …) under `config`'s augmentation settings. */
  augmentPreview(
    config: Partial<TrainConfig>,
    start: number,
    count: number,
    epoch: number,
    variants: number,
  ): Result<AugmentPreview> {
    return this.s.augmentPreview(JSON.stringify(config), start, count, epoch, variants);
  }

  /** A new run. `config` is applied over the preset it names (or the defaults, or the starting
   *  model's settings); `startModel` (a model file's text) continues from its weights and history. */
  configure(config: Partial<TrainConfig> | string, startModel = ''): Result<RunInfo> {
    const text = typeof config === 'string' ? config : JSON.stringify(config);
    return parse(this.s.configure(text, startModel));
  }

  train(maxBatches: number): Result<StepResult> {
    const r = parse<Omit<StepResult, 'batch_losses'>>(this.s.train(maxBatches));
    return failed(r) ? r : { ...r, batch_losses: this.s.batchLosses() };
  }

  evaluate(split: Split, keepPredictions = false): Result<Evaluation> {
    return parse(this.s.evaluate(split, keepPredictions));
  }

  /** `pixels`: the image in [0, 1], 784 for MNIST (the model's inputs, or with `crop` the whole digit it cuts its windows from). */
  predict(pixels: Float32Array): Result<Prediction> {
    return parse(this.s.predict(pixels));
  }

  /** Every conv and pool layer's output for `pixels` (as predict takes them). */
  featureMaps(pixels: Float32Array): Result<FeatureMaps> {
    return this.s.featureMaps(pixels);
  }

  /** The current model as the text of a digitrain model file. */
  exportModel(): Result<{ text: string }> {
    const text = this.s.exportModel();
    // A model file starts with {"format"...; only a failure starts with {"error"... (sorted keys).
    if (text.startsWith('{"error"')) return parse<{ text: string }>(text);
    return { ok: true, text };
  }

  /** Loads a model file as the current network; the run in progress (if any) is dropped. */
  importModel(text: string, fileName: string): Result<ModelInfo> {
    return parse(this.s.importModel(text, fileName));
  }

  /** The current network as a NumPy .npz archive (w1, b1, w2, ... as float32). */
  exportNpz(): Result<{ bytes: Uint8Array }> {
    const bytes = this.s.exportNpz();
    if (bytes.length === 0) return { ok: false, error: 'no model: configure a run or import a model first' };
    return { ok: true, bytes };
  }

  /** One double-precision SGD step on (input, target) for the model file `modelText`. */
  inspect(modelText: string, input: number[], target: number[], learningRate: number): Result<Inspection> {
    return parse(this.s.inspect(modelText, JSON.stringify(input), JSON.stringify(target), learningRate));
  }

  /** Frees the session's memory in the engine (datasets, run, model). */
  dispose(): void {
    this.raw?.delete();
    this.raw = null;
  }
}

export function settingsSchema(engine: Engine): SettingSchema[] {
  return JSON.parse(engine.settingsSchema()) as SettingSchema[];
}

export function presets(engine: Engine): Preset[] {
  return JSON.parse(engine.presets()) as Preset[];
}
