// The page's controller: starts the training worker, loads the demo digits, and wires the
// panels (data, settings, training, plots, drawing, model inspection, saved runs) to the
// worker protocol. Everything the page keeps across a worker crash lives here: the data
// source (to reload it), the last good model (exported after each epoch) and the plots.
import { DEMO_DESCRIPTION, FULL_MNIST_HINT } from '../data/demo';
import type { DatasetSummary, EngineInfo, EpochMetrics, Evaluation, PresetInfo, ProgressEvent, TrainConfig, TrainState, WorkerEvent } from '../shared/protocol';
import { WorkerClient } from '../worker/client';
import { CompareChart, ErrorChart, LossChart, type RunCurve } from './charts';
import { configFromQuery, differences, FIELDS, formatValue, parseValue, queryFromConfig, useSettingsSchema } from './config';
import { DrawPad } from './draw';
import { $, drawHistogram, drawSampleGrid, el, renderActivations, renderBars, renderWeights, showError } from './views';
import { renderConfusion, renderMistakes, type TestImages } from './evaluation-view';
import { curvesCsv, download, runsCsv } from './export';
import { describeGroup } from './run-groups';
import { fetchWithProgress } from '../data/fetch-file';
import { mountInspector } from './inspector';
import { checkFetchUrl } from './url-policy';
import { availableDigits, fitValidation } from '../shared/validation-share';
// Static hosting, embedding and portable runs (issue 7). embed-view applies the view (?panels=,
// ?compact=, ?theme=, ?embed=) when imported.
import './embed-view';
import { bootState, isolationSettled, singleThreadReason } from './isolation';
import { expandLosses, looksLikeRun, makeRunFile, type RunFile } from './run-file';
import { mountRunPanel } from './run-panel';
import { mountShare } from './share';
import { fmt } from '../shared/format';

type PageState = TrainState | 'crashed';

const params = new URLSearchParams(location.search);
const base = new URL(import.meta.env.BASE_URL, location.href).href;

const app = {
  info: null as EngineInfo | null,
  presets: [] as PresetInfo[],
  preset: null as PresetInfo | null,
  config: null as TrainConfig | null,
  dataset: null as DatasetSummary | null,
  /** What to reload into a replacement worker. */
  source: { kind: 'demo' } as { kind: 'demo' } | { kind: 'files'; files: File[] },
  state: 'idle' as PageState,
  history: [] as EpochMetrics[],
  lastGoodModel: null as string | null,
  /** A network exists in the worker (trained, training or loaded): drawing can predict. */
  hasModel: false,
  progress: null as ProgressEvent | null,
  runStarted: 0,
  threadsUsed: 1,
  runs: [] as (RunCurve & { config: TrainConfig; group?: string })[],
  /** Runs still to do for a sweep or a seed repeat, and the group they belong to. */
  queue: [] as { config: TrainConfig; group: string }[],
  group: undefined as string | undefined,
  /** The form's configuration while a sweep or seed repeat borrows app.config. */
  savedConfig: null as TrainConfig | null,
  evaluation: null as Evaluation | null,
  testImages: null as TestImages | null,
};

// ---- worker -------------------------------------------------------------------------------

const client = new WorkerClient(
  () => new Worker(new URL('../worker/train.worker.ts', import.meta.url), { type: 'module' }),
  (event) => onEvent(event),
  (reason) => void recover(reason),
);

// Hooks for the end-to-end tests (and curious students in the console).
Object.assign(globalThis, {
  digitrain: {
    crashWorker: () => client.call('crash', {}),
    get crashes() {
      return client.crashes;
    },
    get state() {
      return app.state;
    },
    get history() {
      return app.history;
    },
    get info() {
      return app.info;
    },
    /** Points drawn in the per-epoch error chart (all series). */
    get chartPoints() {
      return errorChart.chart.data.datasets.reduce((n, d) => n + d.data.filter((p) => p.y !== null).length, 0);
    },
  },
});

// ---- elements -----------------------------------------------------------------------------

const ui = {
  engine: $('engine-status'),
  dataStatus: $('data-status'),
  dataHint: $('data-hint'),
  dataError: $('data-error'),
  fileInput: $('file-input') as HTMLInputElement,
  demoButton: $('demo-button') as HTMLButtonElement,
  fileTable: $('file-table') as HTMLTableElement,
  preset: $('preset') as HTMLSelectElement,
  presetSource: $('preset-source'),
  fields: $('config-fields'),
  configError: $('config-error'),
  share: $('share-button') as HTMLButtonElement,
  train: $('train-button') as HTMLButtonElement,
  pause: $('pause-button') as HTMLButtonElement,
  step: $('step-button') as HTMLButtonElement,
  stop: $('stop-button') as HTMLButtonElement,
  progress: $('progress') as HTMLProgressElement,
  trainStatus: $('train-status'),
  trainError: $('train-error'),
  prediction: $('prediction'),
  bars: $('probabilities'),
  confusion: $('confusion'),
  mistakes: $('mistakes'),
  mistakesTitle: $('mistakes-title'),
  weights: $('weights'),
  saveModel: $('save-model') as HTMLButtonElement,
  exportNpz: $('export-npz') as HTMLButtonElement,
  exportRun: $('export-run') as HTMLButtonElement,
  modelInput: $('model-input') as HTMLInputElement,
  modelError: $('model-error'),
  modelStatus: $('model-status'),
  runs: $('runs'),
  activations: $('activations'),
  exportCsv: $('export-csv') as HTMLButtonElement,
  exportPng: $('export-png') as HTMLButtonElement,
  sweep: $('sweep-button') as HTMLButtonElement,
  seedCount: $('seed-count') as HTMLInputElement,
  seeds: $('seeds-button') as HTMLButtonElement,
  exportRuns: $('export-runs') as HTMLButtonElement,
  queueStatus: $('queue-status'),
  groups: $('groups'),
};

const errorChart = new ErrorChart($('error-chart') as HTMLCanvasElement);
const lossChart = new LossChart($('loss-chart') as HTMLCanvasElement);
const compareChart = new CompareChart($('compare-chart') as HTMLCanvasElement);
const pad = new DrawPad($('draw-canvas') as HTMLCanvasElement, $('input-preview') as HTMLCanvasElement, (p, revision) => predictLater(p, revision));
$('clear-button').addEventListener('click', () => pad.clear());
renderBars(ui.bars, null);
// The hand-computation inspector, computed by the worker's engine (web/ui/inspector.ts).
mountInspector($('understand'), (args) => client.call('inspect', args));

// ---- engine and data ----------------------------------------------------------------------

async function startEngine(): Promise<EngineInfo> {
  const force = params.get('build');
  const info = await client.call('init', { base, forceBuild: force === 'st' ? 'st' : undefined });
  app.info = info;
  const threads = info.build === 'mt' ? Math.max(1, Math.min(info.maxThreads, info.cores)) : 1;
  // Single-threaded for want of isolation: the boot script knows why, and what would help.
  const why = info.build === 'st' && !crossOriginIsolated && force !== 'st' ? singleThreadReason(bootState()) : null;
  ui.engine.textContent =
    `Engine ${info.version}: ${info.label} build, training with up to ${threads} thread${threads > 1 ? 's' : ''} ` +
    `(${info.cores} cores) — ${why ?? info.reason}`;
  ui.engine.dataset.build = info.build;
  ui.engine.dataset.isolation = bootState()?.status ?? '';
  ui.engine.dataset.threads = String(threads);
  return info;
}

function describeDataset(d: DatasetSummary): void {
  const split = (s: DatasetSummary['train']) => `${fmt(s.count)} digits of ${s.rows}×${s.cols}`;
  // As the run will hold out: a preset's split is fitted to smaller data (web/shared/validation-share.ts).
  const validation = fitValidation(app.config?.validation ?? 0, availableDigits(d.train.count, app.config?.limit ?? 0)).validation;
  ui.dataStatus.textContent =
    (d.source === 'demo' ? DEMO_DESCRIPTION + ' ' : 'Your files are loaded. ') +
    `Training: ${split(d.train)}` +
    (validation ? ` (the last ${fmt(validation)} held out for validation)` : '') +
    `; test: ${d.test ? split(d.test) : 'none'}.`;
  ui.dataStatus.dataset.source = d.source;
  ui.dataHint.textContent = d.source === 'demo' ? FULL_MNIST_HINT : '';
  const body = ui.fileTable.tBodies[0];
  body.replaceChildren(
    ...d.files.map((f) => {
      const role =
        f.name === d.train.imagesName ? 'training images' : f.name === d.train.labelsName ? 'training labels'
        : f.name === d.test?.imagesName ? 'test images' : f.name === d.test?.labelsName ? 'test labels' : '—';
      const holds = f.kind === 'images' ? `${fmt(f.count ?? 0)} images ${(f.dims ?? []).slice(1).join('×')}` : `${fmt(f.count ?? 0)} labels`;
      return el('tr', {}, [el('td', {}, [f.name]), el('td', {}, [`${holds}${f.gzipped ? ' (gzip)' : ''}`]), el('td', {}, [role])]);
    }),
  );
  ui.fileTable.hidden = d.source === 'demo';
  drawHistogram($('histogram') as HTMLCanvasElement, $('histogram-caption'), d.train.histogram, 'Training digits');
  void showSamples();
}

async function showSamples(): Promise<void> {
  try {
    const s = await client.call('samples', { slot: 'train', start: 0, count: 48 });
    drawSampleGrid($('sample-grid') as HTMLCanvasElement, s.images, s.labels, s.rows, s.cols);
  } catch {
    // The preview is a nicety: a failure here must not hide the data that did load.
  }
}

async function loadDemo(): Promise<void> {
  ui.dataStatus.textContent = 'Loading the demo digits…';
  app.dataset = await client.call('loadDemo', { base });
  app.source = { kind: 'demo' };
  showError(ui.dataError, null);
  dataChanged();
}

async function loadFiles(files: File[]): Promise<void> {
  if (!files.length) return;
  showError(ui.dataError, null);
  ui.dataStatus.textContent = `Reading ${files.length} file${files.length > 1 ? 's' : ''}…`;
  try {
    const named = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
    app.dataset = await client.call('loadFiles', { files: named });
    app.source = { kind: 'files', files };
    dataChanged();
  } catch (e) {
    showError(ui.dataError, `These files were not loaded:\n${(e as Error).message}`);
    // What was loaded before stays loaded: say so.
    if (app.dataset) describeDataset(app.dataset);
    else ui.dataStatus.textContent = 'No data loaded.';
  }
}

function dataChanged(): void {
  describeDataset(app.dataset!);
  if (app.state === 'running' || app.state === 'paused') setState('stopped');
  updateButtons();
}

$('url-button').addEventListener('click', async () => {
  showError(ui.dataError, null);
  const urls = [0, 1, 2, 3].map((i) => ({ i, url: ($(`url-${i}`) as HTMLInputElement).value.trim() })).filter((u) => u.url);
  if (!urls.length) return showError(ui.dataError, 'Enter at least the training images and labels URLs.');
  // Only what the page's Content-Security-Policy lets through (web/ui/url-policy.ts), said in words.
  const refused = urls.map(({ url }) => checkFetchUrl(url, location.href)).flatMap((c) => (c.ok ? [] : [c.error]));
  if (refused.length) return showError(ui.dataError, `Nothing was loaded from the URLs:\n${refused.join('\n')}`);
  try {
    const files = await Promise.all(urls.map(({ i, url }) => fetchWithProgress(new URL(url, location.href).href, (t) => ($(`url-${i}-progress`).textContent = t))));
    await loadFiles(files);
  } catch (e) {
    showError(ui.dataError, `Nothing was loaded from the URLs:\n${(e as Error).message}`);
  }
});

ui.fileInput.addEventListener('change', () => {
  void loadFiles([...(ui.fileInput.files ?? [])]);
  ui.fileInput.value = '';
});
ui.demoButton.addEventListener('click', () => void loadDemo().catch((e) => showError(ui.dataError, (e as Error).message)));
document.addEventListener('dragover', (e) => e.preventDefault());
document.addEventListener('drop', (e) => {
  e.preventDefault();
  const files = [...(e.dataTransfer?.files ?? [])];
  if (files.some((f) => f.name.endsWith('.json'))) void loadModelFile(files[0]);
  else void loadFiles(files);
});

// ---- settings -----------------------------------------------------------------------------

const inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();

function buildForm(): void {
  ui.preset.replaceChildren(...app.presets.map((p) => el('option', { value: p.name }, [p.name])));
  const rows = FIELDS.map((field) => {
    const id = `field-${field.key}`;
    let input: HTMLInputElement | HTMLSelectElement;
    if (field.kind === 'enum') input = el('select', { id }, field.options!.map((o) => el('option', { value: o }, [o])));
    else if (field.kind === 'bool') input = el('input', { id, type: 'checkbox' });
    else if (field.kind === 'layers') input = el('input', { id, type: 'text', inputmode: 'numeric', spellcheck: 'false' });
    else input = el('input', { id, type: 'number', step: field.step ?? '1', min: String(field.min ?? field.above ?? ''), max: String(field.max ?? '') });
    input.dataset.key = field.key;
    if (field.help) input.setAttribute('aria-describedby', `${id}-help`);
    inputs.set(field.key, input);
    input.addEventListener('change', () => readForm());
    return el('div', { class: 'field' }, [
      el('label', { for: id }, [field.label]),
      input,
      ...(field.help ? [el('span', { id: `${id}-help`, class: 'hint' }, [field.help])] : []),
    ]);
  });
  ui.fields.replaceChildren(...rows);
  ui.preset.addEventListener('change', () => {
    choosePreset(ui.preset.value, {});
    writeUrl();
  });
}

function choosePreset(name: string, overrides: Partial<TrainConfig>): void {
  app.preset = app.presets.find((p) => p.name === name) ?? app.presets[0];
  app.config = { ...app.preset.config, ...overrides };
  ui.preset.value = app.preset.name;
  ui.presetSource.textContent = `${app.preset.source}: ${app.preset.description}.`;
  fillForm();
}

function fillForm(): void {
  for (const field of FIELDS) {
    const input = inputs.get(field.key)!;
    const value = app.config![field.key];
    if (field.kind === 'bool') (input as HTMLInputElement).checked = Boolean(value);
    else input.value = formatValue(field, value);
  }
}

/** Reads every field; a bad one is reported by name and the last good value stays. */
function readForm(): void {
  const errors: string[] = [];
  const next = { ...app.config! } as Record<string, unknown>;
  for (const field of FIELDS) {
    const input = inputs.get(field.key)!;
    const text = field.kind === 'bool' ? ((input as HTMLInputElement).checked ? '1' : '0') : input.value;
    const r = parseValue(field, text);
    if (r.ok) next[field.key] = r.value;
    else errors.push(r.error);
    input.setAttribute('aria-invalid', String(!r.ok));
  }
  app.config = next as unknown as TrainConfig;
  showError(ui.configError, errors.length ? errors.join('\n') : null);
  writeUrl();
}

function writeUrl(): void {
  if (!app.preset || !app.config) return;
  const query = queryFromConfig(app.preset, app.config, params);
  history.replaceState(null, '', `${location.pathname}?${query}`);
}

// Share: the link (seed included) and the embed snippets (web/ui/share.ts).
mountShare(ui.share, () => (app.preset && app.config ? { preset: app.preset, config: app.config } : null));

// ---- training -----------------------------------------------------------------------------

function setState(state: PageState, message?: string): void {
  app.state = state;
  document.body.dataset.trainState = state;
  if (state === 'diverged') showError(ui.trainError, message ?? 'Training diverged.');
  else if (message) showError(ui.trainError, message);
  if (state === 'finished' || state === 'stopped' || state === 'diverged') runEnded();
  updateButtons();
  renderStatus();
}

function updateButtons(): void {
  const ready = Boolean(app.info && app.dataset && app.config);
  const s = app.state;
  ui.train.disabled = !ready || s === 'running';
  ui.pause.disabled = !(s === 'running' || s === 'paused' || (s === 'crashed' && app.lastGoodModel));
  ui.pause.textContent = s === 'running' ? 'Pause' : 'Resume';
  ui.step.disabled = !ready || s === 'running' || s === 'crashed';
  ui.stop.disabled = !(s === 'running' || s === 'paused');
  ui.saveModel.disabled = ui.exportNpz.disabled = !app.hasModel;
  ui.exportRun.disabled = !app.hasModel || !app.history.length || s === 'running';
  ui.sweep.disabled = ui.seeds.disabled = !ready || s === 'running' || app.queue.length > 0;
}

function renderStatus(): void {
  const p = app.progress;
  if (!p || !app.config) return;
  const total = Math.max(1, p.epochs * p.batchesPerEpoch);
  const done = p.epoch * p.batchesPerEpoch + p.batchInEpoch;
  ui.progress.value = Math.min(1, done / total);
  const rate = p.samplesPerSecond;
  const elapsed = (performance.now() - app.runStarted) / 1000;
  const eta = done > 0 && app.state === 'running' ? ((total - done) * elapsed) / done : null;
  const words: Record<PageState, string> = {
    idle: 'Ready', running: 'Training', paused: 'Paused', finished: 'Finished', stopped: 'Stopped', diverged: 'Diverged', crashed: 'Worker crashed',
  };
  const last = app.history[app.history.length - 1];
  ui.trainStatus.textContent =
    `${words[app.state]} — epoch ${Math.min(p.epoch + (p.batchInEpoch > 0 ? 1 : 0), p.epochs) || p.epoch}/${p.epochs}, ` +
    `batch ${fmt(p.batchInEpoch)}/${fmt(p.batchesPerEpoch)} (${fmt(p.batches)} batches in this run)` +
    (rate ? ` · ${fmt(Math.round(rate))} samples/s on ${app.threadsUsed} thread${app.threadsUsed > 1 ? 's' : ''}` : '') +
    (eta !== null ? ` · about ${Math.ceil(eta)} s left` : '') +
    (last?.test_error != null ? ` · test error ${(last.test_error * 100).toFixed(2)}%` : '') +
    (last?.validation_error != null ? ` · validation error ${(last.validation_error * 100).toFixed(2)}%` : '');
  ui.trainStatus.dataset.epoch = String(p.epoch);
}

function onEvent(event: WorkerEvent): void {
  switch (event.type) {
    case 'progress':
      app.progress = event;
      lossChart.add(event.batchLosses);
      renderStatus();
      break;
    case 'epoch':
      app.history.push(event.metrics);
      if (event.model) app.lastGoodModel = event.model;
      errorChart.setEpochs(app.history);
      renderStatus();
      pad.refresh();
      scheduleWeights();
      break;
    case 'state':
      if (event.state !== app.state) setState(event.state, event.message);
      break;
    case 'warning':
      showError(ui.trainError, `Not learning: ${event.message}`);
      break;
    case 'fatal':
      break; // handled by the client, which restarts the worker and calls recover()
  }
}

async function newRun(fromForm = true): Promise<void> {
  if (fromForm) readForm();
  showError(ui.trainError, null);
  const run = await client.call('configure', { config: app.config! });
  app.history = [];
  app.lastGoodModel = null;
  app.evaluation = null;
  app.hasModel = true;
  app.runStarted = performance.now();
  app.progress = null;
  errorChart.setEpochs([]);
  lossChart.reset();
  ui.confusion.replaceChildren();
  ui.mistakes.replaceChildren();
  ui.trainStatus.textContent =
    `Starting: ${fmt(run.trainCount)} training, ${fmt(run.validationCount)} validation, ${fmt(run.testCount)} test digits, ` +
    `${fmt(run.batchesPerEpoch)} batches per epoch, ${run.threads.used} thread${run.threads.used > 1 ? 's' : ''}.`;
  ui.trainStatus.dataset.threads = String(run.threads.used);
  app.threadsUsed = run.threads.used;
  if (run.warnings.length) showError(ui.trainError, run.warnings.join('\n'));
}

async function guarded(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (e) {
    showError(ui.trainError, (e as Error).message);
  }
  updateButtons();
}

ui.train.addEventListener('click', () =>
  guarded(async () => {
    await newRun();
    await client.call('start', {});
  }),
);
ui.pause.addEventListener('click', () =>
  guarded(async () => {
    if (app.state === 'running') await client.call('pause', {});
    else if (app.state === 'crashed') {
      // Continue from the last epoch the dead worker finished.
      await client.call('configure', { config: app.config!, startModel: app.lastGoodModel! });
      await client.call('start', {});
    } else {
      app.runStarted = performance.now() - 1;
      await client.call('start', {});
    }
  }),
);
ui.step.addEventListener('click', () =>
  guarded(async () => {
    if (app.state !== 'paused') await newRun();
    await client.call('step', {});
    pad.refresh();
  }),
);
ui.stop.addEventListener('click', () => guarded(() => client.call('stop', {})));

/** After a run ends: keep it for comparison and look at its mistakes. */
function runEnded(): void {
  if (app.history.length && app.config && app.preset) {
    const diff = differences(app.preset.config, app.config);
    const label = `#${app.runs.length + 1} ${app.preset.name}${diff.length ? ' ' + diff.join(' ') : ''}`;
    app.runs.push({ label, history: [...app.history], config: { ...app.config }, group: app.group });
    renderRuns();
  }
  pad.refresh();
  scheduleWeights();
  // A stopped or diverged run ends a sweep; a finished one starts the next queued run.
  if (app.state !== 'finished') app.queue = [];
  if (app.queue.length) setTimeout(() => void runNextQueued(), 0);
  else {
    app.group = undefined;
    ui.queueStatus.textContent = '';
    if (app.savedConfig) {
      app.config = app.savedConfig;
      app.savedConfig = null;
      fillForm();
    }
    void evaluateTest();
  }
}

async function runNextQueued(): Promise<void> {
  const next = app.queue.shift();
  if (!next) return;
  app.group = next.group;
  app.config = next.config;
  fillForm();
  ui.queueStatus.textContent = `${next.group}: run ${app.runs.filter((r) => r.group === next.group).length + 1}, ${app.queue.length} more queued.`;
  await guarded(async () => {
    await newRun(false);
    await client.call('start', {});
  });
}

function queueRuns(group: string, configs: TrainConfig[]): void {
  readForm();
  app.savedConfig = { ...app.config! };
  app.queue = configs.map((config) => ({ config, group }));
  updateButtons();
  void runNextQueued();
}

ui.sweep.addEventListener('click', () =>
  queueRuns(`learning-rate sweep ${new Date().toLocaleTimeString()}`, [0.001, 0.003, 0.01, 0.03].map((lr) => ({ ...app.config!, learning_rate: lr }))),
);
ui.seeds.addEventListener('click', () => {
  const n = Math.max(2, Math.min(10, Math.round(Number(ui.seedCount.value)) || 3));
  const first = app.config!.seed;
  queueRuns(`${n} seeds ${new Date().toLocaleTimeString()}`, Array.from({ length: n }, (_, k) => ({ ...app.config!, seed: first + k })));
});

// ---- drawing ------------------------------------------------------------------------------

let predicting = false;
let queued: { pixels: Float32Array | null; revision: number } | undefined;

function predictLater(pixels: Float32Array | null, revision: number): void {
  if (predicting) {
    queued = { pixels, revision };
    return;
  }
  void predictNow(pixels, revision);
}

/** Shows what the model makes of drawing `revision`; #prediction's data-revision says which
 *  drawing the text and bars are for (the canvas carries the latest one). */
async function predictNow(pixels: Float32Array | null, revision: number): Promise<void> {
  const settle = () => (ui.prediction.dataset.revision = String(revision));
  if (!pixels) {
    renderBars(ui.bars, null);
    ui.prediction.textContent = 'Draw a digit to see what the network thinks.';
    delete ui.prediction.dataset.digit;
    settle();
    return;
  }
  if (!app.hasModel) {
    ui.prediction.textContent = 'Train (or load) a model first; then the bars show what it thinks.';
    settle();
    return;
  }
  predicting = true;
  try {
    const { probabilities, activations } = await client.call('predict', { pixels });
    renderBars(ui.bars, probabilities);
    renderActivations(ui.activations, activations.slice(0, -1));
    const best = probabilities.indexOf(Math.max(...probabilities));
    ui.prediction.textContent = `Prediction: ${best} (${(probabilities[best] * 100).toFixed(1)}%)`;
    ui.prediction.dataset.digit = String(best);
  } catch (e) {
    ui.prediction.textContent = (e as Error).message;
  } finally {
    predicting = false;
    settle();
    if (queued !== undefined) {
      const next = queued;
      queued = undefined;
      void predictNow(next.pixels, next.revision);
    }
  }
}

// ---- understanding ------------------------------------------------------------------------

let weightsTimer = 0;
let weightsShown = 0;
function scheduleWeights(): void {
  // Parsing the model file costs a few ms per MB: at most once a second while training.
  clearTimeout(weightsTimer);
  const wait = Math.max(0, 1000 - (performance.now() - weightsShown));
  weightsTimer = window.setTimeout(() => void showWeights(), wait);
}

async function showWeights(): Promise<void> {
  weightsShown = performance.now();
  try {
    const json = app.state === 'running' && app.lastGoodModel ? app.lastGoodModel : (await client.call('exportModel', {})).json;
    const model = JSON.parse(json) as { input?: { rows: number; cols: number }; layers: { weights: number[][] }[] };
    const rows = model.input?.rows ?? 28, cols = model.input?.cols ?? 28;
    const first = model.layers[0]?.weights;
    if (first && first.length === rows * cols) renderWeights(ui.weights, first, rows, cols);
  } catch {
    // No model yet: nothing to show.
  }
}

async function evaluateTest(): Promise<void> {
  if (!app.dataset?.test) return;
  try {
    app.evaluation = await client.call('evaluate', { split: 'test', keepPredictions: true });
    if (!app.testImages || app.testImages.images.length !== app.dataset.test.count * app.dataset.test.rows * app.dataset.test.cols) {
      const s = await client.call('samples', { slot: 'test', start: 0, count: app.dataset.test.count });
      app.testImages = { images: s.images, labels: s.labels, rows: s.rows, cols: s.cols };
    }
    renderConfusion(ui.confusion, app.evaluation, showMistakes);
  } catch (e) {
    ui.confusion.textContent = `No confusion matrix: ${(e as Error).message}`;
  }
}

function showMistakes(truth: number, predicted: number): void {
  if (app.evaluation && app.testImages) renderMistakes(ui.mistakes, ui.mistakesTitle, app.evaluation, app.testImages, truth, predicted);
}

// ---- models and runs ----------------------------------------------------------------------

ui.exportCsv.addEventListener('click', () => download('digitrain-curves.csv', curvesCsv(app.history), 'text/csv'));
ui.exportRuns.addEventListener('click', () => download('digitrain-runs.csv', runsCsv(app.runs), 'text/csv'));
ui.exportPng.addEventListener('click', () =>
  ($('error-chart') as HTMLCanvasElement).toBlob((blob) => blob && download('digitrain-error.png', blob, 'image/png')),
);

ui.saveModel.addEventListener('click', () =>
  void client.call('exportModel', {}).then(({ json }) => download('digitrain-model.json', json, 'application/json')),
);
ui.exportNpz.addEventListener('click', () =>
  void client.call('exportNpz', {}).then(({ bytes }) => download('digitrain-model.npz', bytes as BlobPart, 'application/octet-stream')),
);

async function loadModelFile(file: File): Promise<void> {
  showError(ui.modelError, null);
  try {
    const json = await file.text();
    if (looksLikeRun(json)) return await runPanel.open(file);
    if (app.state === 'running') await client.call('pause', {});
    const r = await client.call('importModel', { json, fileName: file.name });
    app.hasModel = true;
    app.lastGoodModel = json;
    // The model file carries its history: show its curves.
    try {
      const parsed = JSON.parse(json) as { history?: EpochMetrics[] };
      app.history = parsed.history ?? [];
      errorChart.setEpochs(app.history);
    } catch {
      /* the engine already accepted it; a history we cannot read is only a missing plot */
    }
    setState('idle');
    ui.modelStatus.textContent = `Loaded ${file.name}: a ${r.sizes.join('-')} network, ${r.loss} loss. Draw a digit to use it.`;
    pad.refresh();
    scheduleWeights();
    void evaluateTest();
  } catch (e) {
    showError(ui.modelError, `${(e as Error).message}\nThe current model is unchanged.`);
  }
}

ui.modelInput.addEventListener('change', () => {
  const f = ui.modelInput.files?.[0];
  if (f) void loadModelFile(f);
  ui.modelInput.value = '';
});

function renderGroups(): void {
  const names = [...new Set(app.runs.map((r) => r.group).filter((g): g is string => Boolean(g)))];
  ui.groups.replaceChildren(
    ...names.map((name) => {
      const runs = app.runs.filter((r) => r.group === name);
      return el('p', { class: 'group', 'data-runs': String(runs.length) }, [describeGroup(name, runs, name.startsWith('learning-rate sweep'))]);
    }),
  );
}

function renderRuns(): void {
  renderGroups();
  compareChart.setRuns(app.runs);
  ui.runs.replaceChildren(
    ...app.runs.map((run, i) => {
      const last = run.history[run.history.length - 1];
      const err = last?.test_error ?? last?.validation_error;
      const remove = el('button', { type: 'button', 'aria-label': `Remove run ${run.label}` }, ['Remove']);
      remove.addEventListener('click', () => {
        app.runs.splice(i, 1);
        renderRuns();
      });
      return el('li', {}, [`${run.label}: ${run.history.length} epochs${err != null ? `, final error ${(err * 100).toFixed(2)}%` : ''} `, remove]);
    }),
  );
}

// ---- portable runs (issue 7: web/ui/run-file.ts, web/ui/run-panel.ts) ---------------------

/** The run as one file: its settings (as the model file records them), curves, confusion matrix and model. */
async function gatherRun(): Promise<RunFile> {
  const { json } = await client.call('exportModel', {});
  const evaluation = app.dataset?.test ? await client.call('evaluate', { split: 'test', keepPredictions: false }) : null;
  const recorded = (JSON.parse(json) as { config?: TrainConfig }).config;
  const config = recorded ?? app.config!;
  const d = app.dataset;
  return makeRunFile({
    preset: config.preset ?? app.preset!.name,
    config,
    history: app.history,
    losses: lossChart.all,
    evaluation,
    modelJson: json,
    engine: app.info ? { version: app.info.version, build: app.info.build } : null,
    data: d && {
      source: d.source,
      train: { count: d.train.count, images: d.train.imagesName, labels: d.train.labelsName },
      test: d.test && { count: d.test.count, images: d.test.imagesName, labels: d.test.labelsName },
    },
  });
}

/** Shows an opened run: its model in the worker (checked by the engine first), its plots, its settings. */
async function showRun(run: RunFile, fileName: string): Promise<void> {
  if (app.state === 'running') await client.call('pause', {});
  const modelJson = JSON.stringify(run.model);
  const r = await client.call('importModel', { json: modelJson, fileName });
  app.hasModel = true;
  app.lastGoodModel = modelJson;
  app.history = run.history;
  app.progress = null;
  errorChart.setEpochs(app.history);
  lossChart.reset(expandLosses(run));
  choosePreset(run.config.preset ?? run.preset, run.config);
  writeUrl();
  app.evaluation = null;
  ui.mistakes.replaceChildren();
  if (run.confusion)
    renderConfusion(ui.confusion, { count: run.confusion.count, error: run.confusion.error, confusion: run.confusion.matrix }, showMistakes);
  else ui.confusion.replaceChildren();
  app.runs.push({ label: `${fileName} (opened)`, history: [...run.history], config: run.config });
  renderRuns();
  setState('idle');
  const last = run.history[run.history.length - 1];
  const err = last?.test_error ?? last?.validation_error;
  ui.trainStatus.textContent = `Opened run: ${run.history.length} epochs of ${run.preset}` + (err != null ? `, final error ${(err * 100).toFixed(2)}%.` : '.');
  ui.modelStatus.textContent = `Opened ${fileName}: a ${r.sizes.join('-')} network trained ${run.history.length} epochs (seed ${run.config.seed}). Draw a digit to use it.`;
  document.body.dataset.openedRun = fileName;
  pad.refresh();
  scheduleWeights();
}

const runPanel = mountRunPanel({
  exportButton: ui.exportRun,
  input: $('run-input') as HTMLInputElement,
  errorBox: ui.modelError,
  statusBox: ui.modelStatus,
  gather: gatherRun,
  show: showRun,
  download,
});

// ---- crash recovery -----------------------------------------------------------------------

async function recover(reason: string): Promise<void> {
  const epochs = app.history.length;
  setStateQuiet('crashed');
  showError(
    ui.trainError,
    `The training worker crashed (${reason}). A new worker is starting; ` +
      (app.lastGoodModel ? `the model after epoch ${epochs} and the plots are kept.` : 'the plots are kept.'),
  );
  try {
    await startEngine();
    if (app.source.kind === 'demo') app.dataset = await client.call('loadDemo', { base });
    else {
      const files = app.source.files;
      const named = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
      app.dataset = await client.call('loadFiles', { files: named });
    }
    if (app.lastGoodModel) {
      await client.call('importModel', { json: app.lastGoodModel, fileName: 'last good model' });
      app.hasModel = true;
    } else app.hasModel = false;
    // Loading the model reset the new worker's state to idle; the page still knows better.
    setStateQuiet(app.lastGoodModel ? 'crashed' : 'idle');
    showError(
      ui.trainError,
      `The training worker crashed (${reason}) and was replaced. ` +
        (app.lastGoodModel ? `The model after epoch ${epochs} is loaded: draw with it, or press Resume to continue training from it.` : 'Press Train to start again.'),
    );
    pad.refresh();
  } catch (e) {
    showError(ui.trainError, `The training worker crashed (${reason}), and restarting it failed: ${(e as Error).message}`);
  }
  updateButtons();
}

function setStateQuiet(state: PageState): void {
  app.state = state;
  document.body.dataset.trainState = state;
  updateButtons();
  renderStatus();
}

// ---- start --------------------------------------------------------------------------------

async function main(): Promise<void> {
  document.body.dataset.trainState = 'idle';
  // On a first visit to a static host, public/boot.js may be about to reload the page
  // isolated (threads): then this never resolves, and nothing is started twice.
  await isolationSettled();
  try {
    const info = await startEngine();
    useSettingsSchema(info.settings);
    const threads = info.build === 'mt' ? Math.max(1, Math.min(info.maxThreads, info.cores)) : 1;
    // The presets say 1 thread (the labs' reference); here the default is every core offered.
    app.presets = info.presets.map((p) => ({ ...p, config: { ...p.config, threads } }));
    buildForm();
    const fromUrl = configFromQuery(location.search, app.presets);
    choosePreset(fromUrl.preset, fromUrl.overrides);
    showError(ui.configError, fromUrl.errors.length ? fromUrl.errors.join('\n') : null);
    writeUrl();
  } catch (e) {
    ui.engine.textContent = `The engine could not start: ${(e as Error).message}`;
    ui.engine.classList.add('error');
    return;
  }
  try {
    await loadDemo();
  } catch (e) {
    showError(ui.dataError, `The demo digits could not be loaded: ${(e as Error).message}\nChoose the MNIST files instead.`);
    ui.dataStatus.textContent = 'No data loaded.';
  }
  updateButtons();
  document.body.dataset.ready = 'true';
}

void main();
