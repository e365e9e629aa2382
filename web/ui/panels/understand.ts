// 5. Understand the model: the confusion matrix on the test digits (its cells open the gallery
// of those mistakes) and the first layer's weights as images. The hand-computation inspector
// in the same section is its own panel (panels/inspector.ts).
import type { AppStore, Deps } from '../app-state';
import { dataKind } from '../dataset-kind';
import { renderConfusion, renderMistakes } from '../evaluation-view';
import type { ModelFileParts } from '../model-file';
import { $, renderWeights } from '../views';

export function mountUnderstand(store: AppStore, { client }: Deps): { evaluateTest: () => Promise<void> } {
  const confusion = $('confusion');
  const mistakes = $('mistakes');
  const mistakesTitle = $('mistakes-title');
  const weights = $('weights');

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
  type FirstLayer = { input: ModelFileParts['input']; units: number; weights: Float32Array };
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
      const { input, units, weights: flat } = await firstLayer(json);
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

  store.subscribe((s) => s.modelVersion, scheduleWeights);
  return { evaluateTest };
}
