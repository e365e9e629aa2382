// Small DOM renderers for the page's panels. Every text that may come from a file (names,
// engine messages) goes in through textContent, never innerHTML.

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

export function $(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing from index.html`);
  return e;
}

/** Shows a message (or hides the box when null); lines become paragraphs. */
export function showError(box: HTMLElement, message: string | null): void {
  box.replaceChildren(...(message ? message.split('\n').map((line) => el('p', {}, [line])) : []));
  box.hidden = !message;
}

/** A chart's numbers as a table, its alternative for screen readers and for copying: one
 *  header row, then rows whose first cell heads the row. */
export function fillTable(table: HTMLTableElement, caption: string, head: string[], rows: string[][]): void {
  table.replaceChildren(
    el('caption', {}, [caption]),
    el('thead', {}, [
      el(
        'tr',
        {},
        head.map((h) => el('th', { scope: 'col' }, [h])),
      ),
    ]),
    el(
      'tbody',
      {},
      rows.map((r) =>
        el(
          'tr',
          {},
          r.map((c, i) => (i === 0 ? el('th', { scope: 'row' }, [c]) : el('td', {}, [c]))),
        ),
      ),
    ),
  );
}

/** One digit (bytes 0..255 or floats 0..1, white on black) drawn at (x, y), `scale` px per pixel. */
export function drawDigit(
  ctx: CanvasRenderingContext2D,
  pixels: ArrayLike<number>,
  offset: number,
  rows: number,
  cols: number,
  x: number,
  y: number,
  scale: number,
  max = 255,
): void {
  const image = ctx.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const v = Math.round((pixels[offset + i] / max) * 255);
    image.data[i * 4] = image.data[i * 4 + 1] = image.data[i * 4 + 2] = v;
    image.data[i * 4 + 3] = 255;
  }
  if (scale === 1) {
    ctx.putImageData(image, x, y);
    return;
  }
  const tmp = new OffscreenCanvas(cols, rows);
  tmp.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, x, y, cols * scale, rows * scale);
}

/** A grid of digits with their labels above each, on one canvas. */
export function drawSampleGrid(
  canvas: HTMLCanvasElement,
  images: Uint8Array,
  labels: Uint8Array,
  rows: number,
  cols: number,
  what = 'training digits',
): void {
  const ctx = canvas.getContext('2d')!;
  const perRow = 8;
  const cellW = canvas.width / perRow;
  const cellH = rows + 14;
  const n = Math.min(labels.length, perRow * Math.floor(canvas.height / cellH));
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  for (let i = 0; i < n; i++) {
    const x = (i % perRow) * cellW,
      y = Math.floor(i / perRow) * cellH;
    ctx.fillStyle = '#222';
    ctx.fillText(String(labels[i]), x + cellW / 2, y + 11);
    drawDigit(ctx, images, i * rows * cols, rows, cols, x + (cellW - cols) / 2, y + 13, 1);
  }
  canvas.setAttribute(
    'aria-label',
    `The first ${n} ${what}; their labels in order: ${[...labels.slice(0, n)].join(' ')}`,
  );
}

/** Bars of the class counts, with the counts written out for screen readers in the caption. */
export function drawHistogram(
  canvas: HTMLCanvasElement,
  caption: HTMLElement,
  histogram: number[],
  what: string,
  names: readonly string[] | null = null,
): void {
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  const max = Math.max(1, ...histogram);
  const barW = width / histogram.length;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  histogram.forEach((count, digit) => {
    const h = ((height - 34) * count) / max;
    ctx.fillStyle = '#1f77b4';
    ctx.fillRect(digit * barW + 4, height - 18 - h, barW - 8, h);
    ctx.fillStyle = '#222';
    ctx.fillText(String(digit), digit * barW + barW / 2, height - 5);
    ctx.fillText(String(count), digit * barW + barW / 2, height - 21 - h);
  });
  caption.textContent = `${what} per class: ${histogram.map((c, d) => `${names?.[d] ? `${d} ${names[d]}` : d}: ${c}`).join(', ')}.`;
}

/** Ten labelled bars; the most probable digit is highlighted. */
/** One bar per class. Softmax outputs are probabilities (bar = value, shown in %); any other
 *  output layer gives scores, shown as they are, each bar scaled to the largest magnitude and
 *  negative ones marked, so nothing reads as a probability that is not one. */
export function renderBars(box: HTMLElement, values: number[] | null, probabilities = true): void {
  if (box.childElementCount !== (values?.length ?? 10)) {
    box.replaceChildren();
    for (let d = 0; d < (values?.length ?? 10); d++)
      box.append(
        el('div', { class: 'bar-row', 'data-digit': String(d) }, [
          el('span', { class: 'bar-digit' }, [String(d)]),
          el('span', { class: 'bar' }, [el('span', { class: 'bar-fill' })]),
          el('span', { class: 'bar-value' }, ['–']),
        ]),
      );
  }
  box.setAttribute(
    'aria-label',
    probabilities ? 'Probability of each class' : 'Output of each class (scores, not probabilities)',
  );
  const best = values ? values.indexOf(Math.max(...values)) : -1;
  const scale = probabilities ? 1 : Math.max(1e-12, ...(values ?? []).map(Math.abs));
  [...box.children].forEach((row, d) => {
    const v = values?.[d] ?? 0;
    (row.querySelector('.bar-fill') as HTMLElement).style.width =
      `${Math.max(0, Math.min(1, Math.abs(v) / scale)) * 100}%`;
    row.querySelector('.bar-value')!.textContent = !values
      ? '–'
      : probabilities
        ? `${(v * 100).toFixed(1)}%`
        : v.toFixed(3);
    row.classList.toggle('best', d === best);
    row.classList.toggle('negative', !probabilities && v < 0);
  });
}

/** First-layer weights (inputs × units, row-major per input) as one 28×28 tile per unit. */
export function renderWeights(
  box: HTMLElement,
  weights: ArrayLike<number>[],
  rows: number,
  cols: number,
  maxUnits = 64,
): void {
  const units = Math.min(weights[0]?.length ?? 0, maxUnits);
  const scale = 2;
  const tiles: HTMLCanvasElement[] = [];
  for (let u = 0; u < units; u++) {
    let maxAbs = 1e-12;
    for (let i = 0; i < rows * cols; i++) maxAbs = Math.max(maxAbs, Math.abs(weights[i][u]));
    const canvas = el('canvas', {
      width: String(cols * scale),
      height: String(rows * scale),
      'aria-label': `weights into hidden unit ${u + 1}`,
    });
    const ctx = canvas.getContext('2d')!;
    const image = ctx.createImageData(cols, rows);
    for (let i = 0; i < rows * cols; i++) {
      // Diverging colours: red for positive, blue for negative, white for zero.
      const v = weights[i][u] / maxAbs;
      const k = Math.round(255 * (1 - Math.abs(v)));
      image.data.set(v >= 0 ? [255, k, k, 255] : [k, k, 255, 255], i * 4);
    }
    const tmp = new OffscreenCanvas(cols, rows);
    tmp.getContext('2d')!.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tmp, 0, 0, cols * scale, rows * scale);
    tiles.push(canvas);
  }
  box.replaceChildren(...tiles);
}

/** Hidden layers' outputs for one input: one square per unit, darker = more active. */
export function renderActivations(box: HTMLElement, layers: number[][]): void {
  box.replaceChildren(
    ...layers.map((values, l) => {
      const perRow = 16,
        cell = 9;
      const canvas = el('canvas', {
        width: String(perRow * cell),
        height: String(Math.ceil(values.length / perRow) * cell),
        'aria-label': `hidden layer ${l + 1}: ${values.length} units`,
      });
      const ctx = canvas.getContext('2d')!;
      const max = Math.max(1e-9, ...values.map(Math.abs));
      values.forEach((v, i) => {
        const k = Math.round(255 * (1 - Math.abs(v) / max));
        ctx.fillStyle = v >= 0 ? `rgb(${k},${k},${k})` : `rgb(${k},${k},255)`;
        ctx.fillRect((i % perRow) * cell, Math.floor(i / perRow) * cell, cell - 1, cell - 1);
      });
      return el('figure', {}, [canvas, el('figcaption', {}, [`layer ${l + 1} (${values.length} units)`])]);
    }),
  );
}
