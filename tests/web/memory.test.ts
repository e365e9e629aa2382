// Memory: a full-size MNIST (60,000 synthetic 28×28 images + 10,000 test) fits in both builds,
// replacing it with another full set fits too, and 100 load/configure/train/delete cycles
// leave the heap where it was. memoryStats() is a diagnostic binding outside engine.d.ts:
// heap_bytes = the wasm memory's size, allocated_bytes = malloc's bytes in use, arena_bytes =
// the most malloc ever held (the peak: loading a set while the previous one is still in use).
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../web/core/engine';
import { EngineSession, failed, type Result } from '../../web/core/session';
import { BUILDS, engineFor, idx } from './helpers';

interface MemoryStats {
  heap_bytes: number;
  allocated_bytes: number;
  /** malloc's arena: its high-water mark, the peak that had to fit. */
  arena_bytes: number;
  workers_in_use: number;
}
const stats = (e: Engine): MemoryStats => JSON.parse((e as unknown as { memoryStats(): string }).memoryStats());
const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;

function ok<T>(r: Result<T>): T {
  if (failed(r)) throw new Error(`engine said: ${r.error}`);
  return r;
}

function synthetic(count: number, salt: number): { images: Uint8Array; labels: Uint8Array } {
  const pixels = new Uint8Array(count * 784);
  for (let i = 0; i < pixels.length; ++i) pixels[i] = (i * 2654435761 + salt) >>> 24;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; ++i) labels[i] = (i + salt) % 10;
  return { images: idx([count, 28, 28], pixels), labels: idx([count], labels) };
}

describe.each(BUILDS)('%s build', (build) => {
  it('holds a full-size MNIST, and another replacing it', async () => {
    const engine = await engineFor(build);
    const before = stats(engine);
    const s = new EngineSession(engine);
    try {
      for (const salt of [1, 2]) {
        const train = synthetic(60_000, salt);
        const test = synthetic(10_000, salt);
        expect(ok(s.setDataset('train', `train-${salt}`, train.images, `labels-${salt}`, train.labels)).count).toBe(60_000);
        expect(ok(s.setDataset('test', `t10k-${salt}`, test.images, `t10k-labels-${salt}`, test.labels)).count).toBe(10_000);
        const run = ok(s.configure({ preset: 'tp', batch_size: 32, epochs: 1, threads: build === 'mt' ? 2 : 1 }));
        expect(run.train_count).toBe(60_000);
        expect(ok(s.train(20)).batches).toBe(20);
        expect(ok(s.evaluate('test', true)).count).toBe(10_000);
        const now = stats(engine);
        console.log(
          `[${build}] 60,000 + 10,000 images loaded (set ${salt}): wasm heap ${mb(now.heap_bytes)}, ` +
            `allocated ${mb(now.allocated_bytes)} (was ${mb(before.allocated_bytes)} before loading), ` +
            `malloc high-water ${mb(now.arena_bytes)}`,
        );
        // The images are held once: 70,000 × 784 bytes ≈ 52 MB, plus small change.
        expect(now.allocated_bytes - before.allocated_bytes).toBeLessThan(70 * 2 ** 20);
      }
    } finally {
      s.dispose();
    }
    expect(stats(engine).allocated_bytes - before.allocated_bytes).toBeLessThan(2 ** 20);
  });

  it('keeps the heap flat over 100 load/configure/train/delete cycles', async () => {
    const engine = await engineFor(build);
    const train = synthetic(600, 7);
    const test = synthetic(200, 8);
    const samples: MemoryStats[] = [];
    for (let cycle = 0; cycle < 100; ++cycle) {
      const s = new EngineSession(engine);
      ok(s.setDataset('train', 'train', train.images, 'labels', train.labels));
      ok(s.setDataset('test', 'test', test.images, 'test-labels', test.labels));
      ok(s.configure({ preset: 'tp', layers: [784, 8, 10], batch_size: 60, epochs: 1, threads: build === 'mt' && cycle % 2 ? 2 : 1 }));
      ok(s.train(10)); // finishes the epoch: evaluation on the test set included
      ok(s.evaluate('test', true));
      ok(s.predict(new Float32Array(784)));
      expect(ok(s.exportNpz()).bytes.length).toBeGreaterThan(0);
      // The model file goes through slow float formatting and parsing: every 5th cycle.
      if (cycle % 5 === 4) ok(s.importModel(ok(s.exportModel()).text, 'model.json'));
      s.dispose();
      samples.push(stats(engine));
    }
    const [warm, last] = [samples[9], samples[99]];
    console.log(
      `[${build}] after 10 cycles: heap ${mb(warm.heap_bytes)}, allocated ${mb(warm.allocated_bytes)}; ` +
        `after 100: heap ${mb(last.heap_bytes)}, allocated ${mb(last.allocated_bytes)}`,
    );
    expect(last.heap_bytes).toBe(warm.heap_bytes);
    expect(Math.abs(last.allocated_bytes - warm.allocated_bytes)).toBeLessThan(64 * 1024);
    expect(last.workers_in_use).toBe(0);
  });
});
