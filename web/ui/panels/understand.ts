// 5. Understand the model: the confusion matrix on the test digits (its cells open the gallery
// of those mistakes) and the first layer's weights as images — for a convnet its first conv
// layer's filters, and the feature maps of the drawing (conv-views.ts). The hand-computation
// inspector in the same section is its own panel (panels/inspector.ts).
import type { AppStore, Deps } from '../app-state';
import { renderFeatureMaps, renderFilters } from '../conv-views';
import { dataKind } from '../dataset-kind';
import { renderConfusion, renderMistakes } from '../evaluation-view';
import type { FirstLayer } from '../model-file';
import { $, renderWeights } from '../views';

export function mountUnderstand(store: AppStore, { client }: Deps): { evaluateTest: () => Promise<void> } {
  const confusion = $('confusion');
  const mistakes = $('mistakes');
  const mistakesTitle = $('mistakes-title');
  const weights = $('weights');
  const weightsTitle = $('weights-title');
  const weightsHint = $('weights-hint');
  const denseTitle = weightsTitle.textContent ?? '';
  const denseHint = weightsHint.textContent ?? '';
  const mapsSection = $('feature-maps-section');
  const maps = $('feature-maps');
  const mapsStatus = $('feature-maps-status');

  function showMistakes(truth: number, predicted: number): void {
    const { evaluation, testImages, outputActivation } = store.get();
    if (evaluation && 'split' in evaluation && testImages)
      renderMistakes(mistakes, mistakesTitle, evaluation, testImages, truth, predicted, outputActivation === 'softmax');
  }

  store.subscribe(
    (s) => s.evaluation,
    (evaluation) => {
      if (evaluation) renderConfusion(confusion, evaluation, showMistakes, `${dataKind(store.get().dataset).item}s`);
      else {
        confusion.replaceChildren();
        mistakes.replaceChildren();
      }
    },
  );

  /** Evaluates the model on the test digits (fetched once) and shows the matrix. */
  async function evaluateTest(): Promise<void> {
    const test = store.get().dataset?.test;
    if (!test) return;
    try {
      const evaluation = await client.call('evaluate', { split: 'test', keepPredictions: true });
      let testImages = store.get().testImages;
      if (!testImages || testImages.images.length !== test.count * test.rows * test.cols)
        testImages = await client.call('samples', { slot: 'test', start: 0, count: test.count });
      store.update({ evaluation, testImages });
    } catch (e) {
      confusion.textContent = `No confusion matrix: ${(e as Error).message}`;
    }
  }

  // The model file is parsed in a worker of its own (model-file.worker.ts), started when first
  // needed; requests go one after another, so each reply answers its own.
  let reader: Worker | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  const firstLayer = (json: string): Promise<FirstLayer> => {
    const next = queue
      .catch(() => {})
      .then(
        () =>
          new Promise<FirstLayer>((resolve, reject) => {
            reader ??= new Worker(new URL('../model-file.worker.ts', import.meta.url), { type: 'module' });
            reader.onmessage = (e: MessageEvent<FirstLayer | { error: string }>) => {
              const reply = e.data;
              if ('error' in reply) reject(new Error(reply.error));
              else resolve(reply);
            };
            reader.onerror = (e) => reject(new Error(e.message));
            reader.postMessage({ json });
          }),
      );
    queue = next;
    return next;
  };

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
    const { state, lastGoodModel } = store.get();
    try {
      const json = state === 'running' && lastGoodModel ? lastGoodModel : (await client.call('exportModel', {})).json;
      const layer = await firstLayer(json);
      showConvViews(layer.kind === 'conv');
      if (layer.kind === 'conv') {
        const { kernel, filters, channels } = layer;
        weightsTitle.textContent = 'First conv layer: its filters';
        weightsHint.textContent =
          `Each image is one of the ${filters} filters' ${kernel}×${kernel} weights` +
          (channels > 1 ? ` on one of its ${channels} input channels` : '') +
          ', drawn large (red positive, blue negative, white zero); the number is the filter.';
        renderFilters(weights, layer);
        return;
      }
      weightsTitle.textContent = denseTitle;
      weightsHint.textContent = denseHint;
      const { input, units, weights: flat } = layer;
      const pixels = input.rows * input.cols;
      // One view per input pixel's row of weights: nothing copied.
      if (units > 0 && flat.length === pixels * units)
        renderWeights(
          weights,
          Array.from({ length: pixels }, (_, i) => flat.subarray(i * units, (i + 1) * units)),
          input.rows,
          input.cols,
        );
    } catch {
      // No model yet: nothing to show.
    }
  }

  // Feature maps: asked of the worker (the engine's forward pass, off the page's thread) for the
  // drawing whenever it changes, and again as training moves the weights — at most once a
  // second while a run goes on. One request at a time; meanwhile only the latest waits.
  let convnet = false;
  let mapsBusy = false;
  let mapsAgain = false;
  let mapsTimer = 0;
  let mapsShown = 0;

  function showConvViews(isConvnet: boolean): void {
    if (convnet === isConvnet) return;
    convnet = isConvnet;
    mapsSection.hidden = !isConvnet;
    if (isConvnet) void showMaps();
    else maps.replaceChildren();
  }

  async function showMaps(): Promise<void> {
    if (!convnet) return;
    if (mapsBusy) return void (mapsAgain = true);
    const input = store.get().drawnInput;
    if (!input) {
      maps.replaceChildren();
      mapsStatus.textContent = 'Draw a digit in section 4 to see its feature maps.';
      return;
    }
    mapsBusy = true;
    mapsShown = performance.now();
    try {
      const { layers } = await client.call('featureMaps', { pixels: input.slice() });
      renderFeatureMaps(maps, layers);
      mapsStatus.textContent = '';
      // Counts the maps drawn: what a test waits on to see them redrawn.
      maps.dataset.updates = String(Number(maps.dataset.updates ?? 0) + 1);
    } catch (e) {
      mapsStatus.textContent = `No feature maps: ${(e as Error).message}`;
    } finally {
      mapsBusy = false;
      if (mapsAgain) {
        mapsAgain = false;
        void showMaps();
      }
    }
  }

  function scheduleMaps(): void {
    clearTimeout(mapsTimer);
    mapsTimer = window.setTimeout(() => void showMaps(), Math.max(0, 1000 - (performance.now() - mapsShown)));
  }

  store.subscribe(
    (s) => s.drawnInput,
    () => void showMaps(),
  );
  store.subscribe(
    (s) => s.modelVersion,
    () => void showMaps(),
  );
  store.subscribe(
    (s) => s.progress,
    () => convnet && store.get().drawnInput && scheduleMaps(),
  );
  store.subscribe((s) => s.modelVersion, scheduleWeights);
  return { evaluateTest };
}
