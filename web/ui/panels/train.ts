// 3. Train: the buttons (train, pause/resume, step, stop), the progress bar and status line,
// and the training messages (warnings, failures, crash reports).
import { fmt } from '../../shared/format';
import { guarded, newRun } from '../actions';
import { canTrain, ENDED, type AppState, type AppStore, type Deps, type PageState } from '../app-state';
import { $, showError } from '../views';

const WORDS: Record<PageState, string> = {
  idle: 'Ready',
  running: 'Training',
  paused: 'Paused',
  finished: 'Finished',
  stopped: 'Stopped',
  diverged: 'Diverged',
  crashed: 'Worker crashed',
};

/** Seconds of measured pace before the time left is estimated. */
const ETA_AFTER_SECONDS = 2;

export function mountTrain(store: AppStore, deps: Deps & { readForm: () => void }): void {
  const { client } = deps;
  const train = $('train-button') as HTMLButtonElement;
  const pause = $('pause-button') as HTMLButtonElement;
  const step = $('step-button') as HTMLButtonElement;
  const stop = $('stop-button') as HTMLButtonElement;
  const progress = $('progress') as HTMLProgressElement;
  const status = $('train-status');
  const errorBox = $('train-error');

  function renderButtons(s: AppState): void {
    const ready = canTrain(s);
    train.disabled = !ready || s.state === 'running';
    pause.disabled = !(s.state === 'running' || s.state === 'paused' || (s.state === 'crashed' && s.lastGoodModel));
    // "Resume" only when there is something to resume.
    pause.textContent = s.state === 'paused' || s.state === 'crashed' ? 'Resume' : 'Pause';
    // A button that disables itself would drop the keyboard's focus to <body>: it moves to
    // the control that acts on what the press started (Train → Pause, Pause → Resume stays).
    if (document.activeElement instanceof HTMLButtonElement && document.activeElement.disabled) {
      const next = [pause, stop, train, step].find((b) => !b.disabled);
      next?.focus();
    }
    step.disabled = !ready || s.state === 'running' || s.state === 'crashed';
    stop.disabled = !(s.state === 'running' || s.state === 'paused');
  }

  /** Where the time-left estimate measures from: the first progress of the run (or of its
   *  resumption), so the start-up (threads, first batches) does not inflate it. */
  let since: { at: number; done: number; started: number } | null = null;

  /** Seconds left, from the pace measured since `since`; null until it is worth saying. */
  function timeLeft(done: number, total: number, runStarted: number): number | null {
    const now = performance.now();
    if (!since || since.started !== runStarted) since = { at: now, done, started: runStarted };
    const seconds = (now - since.at) / 1000;
    // Under a second or a few batches of measurement the pace is mostly start-up noise.
    if (seconds < ETA_AFTER_SECONDS || done - since.done < 1) return null;
    return ((total - done) * seconds) / (done - since.done);
  }

  function renderStatus(): void {
    const { progress: p, config, state, history, runStarted, run } = store.get();
    if (!p || !config) return;
    const total = Math.max(1, p.epochs * p.batchesPerEpoch);
    const done = p.epoch * p.batchesPerEpoch + p.batchInEpoch;
    progress.value = Math.min(1, done / total);
    const rate = p.samplesPerSecond;
    const threads = run?.threads.used ?? 1;
    const eta = state === 'running' ? timeLeft(done, total, runStarted) : null;
    const last = history[history.length - 1];
    // An ended run at an epoch boundary has no batch in progress: say how much was done.
    const where =
      ENDED.includes(state) && p.batchInEpoch === 0
        ? `${p.epoch}/${p.epochs} epochs done`
        : `epoch ${Math.min(p.epoch + 1, p.epochs)}/${p.epochs}, batch ${fmt(p.batchInEpoch)}/${fmt(p.batchesPerEpoch)}`;
    status.textContent =
      `${WORDS[state]} — ${where} (${fmt(p.batches)} batches in this run)` +
      (rate ? ` · ${fmt(Math.round(rate))} samples/s on ${threads} thread${threads > 1 ? 's' : ''}` : '') +
      (state === 'running'
        ? eta !== null
          ? ` · about ${Math.ceil(eta)} s left`
          : ' · estimating the time left…'
        : '') +
      (last?.test_error != null ? ` · test error ${(last.test_error * 100).toFixed(2)}%` : '') +
      (last?.validation_error != null ? ` · validation error ${(last.validation_error * 100).toFixed(2)}%` : '');
    status.dataset.epoch = String(p.epoch);
  }

  // Every update may change what can be pressed (a few property writes).
  store.subscribe((s) => s, renderButtons);
  renderButtons(store.get());
  store.subscribe(
    (s) => s.state,
    (state) => (document.body.dataset.trainState = state),
  );
  document.body.dataset.trainState = store.get().state;
  store.subscribe(
    (s) => s.trainNote,
    (note) => note && (status.textContent = note.text),
  );
  // How many threads share each batch, and why (the engine's words: "1 thread: batch 1 is too
  // small to share …", "2 threads: measured 1.71× one thread's speed at batch 64").
  const threadsLine = $('train-threads');
  store.subscribe(
    (s) => s.run,
    (run) => {
      if (!run) return;
      status.dataset.threads = String(run.threads.used);
      threadsLine.textContent = `Threads — ${run.threads.reason}.`;
    },
  );
  // Each move of `auto` during the run, where it took effect, in the CLI's words.
  const threadChanges = $('train-thread-changes');
  store.subscribe(
    (s) => s.threadChanges,
    (changes) => {
      threadChanges.hidden = changes.length === 0;
      threadChanges.replaceChildren(
        ...changes.map((c) => {
          const item = document.createElement('li');
          item.textContent = c.text;
          return item;
        }),
      );
    },
  );
  store.subscribe((s) => s.progress, renderStatus);
  store.subscribe((s) => s.history, renderStatus);
  store.subscribe((s) => s.state, renderStatus);
  store.subscribe(
    (s) => s.trainError,
    (message) => showError(errorBox, message),
  );

  /** A fresh run from the form's settings. */
  async function fromForm(): Promise<void> {
    deps.readForm();
    await newRun(store, deps, store.get().config!);
  }

  train.addEventListener(
    'click',
    () =>
      void guarded(store, async () => {
        await fromForm();
        await client.call('start', {});
      }),
  );
  pause.addEventListener(
    'click',
    () =>
      void guarded(store, async () => {
        const { state, config, lastGoodModel } = store.get();
        if (state === 'running') await client.call('pause', {});
        else if (state === 'crashed') {
          // Continue from the last epoch the dead worker finished.
          await client.call('configure', { config: config!, startModel: lastGoodModel! });
          await client.call('start', {});
        } else {
          store.update({ runStarted: performance.now() - 1 });
          await client.call('start', {});
        }
      }),
  );
  step.addEventListener(
    'click',
    () =>
      void guarded(store, async () => {
        if (store.get().state !== 'paused') await fromForm();
        await client.call('step', {});
        store.update((s) => ({ modelVersion: s.modelVersion + 1 }));
      }),
  );
  stop.addEventListener('click', () => void guarded(store, () => client.call('stop', {})));
}
