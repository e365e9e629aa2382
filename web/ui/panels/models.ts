// 6. Models and runs, the files: save the model (JSON) or its weights (.npz), load a model,
// and export or open a whole run (web/ui/run-panel.ts, web/ui/run-file.ts). A model or run
// file dropped anywhere on the page comes here too.
import type { TrainConfig } from '../../shared/protocol';
import { setRunState } from '../actions';
import type { AppStore, Deps } from '../app-state';
import { download } from '../export';
import { readModelFile } from '../model-file';
import { expandLosses, looksLikeRun, makeRunFile, type RunFile } from '../run-file';
import { mountRunPanel } from '../run-panel';
import { $, showError } from '../views';

export function mountModels(
  store: AppStore,
  deps: Deps & { losses: () => readonly number[]; evaluateTest: () => Promise<void> },
): void {
  const { client } = deps;
  const saveModel = $('save-model') as HTMLButtonElement;
  const exportNpz = $('export-npz') as HTMLButtonElement;
  const exportRun = $('export-run') as HTMLButtonElement;
  const modelInput = $('model-input') as HTMLInputElement;
  const errorBox = $('model-error');
  const statusLine = $('model-status');

  store.subscribe(
    (s) => s,
    (s) => {
      saveModel.disabled = exportNpz.disabled = !s.hasModel;
      exportRun.disabled = !s.hasModel || !s.history.length || s.state === 'running';
    },
  );

  saveModel.addEventListener(
    'click',
    () =>
      void client
        .call('exportModel', {})
        .then(({ json }) => download('digitrain-model.json', json, 'application/json')),
  );
  exportNpz.addEventListener(
    'click',
    () =>
      void client
        .call('exportNpz', {})
        .then(({ bytes }) => download('digitrain-model.npz', bytes as BlobPart, 'application/octet-stream')),
  );

  async function loadModelFile(file: File): Promise<void> {
    showError(errorBox, null);
    try {
      const json = await file.text();
      if (looksLikeRun(json)) return await runPanel.open(file);
      if (store.get().state === 'running') await client.call('pause', {});
      // The engine checks the file and answers what it holds, its curves included.
      const model = await client.call('importModel', { json, fileName: file.name });
      store.update({
        hasModel: true,
        outputActivation: model.activations[model.activations.length - 1],
        lastGoodModel: json,
        history: model.history,
      });
      setRunState(store, 'idle');
      statusLine.textContent = `Loaded ${file.name}: a ${model.layers.join('-')} network, ${model.loss} loss. Draw a digit to use it.`;
      store.update((s) => ({ modelVersion: s.modelVersion + 1 }));
      void deps.evaluateTest();
    } catch (e) {
      showError(errorBox, `${(e as Error).message}\nThe current model is unchanged.`);
    }
  }

  modelInput.addEventListener('change', () => {
    const f = modelInput.files?.[0];
    if (f) void loadModelFile(f);
    modelInput.value = '';
  });
  // Dropped data files are the data panel's.
  document.addEventListener('drop', (e) => {
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.some((f) => f.name.endsWith('.json'))) void loadModelFile(files[0]);
  });

  /** The run as one file: its settings (as the model file records them), curves, confusion matrix and model. */
  async function gatherRun(): Promise<RunFile> {
    const { json } = await client.call('exportModel', {});
    const { dataset: d, info, history, preset } = store.get();
    const evaluation = d?.test ? await client.call('evaluate', { split: 'test', keepPredictions: false }) : null;
    const config: TrainConfig = readModelFile(json).config ?? store.get().config!;
    return makeRunFile({
      preset: config.preset ?? preset!.name,
      config,
      history,
      losses: deps.losses(),
      evaluation,
      modelJson: json,
      engine: info ? { version: info.version, build: info.build } : null,
      data: d && {
        source: d.source,
        train: { count: d.train.count, images: d.train.imagesName, labels: d.train.labelsName },
        test: d.test && { count: d.test.count, images: d.test.imagesName, labels: d.test.labelsName },
      },
    });
  }

  /** Shows an opened run: its model in the worker (checked by the engine first), its plots, its settings. */
  async function showRun(run: RunFile, fileName: string): Promise<void> {
    if (store.get().state === 'running') await client.call('pause', {});
    const modelJson = JSON.stringify(run.model);
    const model = await client.call('importModel', { json: modelJson, fileName });
    const presets = store.get().presets;
    const preset = presets.find((p) => p.name === (run.config.preset ?? run.preset)) ?? presets[0];
    // Two steps: the old matrix's gallery goes, then the run's matrix (without predictions) shows.
    store.update({ evaluation: null });
    store.update((s) => ({
      hasModel: true,
      outputActivation: model.activations[model.activations.length - 1],
      lastGoodModel: modelJson,
      history: run.history,
      progress: null,
      lossesAtStart: expandLosses(run),
      preset,
      config: { ...preset.config, ...run.config },
      evaluation: run.confusion
        ? { count: run.confusion.count, error: run.confusion.error, confusion: run.confusion.matrix }
        : null,
      runs: [...s.runs, { label: `${fileName} (opened)`, history: [...run.history], config: run.config }],
    }));
    setRunState(store, 'idle');
    const last = run.history[run.history.length - 1];
    const err = last?.test_error ?? last?.validation_error;
    store.update({
      trainNote: {
        text:
          `Opened run: ${run.history.length} epochs of ${run.preset}` +
          (err != null ? `, final error ${(err * 100).toFixed(2)}%.` : '.'),
      },
    });
    statusLine.textContent = `Opened ${fileName}: a ${model.layers.join('-')} network trained ${run.history.length} epochs (seed ${run.config.seed}). Draw a digit to use it.`;
    document.body.dataset.openedRun = fileName;
    store.update((s) => ({ modelVersion: s.modelVersion + 1 }));
  }

  const runPanel = mountRunPanel({
    exportButton: exportRun,
    input: $('run-input') as HTMLInputElement,
    errorBox,
    statusBox: statusLine,
    gather: gatherRun,
    show: showRun,
    download,
  });
}
