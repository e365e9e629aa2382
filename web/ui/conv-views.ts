// A convnet's views in "Understand the model": its first conv layer's filters (each k×k kernel
// as a small image) and, for the drawing, every conv and pool layer's feature maps (one image
// per channel). The numbers come from the engine: the filters from the model file (read off the
// page's thread, model-file.worker.ts), the maps from the worker's featureMaps call.
import type { FeatureMapLayer } from '../shared/protocol';
import { el } from './views';

/** The most images one layer shows: a wide layer (conv3x64) would otherwise fill the screen. */
export const MAX_TILES = 64;

/** Pixels a tile aims at across: a 5×5 kernel is drawn 8× larger, a 24×24 map 2×. */
const TILE = 40;

/** A rows×cols image of `at(i)` (i = y·cols + x) scaled up by `scale`, in diverging colours
 *  (red positive, blue negative, white zero) over ±`maxAbs`, or in grey (darker = larger) when
 *  every value is ≥ 0. */
function tile(
  rows: number,
  cols: number,
  at: (i: number) => number,
  maxAbs: number,
  signed: boolean,
  label: string,
): HTMLCanvasElement {
  const scale = Math.max(1, Math.round(TILE / Math.max(rows, cols)));
  const canvas = el('canvas', { width: String(cols * scale), height: String(rows * scale), 'aria-label': label });
  const image = new ImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const v = at(i) / maxAbs;
    const k = Math.round(255 * (1 - Math.min(1, Math.abs(v))));
    image.data.set(signed ? (v >= 0 ? [255, k, k, 255] : [k, k, 255, 255]) : [k, k, k, 255], i * 4);
  }
  const tmp = new OffscreenCanvas(cols, rows);
  tmp.getContext('2d')!.putImageData(image, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, cols * scale, rows * scale);
  return canvas;
}

const largest = (values: ArrayLike<number>, from: number, to: number, stride = 1) => {
  let m = 1e-12;
  for (let i = from; i < to; i += stride) m = Math.max(m, Math.abs(values[i]));
  return m;
};

/** The first conv layer's kernels: `weights` as [filter][channel][row][column], one image per
 *  (filter, channel), each scaled to its filter's largest weight. */
export function renderFilters(
  box: HTMLElement,
  { kernel, filters, channels, weights }: { kernel: number; filters: number; channels: number; weights: Float32Array },
): void {
  const k2 = kernel * kernel;
  const tiles: HTMLElement[] = [];
  for (let f = 0; f < filters && tiles.length < MAX_TILES; f++) {
    const maxAbs = largest(weights, f * channels * k2, (f + 1) * channels * k2);
    for (let c = 0; c < channels && tiles.length < MAX_TILES; c++) {
      const offset = (f * channels + c) * k2;
      const label = channels > 1 ? `filter ${f + 1}, channel ${c + 1}` : `filter ${f + 1}`;
      tiles.push(
        el('figure', { class: 'tile' }, [
          tile(kernel, kernel, (i) => weights[offset + i], maxAbs, true, `${kernel}×${kernel} weights of ${label}`),
          el('figcaption', {}, [channels > 1 ? `${f + 1}.${c + 1}` : String(f + 1)]),
        ]),
      );
    }
  }
  box.replaceChildren(...tiles);
}

/** Each layer's output for one input: a captioned group per layer, one image per channel, all
 *  of a layer's channels on the same scale (its largest magnitude). */
export function renderFeatureMaps(box: HTMLElement, layers: FeatureMapLayer[]): void {
  box.replaceChildren(
    ...layers.map(({ layer, kind, rows, cols, channels, values }, l) => {
      const maxAbs = largest(values, 0, values.length);
      let signed = false;
      for (let i = 0; i < values.length && !signed; i++) signed = values[i] < 0;
      const shown = Math.min(channels, MAX_TILES);
      const what = kind === 'conv' ? 'after its activation' : 'max pooled';
      const title = `Layer ${l + 1}, ${layer}: ${channels} maps of ${rows}×${cols}, ${what}`;
      const tiles = Array.from({ length: shown }, (_, c) =>
        tile(rows, cols, (i) => values[i * channels + c], maxAbs, signed, `${layer} map ${c + 1} of ${channels}`),
      );
      return el('figure', { class: 'feature-layer', 'data-layer': layer }, [
        el('figcaption', {}, [title + (shown < channels ? ` (the first ${shown} shown)` : '')]),
        el('div', { class: 'weights' }, tiles),
      ]);
    }),
  );
}
