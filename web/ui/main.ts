// The page's wiring: one store (web/ui/store.ts) holding the page's state (web/ui/app-state.ts),
// the training worker behind its client, and the panels — one module each under
// web/ui/panels/, rendering from the store and acting through the worker. A new panel is a
// new module there and one line below.
import { onWorkerEvent, recover, startEngine } from './actions';
import { initialState, type Deps } from './app-state';
// embed-view applies the view (?panels=, ?compact=, ?theme=, ?embed=) when imported.
import './embed-view';
import { isolationSettled } from './isolation';
import { mountAugmentPreview } from './panels/augment';
import { mountCharts } from './panels/charts';
import { mountData } from './panels/data';
import { mountDraw } from './panels/draw';
import { mountEngine } from './panels/engine';
import { mountInspectorPanel } from './panels/inspector';
import { mountModels } from './panels/models';
import { mountRuns } from './panels/runs';
import { mountSettings } from './panels/settings';
import { mountTrain } from './panels/train';
import { mountUnderstand } from './panels/understand';
import { createStore } from './store';
import { WorkerClient } from './worker-client';

const store = createStore(initialState());
const client = new WorkerClient(
  () => new Worker(new URL('../worker/train.worker.ts', import.meta.url), { type: 'module' }),
  (event) => onWorkerEvent(store, event),
  (reason) => void recover(store, deps, reason),
);
const deps: Deps = {
  client,
  base: new URL(import.meta.env.BASE_URL, location.href).href,
  params: new URLSearchParams(location.search),
};

mountEngine(store, deps);
const data = mountData(store, deps);
const settings = mountSettings(store, deps);
mountAugmentPreview(store, deps);
mountTrain(store, { ...deps, readForm: settings.readForm });
const charts = mountCharts(store, deps);
mountDraw(store, deps);
const understand = mountUnderstand(store, deps);
mountInspectorPanel(store, deps);
mountModels(store, { ...deps, losses: charts.losses, evaluateTest: understand.evaluateTest });
mountRuns(store, { ...deps, readForm: settings.readForm, evaluateTest: understand.evaluateTest });

// Hooks for the end-to-end tests (and curious students in the console).
Object.assign(globalThis, {
  digitrain: {
    crashWorker: () => client.call('crash', {}),
    get crashes() {
      return client.crashes;
    },
    get state() {
      return store.get().state;
    },
    get history() {
      return store.get().history;
    },
    get info() {
      return store.get().info;
    },
    /** The 28×28 pixels (0..1) the page last sent the model for the drawing, or null. */
    get drawnInput() {
      const input = store.get().drawnInput;
      return input && Array.from(input);
    },
    /** Points drawn in the per-epoch error chart (all series). */
    get chartPoints() {
      return charts.errorPoints();
    },
    /** The error chart's legend entries. */
    get chartLegend() {
      return charts.errorLegend();
    },
    /** The comparison chart's legend and y-axis. */
    get compareView() {
      return charts.compareView();
    },
  },
});

async function main(): Promise<void> {
  // On a first visit to a static host, public/boot.js may be about to reload the page
  // isolated (threads): then this never resolves, and nothing is started twice.
  await isolationSettled();
  try {
    // The presets say `auto` (threads 0): the engine chooses from the cores it has and the batch.
    const info = await startEngine(store, deps);
    store.update({ presets: info.presets });
  } catch (e) {
    store.update({ engineError: (e as Error).message });
    return;
  }
  await data.start();
  document.body.dataset.ready = 'true';
}

void main();
