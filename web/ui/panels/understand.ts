// 5. Understand the model: the confusion matrix on the test digits (its cells open the gallery
// of those mistakes) and the first layer's weights as images. The hand-computation inspector
// in the same section is its own panel (panels/inspector.ts).
import type { AppStore, Deps } from '../app-state';
import { dataKind } from '../dataset-kind';
import { renderConfusion, renderMistakes } from '../evaluation-view';
import { readModelFile } from '../model-file';
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

  store.subscribe((s) => s.evaluation, (evaluation) => {
    if (evaluation) renderConfusion(confusion, evaluation, showMistakes, `${dataKind(store.get().dataset).item}s`);
    else {
      confusion.replaceChildren();
      mistakes.replaceChildren();
    }
  });

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
      const { input, firstWeights } = readModelFile(json);
      if (firstWeights && firstWeights.length === input.rows * input.cols) renderWeights(weights, firstWeights, input.rows, input.cols);
    } catch {
      // No model yet: nothing to show.
    }
  }

  store.subscribe((s) => s.modelVersion, scheduleWeights);
  return { evaluateTest };
}
