// The training worker's logic, free of Worker globals so Node tests can drive it with the
// real engine or a fake one: it answers the protocol's requests (web/shared/protocol.ts)
// and runs training in chunks of batches.
//
// Why chunks: a worker handles one message at a time, so a pause, stop or drawing
// prediction waits for the current engine call to return. Each chunk is sized to take
// about CHUNK_MS and never crosses an epoch boundary, so (1) pause/stop act within
// ~CHUNK_MS, (2) progress flows at least every PROGRESS_MS, and (3) the model exported
// right after an epoch is exactly that epoch's model — the "last good model" the page keeps
// in case this worker dies.
import type { Engine } from '../core/engine';
import { EngineSession, failed, presets, settingsSchema, type Result, type StepResult } from '../core/session';
import { maybeGunzip } from '../data/gunzip';
import { pairFiles, type FilePair } from '../data/recognise';
import type {
  Args,
  BuildKind,
  DatasetSummary,
  EngineInfo,
  EngineMemory,
  FileDescription,
  FromWorker,
  Method,
  NamedBytes,
  Request,
  Returns,
  RunInfo,
  SplitSummary,
  TrainState,
  WorkerEvent,
} from '../shared/protocol';
import { transferablesOf } from '../shared/protocol';
import { idxBytes } from '../data/idx';
import { DEMO_FILES } from '../data/demo-files.js';

const CHUNK_MS = 40;
const PROGRESS_MS = 100;

/** What the core needs from its surroundings: the worker supplies the real ones, tests fakes. */
export interface CoreHost {
  post(message: FromWorker, transfer: Transferable[]): void;
  /** Picks and instantiates a build. `onAbort` must be wired to the module's abort. */
  loadEngine(
    base: string,
    force: BuildKind | undefined,
    onAbort: (what: unknown) => void,
  ): Promise<{
    engine: Engine;
    build: BuildKind;
    reason: string;
  }>;
  fetchBytes(url: string): Promise<Uint8Array>;
  now(): number;
  /** Lets queued messages in before the next chunk. */
  yieldToMessages(): Promise<void>;
  cores: number;
  origin: string;
  /** Test hook: crash the worker the way an engine abort would. */
  crash(): void;
}

/** An error the engine returned as a value (or a user mistake): reported, not fatal. */
export class EngineError extends Error {}

/** The value of a successful engine call; a failure becomes an EngineError with its message. */
function unwrap<T>(v: Result<T>): T & { ok: true } {
  if (failed(v)) throw new EngineError(v.error);
  return v;
}

/** What memoryStats() answers. */
interface MemoryStatsJson {
  ok: boolean;
  heap_bytes: number;
  allocated_bytes: number;
  arena_bytes: number;
}

/** The engine's memory, or null when the engine could not measure it. */
export function engineMemory(engine: Engine): EngineMemory | null {
  const m = JSON.parse(engine.memoryStats()) as MemoryStatsJson;
  return m.ok ? { heapBytes: m.heap_bytes, usedBytes: m.allocated_bytes, peakBytes: m.arena_bytes } : null;
}

export class TrainerCore {
  private engine: Engine | null = null;
  private session: EngineSession | null = null;
  private info: EngineInfo | null = null;
  private dataset: DatasetSummary | null = null;
  private run: RunInfo | null = null;
  private state: TrainState = 'idle';
  private chunk = 1;
  /** Each chunk's batch losses since the last progress event, as the engine copied them out. */
  private pendingLosses: Float32Array[] = [];
  private lastProgress = 0;
  private runBatches = 0;
  private runSamples = 0;
  private runSeconds = 0;
  private position = { epoch: 0, batchInEpoch: 0, batchesPerEpoch: 0, learningRate: 0 };
  private looping = false;
  private dead = false;

  constructor(private host: CoreHost) {}

  /** Handles one request and posts exactly one reply. */
  async handle(request: Request): Promise<void> {
    const { id, method } = request;
    try {
      if (this.dead) throw new EngineError('the engine has crashed; the page starts a new worker');
      const handler = this.handlers[method] as (args: unknown) => unknown;
      const result = await handler.call(this, request.args);
      this.host.post({ kind: 'reply', id, ok: true, result }, transferablesOf(result));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.host.post({ kind: 'reply', id, ok: false, error: message }, []);
      if (!(e instanceof EngineError)) this.fatal(`${method}: ${message}`);
    }
  }

  /** The engine aborted or trapped: nothing it holds can be trusted any more. */
  fatal(message: string): void {
    if (this.dead) return;
    this.dead = true;
    this.state = 'stopped';
    this.emit({ type: 'fatal', message });
  }

  private emit(event: WorkerEvent): void {
    this.host.post({ kind: 'event', event }, transferablesOf(event));
  }

  private need(): EngineSession {
    if (!this.session) throw new EngineError('the engine is not loaded yet');
    return this.session;
  }

  private setState(state: TrainState, message?: string): void {
    this.state = state;
    this.emit({ type: 'state', state, message });
  }

  private handlers: { [M in Method]: (args: Args<M>) => Promise<Returns<M>> | Returns<M> } = {
    init: async ({ base, forceBuild }) => {
      const { engine, build, reason } = await this.host.loadEngine(base, forceBuild, (what) =>
        this.fatal(`the engine aborted: ${String(what)}`),
      );
      this.engine = engine;
      this.session = new EngineSession(engine);
      this.info = {
        build,
        label: build === 'mt' ? 'threads + SIMD' : 'SIMD only',
        reason,
        version: engine.version(),
        maxThreads: engine.maxThreads(),
        cores: this.host.cores,
        presets: presets(engine),
        memory: engineMemory(engine),
        settings: settingsSchema(engine),
      };
      return this.info;
    },

    loadDemo: async ({ base }) => {
      const files: NamedBytes[] = [];
      for (const name of Object.values(DEMO_FILES)) {
        const bytes = await this.host.fetchBytes(new URL(`${base}data/${name}`, this.host.origin).href);
        files.push({ name, bytes: bytes.buffer as ArrayBuffer });
      }
      return { ...(await this.loadFiles(files)), source: 'demo' };
    },

    loadFiles: ({ files }) => this.loadFiles(files),

    clearSlot: ({ slot }) => {
      const dataset = this.dataset;
      if (!dataset) throw new EngineError('no data loaded');
      const { has_model: hasModel } = unwrap(this.need().clearSlot(slot));
      // A run measured on the cleared set has ended; its network stays the model.
      this.run = null;
      this.setState('idle');
      this.dataset = { ...dataset, test: null, memory: engineMemory(this.engine!) };
      return { dataset: this.dataset, hasModel };
    },

    configure: ({ config, startModel }) => {
      const session = this.need();
      if (this.state === 'running') this.state = 'paused';
      // The engine fits a validation split too large for the data loaded, and says so in warnings.
      const { ok: _, ...run } = unwrap(session.configure(config, startModel ?? ''));
      this.run = run;
      this.position = {
        epoch: 0,
        batchInEpoch: 0,
        batchesPerEpoch: this.run.batches_per_epoch,
        learningRate: this.run.config.learning_rate,
      };
      this.runBatches = this.runSamples = this.runSeconds = 0;
      this.pendingLosses = [];
      this.chunk = 1;
      this.setState('paused');
      return this.run;
    },

    start: () => {
      if (!this.run || this.state === 'finished' || this.state === 'stopped' || this.state === 'diverged')
        throw new EngineError('there is no run to resume: configure a new one first');
      if (this.state !== 'running') {
        this.setState('running');
        void this.loop();
      }
      return this.state;
    },

    pause: () => {
      if (this.state === 'running') this.setState('paused');
      return this.state;
    },

    step: () => {
      if (!this.run || this.state === 'finished' || this.state === 'stopped' || this.state === 'diverged')
        throw new EngineError('there is no run to step: configure a new one first');
      if (this.state === 'running') this.setState('paused');
      this.trainChunk(1);
      this.progress();
      if (this.state === 'running' || this.state === 'idle') this.setState('paused');
      return this.state;
    },

    stop: () => {
      if (this.run && (this.state === 'running' || this.state === 'paused')) {
        this.progress();
        this.setState('stopped');
      }
      return this.state;
    },

    predict: ({ pixels }) => {
      const { ok: _, ...prediction } = unwrap(this.need().predict(pixels));
      return prediction;
    },

    featureMaps: ({ pixels }) => {
      const { ok: _, ...maps } = unwrap(this.need().featureMaps(pixels));
      return maps;
    },

    evaluate: ({ split, keepPredictions }) => {
      const { ok: _, ...evaluation } = unwrap(this.need().evaluate(split, keepPredictions));
      return evaluation;
    },

    exportModel: () => ({ json: unwrap(this.need().exportModel()).text }),

    importModel: ({ json, fileName }) => {
      const { ok: _, ...model } = unwrap(this.need().importModel(json, fileName));
      // The loaded network replaces the run: nothing is left to resume.
      this.run = null;
      this.setState('idle');
      return model;
    },

    // slice(): a copy the worker owns, so it can be transferred.
    exportNpz: () => ({ bytes: unwrap(this.need().exportNpz()).bytes.slice() }),

    samples: ({ slot, start, count }) => {
      const s = this.need();
      const split = slot === 'train' ? this.dataset?.train : this.dataset?.test;
      if (!split) throw new EngineError(`no ${slot} set is loaded`);
      const n = Math.max(0, Math.min(count, split.count - start));
      // slice(): copies out of the wasm heap, so the buffers can be transferred.
      return {
        images: s.sampleImages(slot, start, n).slice(),
        labels: s.sampleLabels(slot, start, n).slice(),
        rows: split.rows,
        cols: split.cols,
      };
    },

    augmentPreview: ({ config, start, count, epoch, variants }) => {
      const { ok: _, ...preview } = unwrap(this.need().augmentPreview(config, start, count, epoch, variants));
      return preview;
    },

    crash: () => {
      this.host.crash();
    },

    inspect: ({ model, input, target, learningRate }) => {
      const { ok: _, ...inspection } = unwrap(this.need().inspect(model, input, target, learningRate));
      return inspection;
    },
  };

  /** A loaded slot as IDX bytes again (images u8 N×rows×cols, labels u8 N), to put it back. */
  private snapshot(slot: 'train' | 'test', split: SplitSummary): { images: Uint8Array; labels: Uint8Array } {
    const s = this.need();
    return {
      images: idxBytes([split.count, split.rows, split.cols], s.sampleImages(slot, 0, split.count)),
      labels: idxBytes([split.count], s.sampleLabels(slot, 0, split.count)),
    };
  }

  private async loadFiles(files: NamedBytes[]): Promise<DatasetSummary> {
    const session = this.need();
    const unpacked: { description: FileDescription; bytes: Uint8Array }[] = [];
    for (const f of files) {
      const raw = new Uint8Array(f.bytes);
      try {
        const { bytes, gzipped } = await maybeGunzip(f.name, raw);
        const d = session.describeIdx(f.name, bytes);
        const about = { name: f.name, gzipped, size: bytes.length };
        unpacked.push({
          bytes,
          description: failed(d)
            ? { ...about, ok: false, error: d.error }
            : { ...about, ok: true, kind: d.kind, labelsShape: d.labels_shape, dims: d.dims, count: d.count },
        });
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        unpacked.push({ bytes: raw, description: { name: f.name, gzipped: true, size: raw.length, ok: false, error } });
      }
    }
    const descriptions = unpacked.map((u) => u.description);
    const pairing = pairFiles(descriptions);
    if (!pairing.ok) throw new EngineError(pairing.errors.join('\n'));

    const bytesOf = (d: FileDescription) => unpacked.find((u) => u.description === d)!.bytes;
    const load = (slot: 'train' | 'test', p: FilePair): SplitSummary => {
      const loaded = session.setDataset(slot, p.images.name, bytesOf(p.images), p.labels.name, bytesOf(p.labels));
      // The engine names the file it refuses; a failure of the engine itself (out of memory)
      // names the call, so the files it was loading are said here.
      if (failed(loaded) && !loaded.error.includes(p.images.name) && !loaded.error.includes(p.labels.name))
        throw new EngineError(
          `${p.images.name} and ${p.labels.name} (the ${slot} set) could not be loaded: ${loaded.error}`,
        );
      const r = unwrap(loaded);
      return {
        imagesName: p.images.name,
        labelsName: p.labels.name,
        count: r.count,
        rows: r.rows,
        cols: r.cols,
        histogram: r.histogram,
      };
    };
    // Only one pair given: it trains, and the test set already loaded (if any) stays.
    const previousTest = this.dataset?.test ?? null;
    // Both pairs or nothing: the test pair goes first, and if the training pair then fails the
    // test slot gets its previous digits back, so what was loaded stays loaded.
    let test = previousTest;
    let train: SplitSummary;
    if (pairing.test) {
      const saved = previousTest ? this.snapshot('test', previousTest) : null;
      test = load('test', pairing.test);
      try {
        train = load('train', pairing.train);
      } catch (e) {
        if (saved)
          session.setDataset('test', previousTest!.imagesName, saved.images, previousTest!.labelsName, saved.labels);
        throw e;
      }
    } else train = load('train', pairing.train);
    this.dataset = { source: 'files', train, test, files: descriptions, memory: engineMemory(this.engine!) };
    // New data invalidates a run's sample counts: a new run must be configured.
    if (this.run) {
      this.run = null;
      this.setState('idle');
    }
    return this.dataset;
  }

  /** Trains at most `max` batches without crossing an epoch boundary; returns the chunk. */
  private trainChunk(max: number): Result<StepResult> {
    const session = this.need();
    const left = this.position.batchesPerEpoch - this.position.batchInEpoch;
    const n = Math.max(1, left > 0 ? Math.min(max, left) : max);
    const t0 = this.host.now();
    const r = session.train(n);
    const seconds = (this.host.now() - t0) / 1000;
    if (failed(r)) {
      this.setState('stopped', r.error);
      return r;
    }
    this.runBatches += r.batches;
    this.runSeconds += seconds;
    const batch = this.run!.config.batch_size || this.run!.train_count;
    this.runSamples += r.batches * Math.min(batch, this.run!.train_count);
    this.pendingLosses.push(r.batch_losses);
    this.position = {
      epoch: r.epoch,
      batchInEpoch: r.batch_in_epoch,
      batchesPerEpoch: r.batches_per_epoch,
      learningRate: r.learning_rate,
    };
    if (r.epochs.length) {
      // The chunk ended on this epoch's boundary, so this export is the epoch's model.
      const exported = session.exportModel();
      const model = failed(exported) ? '' : exported.text;
      r.epochs.forEach((metrics, i) =>
        this.emit({ type: 'epoch', metrics, model: i === r.epochs.length - 1 ? model : '' }),
      );
    }
    if (r.warning) this.emit({ type: 'warning', message: r.warning });
    if (r.threads) this.emit({ type: 'threads', ...r.threads });
    if (r.diverged) this.setState('diverged', r.diverged);
    else if (r.finished) {
      this.progress();
      this.setState('finished');
    }
    if (r.batches > 0 && seconds > 0) {
      const perBatch = (seconds * 1000) / r.batches;
      this.chunk = Math.max(1, Math.min(100000, Math.round(CHUNK_MS / Math.max(perBatch, 1e-3))));
    }
    return r;
  }

  private progress(): void {
    const losses = new Float32Array(this.pendingLosses.reduce((n, chunk) => n + chunk.length, 0));
    let at = 0;
    for (const chunk of this.pendingLosses) {
      losses.set(chunk, at);
      at += chunk.length;
    }
    this.pendingLosses = [];
    this.lastProgress = this.host.now();
    this.emit({
      type: 'progress',
      state: this.state,
      epoch: this.position.epoch,
      epochs: this.run?.config.epochs ?? 0,
      batchInEpoch: this.position.batchInEpoch,
      batchesPerEpoch: this.position.batchesPerEpoch,
      batches: this.runBatches,
      batchLosses: losses,
      learningRate: this.position.learningRate,
      samplesPerSecond: this.runSeconds > 0 ? this.runSamples / this.runSeconds : 0,
    });
  }

  private async loop(): Promise<void> {
    if (this.looping) return;
    this.looping = true;
    try {
      while (this.state === 'running' && !this.dead) {
        this.trainChunk(this.chunk);
        if (this.state === 'running' && this.host.now() - this.lastProgress >= PROGRESS_MS) this.progress();
        await this.host.yieldToMessages();
      }
      if (this.state === 'paused') this.progress();
    } catch (e) {
      this.fatal(`training: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.looping = false;
    }
  }
}
