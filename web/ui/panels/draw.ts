// 4. Draw a digit: the pad (web/ui/draw.ts), what the model makes of the drawing — the
// prediction, the ten bars — and the hidden layers' activations. The drawing is shown to the
// model again whenever the model changes.
import type { AppStore, Deps } from '../app-state';
import { className, dataKind } from '../dataset-kind';
import { DrawPad, MIN_INK_FRACTION, type Drawing } from '../draw';
import { fmt } from '../../shared/format';
import { $, drawDigit, renderActivations, renderBars } from '../views';

export function mountDraw(store: AppStore, { client }: Deps): void {
  const prediction = $('prediction');
  const bars = $('probabilities');
  const activations = $('activations');
  const barsNote = $('bars-note');

  // One prediction at a time: while one is in the worker, only the latest drawing waits.
  let predicting = false;
  let queued: Drawing | undefined;

  function predictLater(drawing: Drawing): void {
    if (predicting) {
      queued = drawing;
      return;
    }
    void predictNow(drawing);
  }

  /** The prediction, the bars (probabilities for a softmax output, plain scores otherwise) and
   *  the hidden activations; `prefix` says what was classified when it was not the drawing. */
  function show(outputs: number[], layers: number[][], prefix: string): void {
    const output = store.get().outputActivation;
    const isProbability = output === 'softmax';
    renderBars(bars, outputs, isProbability);
    barsNote.hidden = isProbability;
    barsNote.textContent = isProbability
      ? ''
      : `Outputs of a ${output ?? 'non-softmax'} output layer: scores, not probabilities (they need not lie in 0..1 or sum to 1). ` +
        'Bars are scaled to the largest magnitude; negative ones are striped.';
    renderActivations(activations, layers.slice(0, -1));
    const best = outputs.indexOf(Math.max(...outputs));
    const name = className(dataKind(store.get().dataset), best);
    prediction.classList.remove('advice');
    prediction.textContent =
      prefix +
      (isProbability
        ? `Prediction: ${name} (${(outputs[best] * 100).toFixed(1)}%)`
        : `Prediction: ${name} (largest output, ${outputs[best].toFixed(3)})`);
    prediction.dataset.digit = String(best);
  }

  /** The keyboard's way in: one test digit, chosen by its index, shown and classified. */
  async function classifyTest(): Promise<void> {
    const { dataset, hasModel } = store.get();
    const index = Number(testIndex.value);
    delete prediction.dataset.digit;
    if (!hasModel)
      return void (prediction.textContent = 'Train (or load) a model first; then it can classify a test digit.');
    if (!dataset?.test)
      return void (prediction.textContent = 'No test set is loaded: load one to classify its digits.');
    if (!Number.isInteger(index) || index < 0 || index >= dataset.test.count)
      return void (prediction.textContent = `Choose a test ${dataKind(dataset).item} from 0 to ${fmt(dataset.test.count - 1)}.`);
    try {
      const sample = await client.call('samples', { slot: 'test', start: index, count: 1 });
      drawDigit(previewCanvas.getContext('2d')!, sample.images, 0, sample.rows, sample.cols, 0, 0, 1);
      const pixels = Float32Array.from(sample.images, (v) => v / 255);
      store.update({ drawnInput: pixels });
      const { probabilities, activations: layers } = await client.call('predict', { pixels: pixels.slice() });
      const kind = dataKind(dataset);
      show(probabilities, layers, `Test ${kind.item} #${index} (labelled ${className(kind, sample.labels[0])}): `);
    } catch (e) {
      prediction.textContent = (e as Error).message;
    }
  }

  /** Shows what the model makes of drawing `revision`; #prediction's data-revision says which
   *  drawing the text and bars are for (the canvas carries the latest one). */
  async function predictNow({ pixels, extent, penDown, revision }: Drawing): Promise<void> {
    const settle = () => (prediction.dataset.revision = String(revision));
    const size = Math.max(extent.width, extent.height);
    // Every drawing starts small: judge its size when the stroke ends, and meanwhile leave
    // the text as it is (a message appearing mid-stroke would move the pad under the pen).
    if (pixels && size < MIN_INK_FRACTION && penDown) return void settle();
    if (!pixels || size < MIN_INK_FRACTION) {
      store.update({ drawnInput: null });
      renderBars(bars, null);
      barsNote.hidden = true;
      prediction.textContent = !pixels
        ? 'Draw a digit to see what the network thinks.'
        : `Draw larger: fill most of the box (this spans ${Math.round(size * 100)}%).`;
      prediction.classList.toggle('advice', Boolean(pixels));
      delete prediction.dataset.digit;
      settle();
      return;
    }
    prediction.classList.remove('advice');
    // A copy: the prediction's array moves to the worker.
    store.update({ drawnInput: pixels.slice() });
    if (!store.get().hasModel) {
      prediction.textContent = 'Train (or load) a model first; then the bars show what it thinks.';
      settle();
      return;
    }
    predicting = true;
    try {
      const { probabilities, activations: layers } = await client.call('predict', { pixels });
      show(probabilities, layers, '');
    } catch (e) {
      prediction.textContent = (e as Error).message;
    } finally {
      predicting = false;
      settle();
      if (queued !== undefined) {
        const next = queued;
        queued = undefined;
        void predictNow(next);
      }
    }
  }

  const previewCanvas = $('input-preview') as HTMLCanvasElement;
  const testIndex = $('test-index') as HTMLInputElement;
  const pad = new DrawPad($('draw-canvas') as HTMLCanvasElement, previewCanvas, predictLater);
  $('classify-test').addEventListener('click', () => void classifyTest());
  testIndex.addEventListener('keydown', (e) => e.key === 'Enter' && void classifyTest());
  store.subscribe(
    (s) => s.dataset,
    (d) => {
      testIndex.max = d?.test ? String(d.test.count - 1) : '0';
      $('test-index-label').textContent = `Or classify test ${dataKind(d).item} #`;
    },
  );
  $('clear-button').addEventListener('click', () => pad.clear());
  renderBars(bars, null);
  store.subscribe(
    (s) => s.modelVersion,
    () => pad.refresh(),
  );
}
