// 4. Draw a digit: the pad (web/ui/draw.ts), what the model makes of the drawing — the
// prediction, the ten bars — and the hidden layers' activations. The drawing is shown to the
// model again whenever the model changes.
import type { AppStore, Deps } from '../app-state';
import { DrawPad } from '../draw';
import { $, renderActivations, renderBars } from '../views';

export function mountDraw(store: AppStore, { client }: Deps): void {
  const prediction = $('prediction');
  const bars = $('probabilities');
  const activations = $('activations');

  // One prediction at a time: while one is in the worker, only the latest drawing waits.
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
    const settle = () => (prediction.dataset.revision = String(revision));
    if (!pixels) {
      renderBars(bars, null);
      prediction.textContent = 'Draw a digit to see what the network thinks.';
      delete prediction.dataset.digit;
      settle();
      return;
    }
    if (!store.get().hasModel) {
      prediction.textContent = 'Train (or load) a model first; then the bars show what it thinks.';
      settle();
      return;
    }
    predicting = true;
    try {
      const { probabilities, activations: layers } = await client.call('predict', { pixels });
      renderBars(bars, probabilities);
      renderActivations(activations, layers.slice(0, -1));
      const best = probabilities.indexOf(Math.max(...probabilities));
      prediction.textContent = `Prediction: ${best} (${(probabilities[best] * 100).toFixed(1)}%)`;
      prediction.dataset.digit = String(best);
    } catch (e) {
      prediction.textContent = (e as Error).message;
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

  const pad = new DrawPad($('draw-canvas') as HTMLCanvasElement, $('input-preview') as HTMLCanvasElement, predictLater);
  $('clear-button').addEventListener('click', () => pad.clear());
  renderBars(bars, null);
  store.subscribe((s) => s.modelVersion, () => pad.refresh());
}
