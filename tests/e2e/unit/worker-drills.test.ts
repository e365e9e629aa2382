// Failure drills of the training worker's logic and the inspector request,
// with the real engine (the SIMD-only build, in Node) behind TrainerCore — no browser:
//   - a run paused for 10 minutes (fake timers) and resumed ends with exactly the weights and
//     history of an uninterrupted run with the same seed;
//   - a preset whose validation split is larger than the data loaded (the lab's 10,000 of the
//     fixture's 3,000) is fitted to a fifth, with a one-line note, instead of failing;
//   - `inspect` answers the lab's 2-2-1 hand computation in full double precision.
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Engine } from '../../../web/core/engine';
import { loadEngine } from '../../../web/core/loadEngine';
import type { Inspection, Request, RunInfo } from '../../../web/shared/protocol';
import { EXAMPLES, modelFile } from '../../../web/ui/inspector-model';
import { trainerHarness } from './trainer-harness';

const root = new URL('../../../', import.meta.url);
const fixture = (name: string) => {
  const b = readFileSync(new URL(`tests/fixtures/digits/${name}`, root));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};
const FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];

/** Within 4 units in the last place: what reordering a few additions can change. */
expect.extend({
  toBeCloseToUlps(received: number, expected: number) {
    const pass = Math.abs(received - expected) <= 4 * Number.EPSILON * Math.abs(expected);
    return { pass, message: () => `expected ${received} to be within 4 ulps of ${expected}` };
  },
});
declare module 'vitest' {
  interface Assertion {
    toBeCloseToUlps(expected: number): void;
  }
}

let engine: Engine;
beforeAll(async () => {
  engine = (await loadEngine({ build: 'st' })).engine;
}, 60_000);

afterEach(() => {
  vi.useRealTimers();
});

/** A TrainerCore on the real engine. Messages between chunks get through with setImmediate,
 *  which the fake timers below leave alone, so a paused clock does not stall the loop. */
async function worker() {
  const { core, events, send } = trainerHarness(engine, () => new Promise((r) => setImmediate(r)));
  const call = async <T = unknown>(method: Request['method'], args: object = {}): Promise<T> => {
    const r = await send(method, args);
    if (r.kind !== 'reply' || !r.ok)
      throw new Error(`${method}: ${r.kind === 'reply' && !r.ok ? r.error : 'no reply'}`);
    return r.result as T;
  };
  await call('init', { base: '/' });
  await call('loadFiles', { files: FILES.map((name) => ({ name, bytes: fixture(name) })) });
  const finished = () => events.some((e) => e.type === 'state' && e.state === 'finished');
  return { core, events, call, finished };
}

// Adam, dropout and a shuffle every epoch: every random draw of the run must line up.
const CONFIG = { preset: 'best', layers: [784, 24, 10], batch_size: 16, epochs: 2, limit: 1200, seed: 11, threads: 1 };

/** The model's numbers and its history without the wall-clock fields. */
function outcome(json: string) {
  const model = JSON.parse(json) as { layers: unknown[]; history: Record<string, unknown>[] };
  return {
    layers: model.layers,
    history: model.history.map(({ seconds: _s, samples_per_second: _r, ...rest }) => rest),
  };
}

describe('pause and resume', () => {
  it('a run paused for 10 minutes (fake timers) and resumed ends exactly like an uninterrupted one', async () => {
    const plain = await worker();
    await plain.call('configure', { config: CONFIG });
    await plain.call('start');
    await vi.waitFor(() => expect(plain.finished()).toBe(true), { timeout: 30_000, interval: 5 });
    const reference = outcome((await plain.call<{ json: string }>('exportModel')).json);
    expect(reference.history.length).toBe(2);

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    const paused = await worker();
    await paused.call('configure', { config: CONFIG });
    await paused.call('start');
    // Let a few chunks run, then pause in the middle of the first epoch.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(await paused.call('pause')).toBe('paused');
    // The loop notices the pause after its current chunk and reports where it stopped.
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    const at = paused.events.filter((e) => e.type === 'progress').at(-1);
    expect(at?.type === 'progress' && at.epoch === 0 && at.batches > 0).toBe(true);
    const before = Date.now();
    vi.advanceTimersByTime(10 * 60_000);
    expect(Date.now() - before).toBe(600_000);
    // Paused means paused: nothing trained while the clock ran.
    expect(paused.events.filter((e) => e.type === 'progress').at(-1)).toBe(at);
    expect(await paused.call('start')).toBe('running');
    await vi.waitFor(() => expect(paused.finished()).toBe(true), { timeout: 30_000, interval: 5 });
    const resumed = outcome((await paused.call<{ json: string }>('exportModel')).json);

    expect(resumed.layers).toEqual(reference.layers);
    expect(resumed.history).toEqual(reference.history);
  }, 60_000);
});

describe('validation split fitted to the data loaded', () => {
  it('the lab preset on 3,000 digits holds out a fifth (600) and says so, instead of failing', async () => {
    const w = await worker();
    const run = await w.call<RunInfo>('configure', {
      config: { preset: 'lab', validation: 10_000, epochs: 1, threads: 1 },
    });
    expect(run.validation_count).toBe(600);
    expect(run.train_count).toBe(2400);
    expect(run.warnings[0]).toBe(
      'Validation: The lab preset holds out 10,000 digits for validation, more than the 3,000 training digits loaded; this run holds out 600 (a fifth) instead.',
    );
    // A split that fits is left alone, without a note.
    const fits = await w.call<RunInfo>('configure', {
      config: { preset: 'lab', validation: 500, epochs: 1, threads: 1 },
    });
    expect(fits.validation_count).toBe(500);
    expect(fits.warnings.some((x) => x.startsWith('Validation:'))).toBe(false);
    // The lab's subset run: the first 1,000 training digits and 200 of the held-out ones (the
    // split fitted to a fifth of the 3,000 loaded, as above).
    const subset = await w.call<RunInfo>('configure', {
      config: { preset: 'lab', limit: 1000, validation_limit: 200, epochs: 1, threads: 1 },
    });
    expect(subset.train_count).toBe(1000);
    expect(subset.validation_count).toBe(200);
  });
});

describe('wrong files keep what was loaded', () => {
  it('a training pair refused after its test pair was read leaves the previous test digits in place', async () => {
    const w = await worker();
    const before = await w.call<{ images: Uint8Array }>('samples', { slot: 'test', start: 0, count: 1000 });
    expect(before.images.length).toBe(1000 * 784);
    // A good 5-digit test pair, and a 10-digit training pair whose images are floats scaled to
    // [0, 1] — which only the full read refuses (the description of the file is fine).
    const idx = (type: number, dims: number[], payload: Uint8Array) => {
      const b = Buffer.alloc(4 + 4 * dims.length + payload.length);
      b[2] = type;
      b[3] = dims.length;
      dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
      b.set(payload, 4 + 4 * dims.length);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    };
    const floats = Buffer.alloc(10 * 784 * 4);
    for (let i = 0; i < 10 * 784; i++) floats.writeFloatBE(0.5, 4 * i);
    const files = [
      { name: 'scaled-images-idx3-f32', bytes: idx(0x0d, [10, 28, 28], floats) },
      { name: 'scaled-labels-idx1-ubyte', bytes: idx(0x08, [10], Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])) },
      { name: 'few-images-idx3-ubyte', bytes: idx(0x08, [5, 28, 28], new Uint8Array(5 * 784).fill(9)) },
      { name: 'few-labels-idx1-ubyte', bytes: idx(0x08, [5], Uint8Array.from([1, 2, 3, 4, 5])) },
    ];
    await expect(w.call('loadFiles', { files })).rejects.toThrow(
      /scaled-images-idx3-f32: pixel value 0\.5 .* is not an integer in 0\.\.255/,
    );
    const after = await w.call<{ images: Uint8Array; labels: Uint8Array }>('samples', {
      slot: 'test',
      start: 0,
      count: 1000,
    });
    expect(after.images.length).toBe(1000 * 784);
    expect(Buffer.from(after.images).equals(Buffer.from(before.images))).toBe(true);
    // And training still runs on the 3,000 fixture digits with the 1,000 test digits.
    const run = await w.call<RunInfo>('configure', { config: { preset: 'tp', epochs: 1, threads: 1 } });
    expect([run.train_count, run.test_count]).toEqual([3000, 1000]);
  });
});

describe('inspect request', () => {
  it('answers the lab example with every digit of the double', async () => {
    const w = await worker();
    const lab = EXAMPLES[0].network;
    const r = await w.call<Inspection>('inspect', {
      model: modelFile(lab),
      input: lab.input,
      target: lab.target,
      learningRate: lab.learningRate,
    });
    // The lab sheet's numbers, to the last bit or two: the engine sums x·W before adding b, and
    // floating-point sums depend on their order (0.5597295991095776 here; see inspector.ts).
    expect(r.output_before[0]).toBeCloseToUlps(0.5597295991095778);
    expect(r.output_after[0]).toBeCloseToUlps(0.40648823589210104);
    expect(r.layers[1].weights_after[0][0]).toBeCloseToUlps(-0.8541467506279606);
    expect(r.layers[0].bias_after![0]).toBeCloseToUlps(0.25403317902693395);
    expect(r.layers[0].z).toEqual([0.6000000000000001, -0.76]);
    // A bad model is an error reply naming the field, not a dead worker.
    await expect(
      w.call('inspect', {
        model: modelFile({ ...lab, activations: ['sigmoid', 'swish' as never] }),
        input: lab.input,
        target: lab.target,
        learningRate: 5,
      }),
    ).rejects.toThrow(/layers\[1\]\.activation "swish"/);
    expect(
      await w.call<Inspection>('inspect', {
        model: modelFile(lab),
        input: lab.input,
        target: lab.target,
        learningRate: 5,
      }),
    ).toMatchObject({ loss_before: r.loss_before });
  });
});
