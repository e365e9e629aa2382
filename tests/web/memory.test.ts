// Memory: a full-size MNIST (60,000 synthetic 28×28 images + 10,000 test) fits in both builds,
// replacing it with another full set fits too, and 100 load/configure/train/delete cycles
// leave the heap where it was. memoryStats() (engine.d.ts):
// heap_bytes = the wasm memory's size, allocated_bytes = malloc's bytes in use, arena_bytes =
// the most malloc ever held (the peak: loading a set while the previous one is still in use).
// Then the threaded build as the page's worker drives it: a 60,000-image set loaded, trained
// and chosen again 10 times; the demo digits in under 100 MB; and a load the engine has no
// memory for, which must say so and keep what was loaded.
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../web/core/engine';
import { loadEngine } from '../../web/core/loadEngine';
import { EngineSession, failed, type Result } from '../../web/core/session';
import type { FromWorker, Method, NamedBytes, Returns } from '../../web/shared/protocol';
import { engineMemory } from '../../web/worker/trainer-core';
import { trainerHarness } from '../e2e/unit/trainer-harness';
import { makeDigits } from '../../scripts/make-digits.mjs';
import { BUILDS, engineFor, idx } from './helpers';

interface MemoryStats {
  heap_bytes: number;
  allocated_bytes: number;
  /** malloc's arena: its high-water mark, the peak that had to fit. */
  arena_bytes: number;
  workers_in_use: number;
}
const stats = (e: Engine): MemoryStats => JSON.parse(e.memoryStats()) as MemoryStats;
const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;

function ok<T>(r: Result<T>): T {
  if (failed(r)) throw new Error(`engine said: ${r.error}`);
  return r;
}

/** `zeros`: the share of pixels that are 0 (MNIST's digits ~0.81, Fashion-MNIST's ~0.5). */
function synthetic(count: number, salt: number, zeros = 0): { images: Uint8Array; labels: Uint8Array } {
  const pixels = new Uint8Array(count * 784);
  const below = Math.round(zeros * 256);
  for (let i = 0; i < pixels.length; ++i) {
    const v = (i * 2654435761 + salt) >>> 24;
    pixels[i] = v < below ? 0 : v;
  }
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
        expect(ok(s.setDataset('train', `train-${salt}`, train.images, `labels-${salt}`, train.labels)).count).toBe(
          60_000,
        );
        expect(ok(s.setDataset('test', `t10k-${salt}`, test.images, `t10k-labels-${salt}`, test.labels)).count).toBe(
          10_000,
        );
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
      ok(
        s.configure({
          preset: 'tp',
          layers: [784, 8, 10],
          batch_size: 60,
          epochs: 1,
          threads: build === 'mt' && cycle % 2 ? 2 : 1,
        }),
      );
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

// The threaded build as the page's worker runs it (TrainerCore: describe, pair, load, with the
// previous test set saved and put back), each on a fresh engine: the heap only ever grows, so
// what an earlier test loaded would hide what this one needs.
describe('threaded build through the worker', () => {
  const freshEngine = async (moduleOptions: Record<string, unknown> = {}) =>
    (await loadEngine({ build: 'mt', moduleOptions: { pthreadPoolSize: 2, ...moduleOptions } })).engine;
  const named = (name: string, bytes: Uint8Array): NamedBytes => ({ name, bytes: bytes.buffer as ArrayBuffer });
  // Half the pixels 0, as in Fashion-MNIST, the set a user first ran out of memory with.
  const fullSet = (salt: number): NamedBytes[] => {
    const train = synthetic(60_000, salt, 0.5);
    const test = synthetic(10_000, salt + 100, 0.5);
    return [
      named('train-images-idx3-ubyte', train.images),
      named('train-labels-idx1-ubyte', train.labels),
      named('t10k-images-idx3-ubyte', test.images),
      named('t10k-labels-idx1-ubyte', test.labels),
    ];
  };
  const result = <M extends Method>(reply: FromWorker): Returns<M> => {
    if (reply.kind !== 'reply') throw new Error('not a reply');
    if (!reply.ok) throw new Error(`worker said: ${reply.error}`);
    return reply.result as Returns<M>;
  };
  const trainEpoch = async (h: ReturnType<typeof trainerHarness>) => {
    expect(h.events.filter((e) => e.type === 'fatal')).toEqual([]);
    h.events.length = 0;
    result<'configure'>(await h.send('configure', { config: { preset: 'best', epochs: 1, threads: 2 } }));
    result<'start'>(await h.send('start'));
    while (!h.events.some((e) => e.type === 'state' && e.state !== 'running' && e.state !== 'paused'))
      await new Promise((r) => setTimeout(r, 20));
    const ended = h.events.filter((e) => e.type === 'state').at(-1);
    expect(ended).toMatchObject({ state: 'finished' });
  };

  it('loads 60,000 images, trains, and takes the same files again 10 times', async () => {
    const h = trainerHarness(await freshEngine(), () => new Promise((r) => setImmediate(r)));
    result<'init'>(await h.send('init', { base: '/' }));
    const files = fullSet(3);
    let summary = result<'loadFiles'>(await h.send('loadFiles', { files }));
    expect(summary.train.count).toBe(60_000);
    await trainEpoch(h);
    const heaps: number[] = [];
    for (let again = 0; again < 10; ++again) {
      summary = result<'loadFiles'>(await h.send('loadFiles', { files }));
      expect([summary.train.count, summary.test?.count]).toEqual([60_000, 10_000]);
      heaps.push(summary.memory!.heapBytes);
    }
    await trainEpoch(h);
    expect(h.events.filter((e) => e.type === 'fatal')).toEqual([]);
    const m = summary.memory!;
    console.log(
      `[mt] 60,000 + 10,000 images, trained, loaded 10 more times: heap ${heaps.map(mb).join(', ')}; ` +
        `in use ${mb(m.usedBytes)}, peak ${mb(m.peakBytes)}`,
    );
    // At most two sets are held (≈ 52 MB each): the one loaded, and the one the last run
    // trained on, which the engine keeps until the next run is configured. Loading them again
    // and again needs no more memory.
    expect(m.usedBytes).toBeLessThan(2 * 70 * 2 ** 20);
    expect(heaps.at(-1)).toBe(heaps[1]);
  }, 300_000);

  it('holds the demo digits in under 100 MB', async () => {
    const engine = await freshEngine();
    const h = trainerHarness(engine, () => new Promise((r) => setImmediate(r)));
    const info = result<'init'>(await h.send('init', { base: '/' }));
    const demo = await makeDigits(); // the page's built-in set, as scripts/demo-data.mjs writes it
    const summary = result<'loadFiles'>(
      await h.send('loadFiles', {
        files: [
          named('train-images-idx3-ubyte', demo.trainImages),
          named('train-labels-idx1-ubyte', demo.trainLabels),
          named('t10k-images-idx3-ubyte', demo.testImages),
          named('t10k-labels-idx1-ubyte', demo.testLabels),
        ],
      }),
    );
    await trainEpoch(h);
    const after = engineMemory(engine)!;
    console.log(
      `[mt] started: heap ${mb(info.memory!.heapBytes)}; demo digits (${summary.train.count} + ${summary.test?.count}) loaded and trained: heap ${mb(after.heapBytes)}, peak ${mb(after.peakBytes)}`,
    );
    expect(after.heapBytes).toBeLessThan(100 * 2 ** 20);
  }, 120_000);

  it('says what failed and keeps what was loaded when the engine runs out of memory loading files', async () => {
    // A heap that cannot grow past 160 MB (as a fixed heap could not): one full set fits, a
    // second one replacing it does not.
    const pages = (160 * 2 ** 20) / 65536;
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const h = trainerHarness(await freshEngine({ wasmMemory: memory }), () => new Promise((r) => setImmediate(r)));
    result<'init'>(await h.send('init', { base: '/' }));
    const first = fullSet(5);
    result<'loadFiles'>(await h.send('loadFiles', { files: first }));
    await trainEpoch(h);
    const refused = await h.send('loadFiles', { files: fullSet(6) });
    const error = refused.kind === 'reply' && !refused.ok ? refused.error : '';
    console.log(`[mt, 160 MB heap] a second full set: ${error}`);
    expect(error).toMatch(/out of memory/);
    expect(error).toMatch(/idx[13]-ubyte/);
    expect(h.events.filter((e) => e.type === 'fatal')).toEqual([]);
    // The first set is still the one loaded, test digits included, and still trains.
    for (const [slot, file, start] of [
      ['train', first[0], 59_990],
      ['test', first[2], 9_990],
    ] as const) {
      const got = result<'samples'>(await h.send('samples', { slot, start, count: 5 }));
      expect(got.images).toEqual(new Uint8Array(file.bytes, 16 + start * 784, 5 * 784));
    }
    await trainEpoch(h);
  }, 300_000);
});
