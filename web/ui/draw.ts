// The draw-a-digit pad: pointer events (mouse, touch and pen alike) draw round strokes;
// after each change the ink is turned into the 28×28 MNIST-style input (web/data/preprocess.ts),
// shown enlarged, and handed to `onInput` — at most once per animation frame, so a fast
// stroke does not flood the worker with predictions. Each change gets a revision number, kept
// on the canvas as data-revision, so whoever shows a prediction can say which drawing it is for.
import { SIZE, toMnist } from '../data/preprocess';

/** The ink's larger side as a fraction of the pad's, below which the drawing is too small to
 *  read: the pen is a fourteenth of the pad wide, so a smaller digit is mostly stroke width and
 *  scales up to a blob that no MNIST digit resembles (and is read with unearned confidence). */
export const MIN_INK_FRACTION = 0.4;

/** What the pad hands on after each change. */
export interface Drawing {
  /** The 28×28 input, or null when nothing is drawn. */
  pixels: Float32Array | null;
  /** The ink's bounding box, as fractions of the pad's width and height (0 when empty). */
  extent: { width: number; height: number };
  /** A stroke is under way: the drawing may still grow. */
  penDown: boolean;
  revision: number;
}

export class DrawPad {
  private ctx: CanvasRenderingContext2D;
  private last: { x: number; y: number } | null = null;
  private scheduled = false;
  private revision = 0;

  constructor(
    private canvas: HTMLCanvasElement,
    private preview: HTMLCanvasElement,
    private onInput: (drawing: Drawing) => void,
  ) {
    this.ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    // Stroke width ≈ MNIST's pen: about a tenth of the digit's height.
    this.ctx.lineWidth = canvas.width / 14;
    this.ctx.lineCap = 'round';
    this.ctx.lineJoin = 'round';
    this.ctx.strokeStyle = '#000';
    this.ctx.fillStyle = '#000';
    // Without this, touch drags would scroll the page instead of drawing.
    canvas.style.touchAction = 'none';
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', () => this.up());
    canvas.addEventListener('pointercancel', () => this.up());
  }

  private point(e: PointerEvent) {
    const r = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - r.left) * this.canvas.width) / r.width,
      y: ((e.clientY - r.top) * this.canvas.height) / r.height,
    };
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0 && e.pointerType === 'mouse') return;
    this.canvas.setPointerCapture(e.pointerId);
    this.last = this.point(e);
    const { x, y } = this.last;
    this.ctx.beginPath();
    this.ctx.arc(x, y, this.ctx.lineWidth / 2, 0, Math.PI * 2);
    this.ctx.fill();
    this.changed();
  }

  private move(e: PointerEvent): void {
    if (!this.last) return;
    // Coalesced events keep fast pen strokes smooth where the browser batches them.
    const events = e.getCoalescedEvents?.() ?? [e];
    this.ctx.beginPath();
    this.ctx.moveTo(this.last.x, this.last.y);
    for (const ev of events.length ? events : [e]) {
      const p = this.point(ev);
      this.ctx.lineTo(p.x, p.y);
      this.last = p;
    }
    this.ctx.stroke();
    this.changed();
  }

  private up(): void {
    if (!this.last) return;
    this.last = null;
    // The finished stroke is handed on once more: only now is its size final.
    this.changed();
  }

  clear(): void {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.changed();
  }

  /** Re-sends the current drawing (e.g. after the model changed). */
  refresh(): void {
    this.changed();
  }

  private changed(): void {
    this.canvas.dataset.revision = String(++this.revision);
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      const grey = this.grey();
      const pixels = toMnist(grey, this.canvas.width, this.canvas.height);
      this.showPreview(pixels);
      this.onInput({ pixels, extent: this.extent(grey), penDown: this.last !== null, revision: this.revision });
    });
  }

  /** The drawing as grey levels 0..1, one per canvas pixel. */
  private grey(): Float32Array {
    const { width, height } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    // The ink is black on a transparent canvas: its alpha is the grey level.
    const grey = new Float32Array(width * height);
    for (let i = 0; i < grey.length; i++) grey[i] = rgba[i * 4 + 3] / 255;
    return grey;
  }

  private extent(grey: Float32Array): Drawing['extent'] {
    const { width, height } = this.canvas;
    let left = width,
      right = -1,
      top = height,
      bottom = -1;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        if (grey[y * width + x] > 0.1) {
          left = Math.min(left, x);
          right = Math.max(right, x);
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
        }
    return right < 0
      ? { width: 0, height: 0 }
      : { width: (right - left + 1) / width, height: (bottom - top + 1) / height };
  }

  private showPreview(pixels: Float32Array | null): void {
    const p = this.preview.getContext('2d')!;
    const image = p.createImageData(SIZE, SIZE);
    for (let i = 0; i < SIZE * SIZE; i++) {
      // White digit on black, as MNIST stores it.
      const v = Math.round((pixels?.[i] ?? 0) * 255);
      image.data.set([v, v, v, 255], i * 4);
    }
    p.putImageData(image, 0, 0);
  }
}
