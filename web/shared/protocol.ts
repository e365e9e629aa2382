// The one protocol between the page (web/ui) and the training worker (web/worker).
//
// Two kinds of traffic, both plain structured-clone messages:
//   - requests: the page calls a method of `WorkerApi` with an id; the worker answers with
//     exactly one `Reply` carrying the same id (result or error message). Buffers named in
//     `transfer` move, they are not copied.
//   - events: the worker tells the page about training on its own (progress at least every
//     250 ms while running, each finished epoch with the model exported after it, state
//     changes, a fatal crash).
// Nothing here touches the DOM or the engine, so both sides and the tests import it freely.
//
// Names: what the engine answers (settings, metrics, run info, evaluations, predictions,
// model info) is defined once, in the typed wrapper web/core/session.ts, and travels with the
// engine's snake_case keys unchanged — the same keys as the model file and the CLI's --json.
// What the worker and the page add around it (requests, events, dataset summaries) is
// camelCase. Nothing is renamed on the way.
import type { BuildKind } from '../core/loadEngine';
import type {
  AugmentPreview,
  DatasetInfo,
  EpochMetrics,
  Evaluation,
  Failure,
  FeatureMaps,
  IdxDescription,
  Inspection,
  ModelInfo,
  Prediction,
  Preset,
  RunInfo,
  SettingSchema,
  ThreadChange,
  TrainConfig,
} from '../core/session';

export type { BuildKind } from '../core/loadEngine';
export type {
  Activation,
  EpochMetrics,
  Evaluation,
  FeatureMapLayer,
  FeatureMaps,
  Init,
  InspectedLayer,
  Inspection,
  LayerEntry,
  Loss,
  ModelInfo,
  Optimizer,
  Prediction,
  Reduction,
  RunInfo,
  SettingSchema,
  TrainConfig,
} from '../core/session';
export type PresetInfo = Preset;

/** What an epoch measures, every key of EpochMetrics but its number: the run file checks
 *  them and the curves' CSV has a column for each. */
export const EPOCH_MEASURES = [
  'train_loss',
  'train_error',
  'validation_loss',
  'validation_error',
  'test_loss',
  'test_error',
  'learning_rate',
  'seconds',
  'samples_per_second',
] as const satisfies readonly Exclude<keyof EpochMetrics, 'epoch'>[];

export interface EngineInfo {
  build: BuildKind;
  /** "threads + SIMD" or "SIMD only". */
  label: string;
  /** Why this build was chosen, in a sentence a user can act on. */
  reason: string;
  version: string;
  /** Threads the engine can train with (1 for the SIMD-only build). */
  maxThreads: number;
  /** navigator.hardwareConcurrency as the worker sees it. */
  cores: number;
  presets: PresetInfo[];
  /** The engine's memory once it has started. */
  memory: EngineMemory | null;
  /** The engine's settings table: the page builds its form and checks from it (web/ui/config.ts). */
  settings: SettingSchema[];
}

/** The engine's memory (bytes), from its memoryStats() binding; null when it could not be measured. */
export interface EngineMemory {
  /** The WebAssembly memory's size: what the engine holds. It grows with the data loaded
   *  and never shrinks. */
  heapBytes: number;
  /** Bytes in use by the engine's allocations now. */
  usedBytes: number;
  /** The most the engine's allocator has held at once (e.g. while a set replaced another). */
  peakBytes: number;
}

/** One file as the page hands it over: the name the user sees and its bytes (raw or gzip). */
export interface NamedBytes {
  name: string;
  bytes: ArrayBuffer;
}

/** One (gunzipped) file and what the engine's describeIdx said about it: its kind, dims and
 *  count, or the error. */
export interface FileDescription extends Partial<Pick<IdxDescription, 'kind' | 'dims' | 'count'>> {
  name: string;
  gzipped: boolean;
  /** Bytes after gunzip. */
  size: number;
  ok: boolean;
  error?: string;
  /** The engine's labels_shape: one value per sample, so 'other' means not every value is a digit. */
  labelsShape?: boolean;
}

/** One loaded pair as the engine's setDataset answered, with the files' names. */
export interface SplitSummary extends DatasetInfo {
  imagesName: string;
  labelsName: string;
}

export interface DatasetSummary {
  /** 'demo' for the built-in digits, 'mnist' for full MNIST as the page serves it
   *  (web/data/full-mnist.ts; the worker loads it as files), 'files' for the user's own. */
  source: 'demo' | 'mnist' | 'files';
  train: SplitSummary;
  test: SplitSummary | null;
  files: FileDescription[];
  /** The engine's memory right after loading. */
  memory: EngineMemory | null;
}

/** Digits of a loaded set: `labels.length` images of rows×cols bytes, one after another. */
export interface Samples {
  images: Uint8Array;
  labels: Uint8Array;
  rows: number;
  cols: number;
}

export type TrainState = 'idle' | 'running' | 'paused' | 'finished' | 'stopped' | 'diverged';

/** Every request the page can make: arguments and the result of a successful reply. */
export interface WorkerApi {
  /** Loads the engine (picking the build) and lists the presets. `base` is the app's base URL. */
  init: { args: { base: string; forceBuild?: BuildKind }; result: EngineInfo };
  /** Fetches and loads the built-in demo digits from `${base}data/`. */
  loadDemo: { args: { base: string }; result: DatasetSummary };
  /** Recognises the files by content, pairs images with labels by count and loads them. */
  loadFiles: { args: { files: NamedBytes[] }; result: DatasetSummary };
  /** Empties the test slot (a test set of other data; the training slot is only ever replaced):
   *  a run ends, its network staying the model. */
  clearSlot: { args: { slot: 'test' }; result: { dataset: DatasetSummary; hasModel: boolean } };
  /** Starts a new run (fresh weights), or continues from `startModel` (a model file). */
  configure: { args: { config: Partial<TrainConfig>; startModel?: string }; result: RunInfo };
  /** Runs (or resumes) training in chunks until paused, stopped, finished or diverged. */
  start: { args: Record<string, never>; result: TrainState };
  pause: { args: Record<string, never>; result: TrainState };
  /** Trains exactly one batch, then stays paused. */
  step: { args: Record<string, never>; result: TrainState };
  /** Ends the run; the weights trained so far stay for drawing and evaluation. */
  stop: { args: Record<string, never>; result: TrainState };
  predict: { args: { pixels: Float32Array }; result: Prediction };
  /** Every conv and pool layer's output for the same input: the feature maps the page draws. */
  featureMaps: { args: { pixels: Float32Array }; result: FeatureMaps };
  evaluate: { args: { split: 'train' | 'validation' | 'test'; keepPredictions: boolean }; result: Evaluation };
  exportModel: { args: Record<string, never>; result: { json: string } };
  /** What the engine read in the file: layers (input first: 784-128-64-10, 784-conv5x8-pool2-10), its settings and history. */
  importModel: { args: { json: string; fileName: string }; result: ModelInfo };
  exportNpz: { args: Record<string, never>; result: { bytes: Uint8Array } };
  samples: { args: { slot: 'train' | 'test'; start: number; count: number }; result: Samples };
  /** Training digits as augmentation redraws them under `config` (the form's settings): per
   *  digit its stored image, then `variants` distortions, those of epochs `epoch`, `epoch` + 1, … */
  augmentPreview: {
    args: { config: Partial<TrainConfig>; start: number; count: number; epoch: number; variants: number };
    result: AugmentPreview;
  };
  /** Test hook: makes the engine abort as a real crash would (only with `?debug`). */
  crash: { args: Record<string, never>; result: void };
  /** The hand-computation inspector: one double-precision SGD step of `model` (a tiny model
   *  file) on (input, target), every intermediate value returned; the run is not touched. */
  inspect: { args: { model: string; input: number[]; target: number[]; learningRate: number }; result: Inspection };
}

export type Method = keyof WorkerApi;
export type Args<M extends Method> = WorkerApi[M]['args'];
/** What a successful reply to method M carries. */
export type Returns<M extends Method> = WorkerApi[M]['result'];

export type Request = { [M in Method]: { kind: 'request'; id: number; method: M; args: Args<M> } }[Method];

/** The answer to one request: the result, or the Failure whose message the page shows. */
export type Reply = { kind: 'reply'; id: number } & ({ ok: true; result: unknown } | Failure);

export interface ProgressEvent {
  type: 'progress';
  state: TrainState;
  /** Epochs completed. */
  epoch: number;
  epochs: number;
  batchInEpoch: number;
  batchesPerEpoch: number;
  /** Batches trained in this run so far. */
  batches: number;
  /** Mean per-sample loss of each batch trained since the previous progress event. */
  batchLosses: Float32Array;
  learningRate: number;
  samplesPerSecond: number;
}

export type WorkerEvent =
  | ProgressEvent
  /** One finished epoch; `model` is the model file exported right after it (the last good model). */
  | { type: 'epoch'; metrics: EpochMetrics; model: string }
  | { type: 'state'; state: TrainState; message?: string }
  /** Training goes on, but the engine sees it is not learning (e.g. saturated sigmoids). */
  | { type: 'warning'; message: string }
  /** Threads `auto` moved to another count while training: how many share each batch now, why,
   *  and from which batch. */
  | ({ type: 'threads' } & ThreadChange)
  /** The engine aborted (out of memory, a trap): this worker is unusable and must be replaced. */
  | { type: 'fatal'; message: string };

export type FromWorker = Reply | { kind: 'event'; event: WorkerEvent };

/** Buffers inside a value that can be transferred instead of copied. */
export function transferablesOf(value: unknown): Transferable[] {
  const out = new Set<ArrayBuffer>();
  const visit = (v: unknown, depth: number) => {
    if (depth > 3 || v === null || typeof v !== 'object') return;
    if (v instanceof ArrayBuffer) out.add(v);
    else if (ArrayBuffer.isView(v)) {
      // A view into a SharedArrayBuffer (the wasm heap of the threaded build) cannot move.
      if (v.buffer instanceof ArrayBuffer && v.byteLength === v.buffer.byteLength) out.add(v.buffer);
    } else if (Array.isArray(v)) v.forEach((x) => visit(x, depth + 1));
    else Object.values(v).forEach((x) => visit(x, depth + 1));
  };
  visit(value, 0);
  return [...out];
}
