/// <reference types="emscripten" />
// The engine's WebAssembly API, as bound by cpp/bindings/embind.cpp — written by hand
// (Emscripten 3.1.6 has no --emit-tsd) and kept honest by tests/web/bindings.test.ts,
// which checks that every member declared here exists on the real module.
//
// The door is narrow and coarse: bytes in, JSON or copies out, never a live view of the
// wasm heap. Every call that can fail returns a JSON string whose `ok` says so; on failure
// `error` is the engine's message (naming the file or field). A failed call leaves the
// session as it was.

export type Slot = 'train' | 'test';
export type Split = 'train' | 'validation' | 'test';

/** augmentPreview's answer: `images` holds count × (1 + variants) images of rows·cols bytes. */
export type AugmentPreviewAnswer =
  | { ok: true; count: number; variants: number; rows: number; cols: number; images: Uint8Array }
  | { ok: false; error: string };

/** One conv or pool layer's output for one input, after its activation: `values` holds
 *  rows × cols × channels numbers, HWC (element (y, x, c) at (y·cols + x)·channels + c). */
export interface FeatureMapLayer {
  /** The layer as the `layers` setting names it: "conv5x8", "pool2". */
  layer: string;
  kind: 'conv' | 'pool';
  rows: number;
  cols: number;
  channels: number;
  values: Float32Array;
}

/** featureMaps' answer: every conv and pool layer, first layer first (none for a dense network). */
export type FeatureMapsAnswer = { ok: true; layers: FeatureMapLayer[] } | { ok: false; error: string };

export interface Session {
  /** Parses one IDX buffer (already gunzipped) and says what it holds: JSON of
   *  `{ok, type, dims, count, kind: 'images'|'labels'|'other', labels_shape, histogram?, rows?, cols?}`
   *  or `{ok:false, error}`. `labels_shape`: one value per sample (N or N×1), which makes it labels
   *  when every value is a digit 0..9. `histogram` (counts of 0..9) for labels, `rows`/`cols` for
   *  images; gzip bytes are refused ("unpack it first"). */
  describeIdx(fileName: string, bytes: Uint8Array): string;
  /** Pairs images with labels into the `train` or `test` slot: JSON `{ok, count, rows, cols, histogram}`.
   *  On failure the slot keeps what it had. */
  setDataset(slot: Slot, imagesName: string, images: Uint8Array, labelsName: string, labels: Uint8Array): string;
  /** Empties a slot (`{ok, has_model}`): a run measured on it ends, its network staying the
   *  current model with its settings and history; `has_model` says whether one remains. */
  clearSlot(slot: Slot): string;
  /** `count` images (rows·cols bytes each) and labels from a slot, for previews. */
  sampleImages(slot: Slot, start: number, count: number): Uint8Array;
  sampleLabels(slot: Slot, start: number, count: number): Uint8Array;
  /** Training digits [start, start + count) as augmentation shows them to the network: per digit,
   *  the stored image, then its distortions in epochs `epoch`, `epoch` + 1, … (`variants` of them),
   *  under the augmentation settings of `settingsJson` (applied like configure's). Needs no run. */
  augmentPreview(
    settingsJson: string,
    start: number,
    count: number,
    epoch: number,
    variants: number,
  ): AugmentPreviewAnswer;
  /** Starts a run: fresh weights from the config (snake_case TrainConfig JSON, see README), or
   *  continues from `startModelJson` (a model file with its history) when non-empty.
   *  The JSON is applied over a base: the starting model's settings when continuing, else the
   *  preset it names (`{"preset":"tp","epochs":5}`), else the defaults; a full config overrides all.
   *  JSON `{ok, config, train_count, validation_count, test_count, batches_per_epoch, epoch,
   *  finished, threads: {requested, used, max}, warnings}`: `threads` are clamped to what the
   *  engine's pthread pool has left (1 in the SIMD-only build), `config.threads` is the number
   *  used and `warnings` says so. The previous run is dropped only when the new one is valid. */
  configure(configJson: string, startModelJson: string): string;
  /** Trains up to `maxBatches` batches. JSON `{ok, batches, epochs, finished, diverged, warning,
   *  threads, epoch, batch_in_epoch, batches_per_epoch, learning_rate}`; `threads` is null, or
   *  `{used, reason, epoch, batch}` when `auto` moved during the call. The batches' losses are
   *  not in the JSON (printing and parsing a number per batch cost a share of a batch-1 step):
   *  batchLosses() gives them. */
  train(maxBatches: number): string;
  /** The last train call's batch losses, one per batch it trained (`batches` of them; none after
   *  a failed call): the mean per-sample loss of each, NaN for a batch that diverged. A copy. */
  batchLosses(): Float32Array;
  /** JSON `{ok, split, count, loss, error, confusion, predicted?, outputs?, probabilities?}`:
   *  confusion[true][predicted]; with `keepPredictions`, `predicted` per sample and
   *  `probabilities` flat (count × outputs). Without a run, an imported model is evaluated on
   *  the whole train or test slot. */
  evaluate(split: Split, keepPredictions: boolean): string;
  /** One input of `inputs` values in [0,1]: JSON `{ok, probabilities, predicted, activations}`
   *  where activations[l] is layer l's output (the last one equals `probabilities`). */
  predict(pixels: Float32Array): string;
  /** The conv and pool layers' outputs for one input of `inputs` values in [0,1] (the same
   *  forward pass as predict's), each map a fresh Float32Array. */
  featureMaps(pixels: Float32Array): FeatureMapsAnswer;
  /** The current model (weights, config, history) as the digitrain model file, or
   *  `{"error":...,"ok":false}` when there is none. */
  exportModel(): string;
  /** Loads a model file as the current network (training state is dropped): JSON `{ok, layers,
   *  activations, loss, bias, parameters, input: {rows, cols}, config | null, history}`;
   *  `layers` are the unit counts, inputs first. */
  importModel(json: string, fileName: string): string;
  /** The current network as a NumPy .npz archive (empty when there is none). */
  exportNpz(): Uint8Array;
  /** One double-precision step on (input, target) for the model in `modelJson` (weights read as
   *  written, not rounded to float); `inputJson`/`targetJson` are JSON arrays of numbers: the
   *  inspector's JSON (cpp/core/inspector.h) with `ok`. */
  inspect(modelJson: string, inputJson: string, targetJson: string, learningRate: number): string;
  delete(): void;
}

export interface Engine extends EmscriptenModule {
  Session: { new (): Session };
  version(): string;
  /** JSON array of `{name, source, description, config}`. */
  presets(): string;
  /** JSON array, one object per training setting (cpp/core/settings.h): `{key, type, label,
   *  help, flag, aliases, default, presets, min/max (+ min_exclusive/max_exclusive) | values,
   *  ...}`, what the page builds its form and checks from. */
  settingsSchema(): string;
  /** Threads the engine trains with at most (1 in the SIMD-only build). */
  maxThreads(): number;
  /** The engine's memory: JSON `{ok, heap_bytes, allocated_bytes, arena_bytes, workers_in_use}`:
   *  the WebAssembly memory's size, the bytes allocated now, the most the allocator has held
   *  (its peak), and the pool's threads that runs hold. */
  memoryStats(): string;
}

declare const createEngine: EmscriptenModuleFactory<Engine>;
export default createEngine;
