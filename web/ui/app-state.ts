// What the page holds, as one typed object in one store (web/ui/store.ts), and what every panel
// is given. Everything the page keeps across a worker crash lives here: the data source (to
// reload it), the last good model (exported after each epoch) and the curves. No DOM here.
import type { Activation, ThreadChange } from '../core/session';
import type {
  DatasetSummary,
  EngineInfo,
  EpochMetrics,
  Evaluation,
  PresetInfo,
  ProgressEvent,
  RunInfo,
  TrainConfig,
  TrainState,
} from '../shared/protocol';
import type { RunCurve } from './charts';
import type { TestImages } from './evaluation-view';
import type { Store } from './store';
import type { WorkerClient } from './worker-client';

export type PageState = TrainState | 'crashed';

/** A run kept for comparison (and the sweep or seed repeat it belongs to). */
export type KeptRun = RunCurve & {
  config: TrainConfig;
  /** A run trained here: its number and preset ("#3 tp"), which its label starts with. */
  name?: string;
};

/** A confusion matrix as an opened run file records it: no per-digit predictions. */
export type RecordedEvaluation = Pick<Evaluation, 'count' | 'error' | 'confusion'>;

export interface AppState {
  info: EngineInfo | null;
  /** Why the engine could not start (the page can do nothing else then). */
  engineError: string | null;
  /** The presets as the page offers them (threads `auto`, 0: the engine chooses). */
  presets: PresetInfo[];
  preset: PresetInfo | null;
  /** The settings in the form (a sweep or seed repeat puts each of its runs' here in turn). */
  config: TrainConfig | null;
  dataset: DatasetSummary | null;
  /** What to reload into a replacement worker. */
  source: { kind: 'demo' } | { kind: 'files'; files: File[]; /** full MNIST, as the page serves it */ mnist?: boolean };
  state: PageState;
  /** The run as the engine configured it (threads actually used, sample counts). */
  run: RunInfo | null;
  /** Where `auto` moved to another thread count during the run, in order. */
  threadChanges: ThreadChange[];
  history: EpochMetrics[];
  progress: ProgressEvent | null;
  /** performance.now() when the run (or its resumption) started, for the time left. */
  runStarted: number;
  /** The batch losses a run starts with (an opened run's): a new array starts the loss plot over. */
  lossesAtStart: readonly number[];
  lastGoodModel: string | null;
  /** A network exists in the worker (trained, training or loaded): drawing can predict. */
  hasModel: boolean;
  /** The network's output activation: only softmax outputs are probabilities (null: no network). */
  outputActivation: Activation | null;
  /** Counts changes of the worker's network: what shows the model redraws when it moves. */
  modelVersion: number;
  /** What the draw panel last showed the network (the drawing, or a test digit chosen by
   *  number), as its inputs in [0, 1]; null when there is none. */
  drawnInput: Float32Array | null;
  /** The training panel's message box (null: hidden). */
  trainError: string | null;
  /** A line for the training status until progress replaces it (a new object shows it again). */
  trainNote: { text: string } | null;
  runs: KeptRun[];
  /** Runs still to do for a sweep or a seed repeat, and the group they belong to. */
  queue: { config: TrainConfig; group: string }[];
  group: string | undefined;
  /** The form's configuration while a sweep or seed repeat borrows `config`. */
  savedConfig: TrainConfig | null;
  /** The test-set evaluation shown (null: none, the matrix and gallery are cleared). */
  evaluation: Evaluation | RecordedEvaluation | null;
  testImages: TestImages | null;
}

export function initialState(): AppState {
  return {
    info: null,
    engineError: null,
    presets: [],
    preset: null,
    config: null,
    dataset: null,
    source: { kind: 'demo' },
    state: 'idle',
    run: null,
    threadChanges: [],
    history: [],
    progress: null,
    runStarted: 0,
    lossesAtStart: [],
    lastGoodModel: null,
    hasModel: false,
    outputActivation: null,
    modelVersion: 0,
    drawnInput: null,
    trainError: null,
    trainNote: null,
    runs: [],
    queue: [],
    group: undefined,
    savedConfig: null,
    evaluation: null,
    testImages: null,
  };
}

export type AppStore = Store<AppState>;

/** What every panel is given besides the store. */
export interface Deps {
  client: WorkerClient;
  /** The app's base URL (where data/ and wasm/ are served). */
  base: string;
  /** The page's query string as it was loaded. */
  params: URLSearchParams;
}

/** Engine, data and settings are all there: a run can be configured. */
export const canTrain = (s: AppState): boolean => Boolean(s.info && s.dataset && s.config);

/** Threads the page offers by default: every core the engine's pool can use. */
export const threadsOffered = (info: EngineInfo): number =>
  info.build === 'mt' ? Math.max(1, Math.min(info.maxThreads, info.cores)) : 1;

/** The preset to recommend for drawing: digitrain's own, which reads hand-drawn digits most
 *  reliably (the others reproduce course labs, some with small or unusual networks). */
export const DRAWING_PRESET = 'best';

export const ENDED: readonly PageState[] = ['finished', 'stopped', 'diverged'];
