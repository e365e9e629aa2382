// The draw-a-digit pad: pointer events (mouse, touch and pen alike) draw round strokes;
// after each change the ink is turned into the 28×28 MNIST-style input (web/data/preprocess.ts),
// shown enlarged, and handed to `onInput` — at most once per animation frame, so a fast
// stroke does not flood the worker with predictions. Each change gets a revision number, kept
// on the canvas as data-revision, so whoever shows a prediction can say which drawing it is for.
import { SIZE, toMnist } from '../data/preprocess';

export class DrawPad {
  private ctx: CanvasRenderingContext2D;
  private last: { x: number; y: number } | null = null;
  private scheduled = false;
  private revision = 0;

  constructor(
    private canvas: HTMLCanvasElement,
    private preview: HTMLCanvasElement,
    private onInput: (pixels: Float32Array | null, revision: number) => void,
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
    return { x: ((e.clientX - r.left) * this.canvas.width) / r.width, y: ((e.clientY - r.top) * this.canvas.height) / r.height };
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
    this.last = null;
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
      const pixels = this.pixels();
      this.showPreview(pixels);
      this.onInput(pixels, this.revision);
    });
  }

  /** The drawing as the network's 28×28 input, or null when empty. */
  pixels(): Float32Array | null {
    const { width, height } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    // The ink is black on a transparent canvas: its alpha is the grey level.
    const grey = new Float32Array(width * height);
    for (let i = 0; i < grey.length; i++) grey[i] = rgba[i * 4 + 3] / 255;
    return toMnist(grey, width, height);
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
