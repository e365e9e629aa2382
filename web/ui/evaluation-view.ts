// The test-set evaluation as the page shows it: the confusion matrix, whose off-diagonal cells
// are buttons, and the gallery of the test digits one cell holds (true t, predicted p).
import type { Evaluation, Samples } from '../shared/protocol';
import { drawDigit, el } from './views';
import { fmt } from '../shared/format';

/** The test digits as bytes, in the order of the evaluation's predictions. */
export type TestImages = Samples;

/** Shows the matrix in `box`; clicking a non-empty off-diagonal cell calls onCell(true, predicted). */
export function renderConfusion(
  box: HTMLElement,
  ev: Pick<Evaluation, 'confusion' | 'error' | 'count'>,
  onCell: (truth: number, predicted: number) => void,
  items = 'digits',
): void {
  const max = Math.max(1, ...ev.confusion.flatMap((row, t) => row.filter((_, p) => p !== t)));
  const head = el('tr', {}, [
    el('th', { scope: 'col' }, ['true ↓ / predicted →']),
    ...ev.confusion.map((_, p) => el('th', { scope: 'col' }, [String(p)])),
  ]);
  const body = ev.confusion.map((row, t) =>
    el('tr', {}, [
      el('th', { scope: 'row' }, [String(t)]),
      ...row.map((count, p) => {
        const cell = el('td', {});
        if (t === p) {
          cell.className = 'diagonal';
          cell.textContent = String(count);
        } else {
          const b = el(
            'button',
            {
              type: 'button',
              'aria-label': `${count} digits ${t} predicted as ${p}`,
              'data-true': String(t),
              'data-predicted': String(p),
            },
            [String(count)],
          );
          // At most 0.7 red under dark text: contrast stays above 4.5:1 (axe, WCAG AA).
          b.style.background = `rgba(214, 39, 40, ${count ? 0.1 + 0.6 * (count / max) : 0})`;
          b.disabled = count === 0;
          b.addEventListener('click', () => onCell(t, p));
          cell.append(b);
        }
        return cell;
      }),
    ]),
  );
  const table = el('table', { class: 'confusion' }, [
    el('caption', {}, [`Test error ${((ev.error ?? 0) * 100).toFixed(2)}% on ${fmt(ev.count)} ${items}`]),
    el('thead', {}, [head]),
    el('tbody', {}, body),
  ]);
  box.replaceChildren(table);
}

/** Fills `gallery` with the test digits `truth` predicted as `predicted` (the first 60), and titles it;
 *  each says the output it got: a probability only when the outputs are (a softmax layer). */
export function renderMistakes(
  gallery: HTMLElement,
  title: HTMLElement,
  ev: Evaluation,
  imgs: TestImages,
  truth: number,
  predicted: number,
  probabilities = true,
): void {
  if (!ev.predicted) return;
  const outputs = ev.probabilities && ev.predicted.length ? ev.probabilities.length / ev.predicted.length : 10;
  const tiles: HTMLElement[] = [];
  let total = 0;
  for (let i = 0; i < ev.predicted.length; i++) {
    if (imgs.labels[i] !== truth || ev.predicted[i] !== predicted) continue;
    total++;
    if (tiles.length >= 60) continue;
    const canvas = el('canvas', { width: String(imgs.cols * 2), height: String(imgs.rows * 2) });
    drawDigit(canvas.getContext('2d')!, imgs.images, i * imgs.rows * imgs.cols, imgs.rows, imgs.cols, 0, 0, 2);
    const p = ev.probabilities ? ev.probabilities[i * outputs + predicted] : NaN;
    const caption =
      `#${i}: ${truth} → ${predicted}` +
      (Number.isFinite(p) ? (probabilities ? ` (p=${p.toFixed(2)})` : ` (output ${p.toFixed(2)})`) : '');
    canvas.setAttribute('aria-label', `test digit ${caption}`);
    tiles.push(el('figure', { class: 'mistake' }, [canvas, el('figcaption', {}, [caption])]));
  }
  title.textContent =
    `Digits ${truth} predicted as ${predicted}: ${total}` +
    (total > tiles.length ? ` (first ${tiles.length} shown)` : '');
  gallery.replaceChildren(...tiles);
}
