// 3. Train: the buttons (train, pause/resume, step, stop), the progress bar and status line,
// and the training messages (warnings, failures, crash reports).
import { fmt } from '../../shared/format';
import { guarded, newRun } from '../actions';
import { canTrain, type AppState, type AppStore, type Deps, type PageState } from '../app-state';
import { $, showError } from '../views';

const WORDS: Record<PageState, string> = {
  idle: 'Ready', running: 'Training', paused: 'Paused', finished: 'Finished', stopped: 'Stopped', diverged: 'Diverged', crashed: 'Worker crashed',
};

export function mountTrain(store: AppStore, deps: Deps & { readForm(): void }): void {
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
    pause.textContent = s.state === 'running' ? 'Pause' : 'Resume';
    step.disabled = !ready || s.state === 'running' || s.state === 'crashed';
    stop.disabled = !(s.state === 'running' || s.state === 'paused');
  }

  function renderStatus(): void {
    const { progress: p, config, state, history, runStarted, run } = store.get();
    if (!p || !config) return;
    const total = Math.max(1, p.epochs * p.batchesPerEpoch);
    const done = p.epoch * p.batchesPerEpoch + p.batchInEpoch;
    progress.value = Math.min(1, done / total);
    const rate = p.samplesPerSecond;
    const threads = run?.threads.used ?? 1;
    const elapsed = (performance.now() - runStarted) / 1000;
    const eta = done > 0 && state === 'running' ? ((total - done) * elapsed) / done : null;
    const last = history[history.length - 1];
    status.textContent =
      `${WORDS[state]} — epoch ${Math.min(p.epoch + (p.batchInEpoch > 0 ? 1 : 0), p.epochs) || p.epoch}/${p.epochs}, ` +
      `batch ${fmt(p.batchInEpoch)}/${fmt(p.batchesPerEpoch)} (${fmt(p.batches)} batches in this run)` +
      (rate ? ` · ${fmt(Math.round(rate))} samples/s on ${threads} thread${threads > 1 ? 's' : ''}` : '') +
      (eta !== null ? ` · about ${Math.ceil(eta)} s left` : '') +
      (last?.test_error != null ? ` · test error ${(last.test_error * 100).toFixed(2)}%` : '') +
      (last?.validation_error != null ? ` · validation error ${(last.validation_error * 100).toFixed(2)}%` : '');
    status.dataset.epoch = String(p.epoch);
  }

  // Every update may change what can be pressed (a few property writes).
  store.subscribe((s) => s, renderButtons);
  renderButtons(store.get());
  store.subscribe((s) => s.state, (state) => (document.body.dataset.trainState = state));
  document.body.dataset.trainState = store.get().state;
  store.subscribe((s) => s.trainNote, (note) => note && (status.textContent = note.text));
  store.subscribe((s) => s.run, (run) => run && (status.dataset.threads = String(run.threads.used)));
  store.subscribe((s) => s.progress, renderStatus);
  store.subscribe((s) => s.history, renderStatus);
  store.subscribe((s) => s.state, renderStatus);
  store.subscribe((s) => s.trainError, (message) => showError(errorBox, message));

  /** A fresh run from the form's settings. */
  async function fromForm(): Promise<void> {
    deps.readForm();
    await newRun(store, deps, store.get().config!);
  }

  train.addEventListener('click', () =>
    guarded(store, async () => {
      await fromForm();
      await client.call('start', {});
    }),
  );
  pause.addEventListener('click', () =>
    guarded(store, async () => {
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
  step.addEventListener('click', () =>
    guarded(store, async () => {
      if (store.get().state !== 'paused') await fromForm();
      await client.call('step', {});
      store.update((s) => ({ modelVersion: s.modelVersion + 1 }));
    }),
  );
  stop.addEventListener('click', () => guarded(store, () => client.call('stop', {})));
}
