// What the page does that is no one panel's: starting the engine, following the worker's
// events, configuring a run, and recovering from a worker crash. Each talks to the worker and
// writes the store; the panels show the result. No DOM here.
import type { EngineInfo, TrainConfig, WorkerEvent } from '../shared/protocol';
import { fmt } from '../shared/format';
import { dataKind } from './dataset-kind';
import { ENDED, type AppStore, type Deps, type PageState } from './app-state';
import { useSettingsSchema } from './config';

/** Loads the engine in the worker (again, after a crash). */
export async function startEngine(store: AppStore, { client, base, params }: Deps): Promise<EngineInfo> {
  const force = params.get('build');
  const info = await client.call('init', { base, forceBuild: force === 'st' ? 'st' : undefined });
  // Before the store hears of the engine: the settings panel builds its form from this table.
  useSettingsSchema(info.settings);
  store.update({ info });
  return info;
}

/** The run's new state; an end (finished, stopped, diverged) settles the model. */
export function setRunState(store: AppStore, state: PageState, message?: string): void {
  const error = state === 'diverged' ? (message ?? 'Training diverged.') : message;
  store.update((s) => ({
    state,
    ...(error ? { trainError: error } : {}),
    ...(ENDED.includes(state) ? { modelVersion: s.modelVersion + 1 } : {}),
  }));
}

export function onWorkerEvent(store: AppStore, event: WorkerEvent): void {
  switch (event.type) {
    case 'progress':
      store.update({ progress: event });
      break;
    case 'epoch':
      store.update((s) => ({
        history: [...s.history, event.metrics],
        lastGoodModel: event.model || s.lastGoodModel,
        modelVersion: s.modelVersion + 1,
      }));
      break;
    case 'state':
      if (event.state !== store.get().state) setRunState(store, event.state, event.message);
      break;
    case 'warning':
      store.update({ trainError: `Not learning: ${event.message}` });
      break;
    case 'threads': {
      // The run's thread line and rate say the count that trains now; the changes are kept.
      const { type: _, ...change } = event;
      store.update((s) =>
        s.run
          ? {
              run: { ...s.run, threads: { ...s.run.threads, used: event.used, reason: event.reason } },
              threadChanges: [...s.threadChanges, change],
            }
          : {},
      );
      break;
    }
    case 'fatal':
      break; // handled by the worker client, which restarts the worker and calls recover()
  }
}

/** Runs `action`; its failure is shown in the training panel's message box. */
export async function guarded(store: AppStore, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (e) {
    store.update({ trainError: (e as Error).message });
  }
}

/** Configures a fresh run of `config` in the worker (not started) and clears the last one's plots. */
export async function newRun(store: AppStore, { client }: Deps, config: TrainConfig): Promise<void> {
  store.update({ trainError: null });
  const run = await client.call('configure', { config });
  store.update({
    run,
    threadChanges: [],
    history: [],
    lastGoodModel: null,
    evaluation: null,
    hasModel: true,
    outputActivation: run.config.output,
    runStarted: performance.now(),
    progress: null,
    lossesAtStart: [],
    trainNote: {
      text:
        `Starting: ${fmt(run.train_count)} training, ${fmt(run.validation_count)} validation, ${fmt(run.test_count)} test ${dataKind(store.get().dataset).item}s, ` +
        `${fmt(run.batches_per_epoch)} batches per epoch, ${run.threads.used} thread${run.threads.used > 1 ? 's' : ''}.`,
    },
    ...(run.warnings.length ? { trainError: run.warnings.join('\n') } : {}),
  });
}

/** A replacement worker gets the engine, the data and the last good model of the dead one. */
export async function recover(store: AppStore, deps: Deps, reason: string): Promise<void> {
  const { client, base } = deps;
  const epochs = store.get().history.length;
  const kept = store.get().lastGoodModel;
  store.update({
    state: 'crashed',
    trainError:
      `The training worker crashed (${reason}). A new worker is starting; ` +
      (kept ? `the model after epoch ${epochs} and the plots are kept.` : 'the plots are kept.'),
  });
  try {
    await startEngine(store, deps);
    const source = store.get().source;
    if (source.kind === 'demo') store.update({ dataset: await client.call('loadDemo', { base }) });
    else {
      const named = await Promise.all(source.files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
      const dataset = await client.call('loadFiles', { files: named });
      store.update({ dataset: source.mnist ? { ...dataset, source: 'mnist' } : dataset });
    }
    if (kept) await client.call('importModel', { json: kept, fileName: 'last good model' });
    // Loading the model reset the new worker's state to idle; the page still knows better.
    store.update((s) => ({
      hasModel: Boolean(kept),
      state: kept ? 'crashed' : 'idle',
      trainError:
        `The training worker crashed (${reason}) and was replaced. ` +
        (kept
          ? `The model after epoch ${epochs} is loaded: draw with it, or press Resume to continue training from it.`
          : 'Press Train to start again.'),
      modelVersion: s.modelVersion + 1,
    }));
  } catch (e) {
    store.update({
      trainError: `The training worker crashed (${reason}), and restarting it failed: ${(e as Error).message}`,
    });
  }
}
