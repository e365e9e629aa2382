// Node tests of the page's logic that needs no browser: file recognition and pairing,
// the drawing preprocessing, the URL codec of the settings, run groups' statistics, the CSV
// exports, gunzip, and the worker's
// TrainerCore driven through its protocol with a small fake engine (the real engine's
// behaviour is covered by tests/web; here what matters is chunking, events and errors).
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine, Session } from '../../../web/core/engine';
import { maybeGunzip } from '../../../web/data/gunzip';
import { toMnist } from '../../../web/data/preprocess';
import { pairFiles } from '../../../web/data/recognise';
import type { EpochMetrics, FileDescription, PresetInfo, TrainConfig } from '../../../web/shared/protocol';
import { configFromQuery, queryFromConfig } from '../../../web/ui/config';
import { curvesCsv, runsCsv } from '../../../web/ui/export';
import { describeGroup, finalError, meanAndStd } from '../../../web/ui/run-groups';
import { trainerHarness } from './trainer-harness';
import { installEngineSettings } from './settings-schema';

// The page's fields come from the engine's settings table, as in the page.
beforeAll(async () => {
  await installEngineSettings();
});

const images = (name: string, count: number): FileDescription => ({
  name,
  gzipped: false,
  size: 0,
  ok: true,
  kind: 'images',
  dims: [count, 28, 28],
  count,
});
const labels = (name: string, count: number): FileDescription => ({
  name,
  gzipped: false,
  size: 0,
  ok: true,
  kind: 'labels',
  dims: [count],
  count,
});

describe('pairFiles', () => {
  it('pairs by count, larger pair trains, whatever the names', () => {
    const r = pairFiles([labels('a', 10000), images('b', 60000), images('c', 10000), labels('d', 60000)]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.train.images.name).toBe('b');
    expect(r.train.labels.name).toBe('d');
    expect(r.test?.images.name).toBe('c');
    expect(r.test?.labels.name).toBe('a');
  });

  it('explains an unmatched count naming both files', () => {
    const r = pairFiles([images('train-images.gz', 60000), labels('t10k-labels.gz', 10000)]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.join('\n')).toMatch(
      /train-images\.gz holds 60,000 images.*no labels file has 60,000 labels.*t10k-labels\.gz: 10,000 labels/,
    );
  });

  it('passes on the engine message of an unreadable file', () => {
    const r = pairFiles([
      { name: 'x.png', gzipped: false, size: 3, ok: false, error: 'x.png: bad magic' },
      images('i', 5),
      labels('l', 5),
    ]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toContain('x.png: bad magic');
  });

  it('accepts a single pair as training data, with a note', () => {
    const r = pairFiles([images('i', 5), labels('l', 5)]);
    expect(r.ok && r.test === null && r.notes.length === 1).toBe(true);
  });
});

describe('toMnist', () => {
  it('returns null for an empty drawing', () => {
    expect(toMnist(new Float32Array(100 * 100), 100, 100)).toBeNull();
  });

  it('fits the digit in 20×20 and centres its mass at (14, 14)', () => {
    // A filled 40×100 bar in the top-left corner of a 200×200 canvas.
    const w = 200,
      grey = new Float32Array(w * w);
    for (let y = 5; y < 105; y++) for (let x = 10; x < 50; x++) grey[y * w + x] = 1;
    const out = toMnist(grey, w, w)!;
    let mass = 0,
      mx = 0,
      my = 0,
      x0 = 28,
      x1 = -1,
      y0 = 28,
      y1 = -1;
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) {
        const v = out[y * 28 + x];
        if (v > 0.5) [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
        mass += v;
        mx += v * (x + 0.5);
        my += v * (y + 0.5);
      }
    expect(y1 - y0 + 1).toBe(20); // the long side is 20 pixels
    expect(x1 - x0 + 1).toBe(8); // 40/100 of it, keeping the aspect ratio
    expect(Math.abs(mx / mass - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(my / mass - 14)).toBeLessThanOrEqual(0.5);
  });
});

describe('settings in the URL', () => {
  const tp = {
    name: 'tp',
    source: '',
    description: '',
    config: {
      preset: 'tp',
      layers: [784, 128, 64, 10],
      learning_rate: 0.001,
      batch_size: 1,
      epochs: 30,
      bias: false,
      shuffle: false,
    } as unknown as TrainConfig,
  };
  it('round-trips the fields that differ from the preset', () => {
    const q = queryFromConfig(tp as PresetInfo, {
      ...tp.config,
      batch_size: 32,
      layers: [784, 30, 10],
      bias: true,
      shuffle: true,
    });
    expect(q).toBe('preset=tp&layers=784-30-10&bias=1&batch_size=32&shuffle=1');
    const back = configFromQuery(q, [tp as PresetInfo]);
    expect(back.errors).toEqual([]);
    expect(back.overrides).toEqual({ layers: [784, 30, 10], bias: true, batch_size: 32, shuffle: true });
  });
  it('refuses unknown keys and out-of-range values with a message naming them', () => {
    const r = configFromQuery('preset=nope&learning_rate=-1&epochs=2.5&colour=red', [tp as PresetInfo]);
    expect(r.preset).toBe('tp');
    expect(r.overrides).toEqual({});
    const text = r.errors.join('\n');
    expect(text).toMatch(/preset "nope"/);
    expect(text).toMatch(/learning_rate.*above 0/);
    expect(text).toMatch(/epochs.*whole number/);
    expect(text).toMatch(/unknown setting "colour"/);
  });
});

describe('groups of runs', () => {
  const run = (seed: number, m: Partial<EpochMetrics>) => ({
    config: { seed, learning_rate: 0.01 },
    history: [{ epoch: 1, ...m } as EpochMetrics],
  });
  it("takes a run's test error, else its validation error, else its training error", () => {
    expect(finalError(run(1, { train_error: 0.3, validation_error: 0.2, test_error: 0.1 }))).toBe(0.1);
    expect(finalError(run(1, { train_error: 0.3, validation_error: 0.2 }))).toBe(0.2);
    expect(finalError(run(1, { train_error: 0.3 }))).toBe(0.3);
    expect(finalError({ history: [] })).toBeNull();
  });
  it('reports mean ± sample standard deviation over seeds (n − 1), and each seed', () => {
    expect(meanAndStd([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3) });
    expect(meanAndStd([7])).toEqual({ mean: 7, std: 0 });
    const text = describeGroup(
      'tp × 3 seeds',
      [run(1, { test_error: 0.02 }), run(2, { test_error: 0.03 }), run(3, { test_error: 0.04 })],
      false,
    );
    expect(text).toBe(
      'tp × 3 seeds: 3 runs, final error 3.00% ± 1.00% (mean ± std); seed=1 → 2.00%, seed=2 → 3.00%, seed=3 → 4.00%',
    );
  });
  it('lists a sweep by learning rate', () => {
    const runs = [0.001, 0.03].map((lr, i) => ({
      config: { seed: 1, learning_rate: lr },
      history: [{ epoch: 1, test_error: 0.1 * (i + 1) } as EpochMetrics],
    }));
    expect(describeGroup('learning-rate sweep', runs, true)).toBe(
      'learning-rate sweep: learning_rate=0.001 → 10.00%, learning_rate=0.03 → 20.00%',
    );
  });
});

describe('CSV exports', () => {
  const m = {
    epoch: 1,
    train_loss: 0.5,
    train_error: 0.1,
    test_error: 0.08,
    learning_rate: 0.001,
    seconds: 2,
    samples_per_second: 4000,
  } as EpochMetrics;
  it('writes one line per epoch under a header, leaving metrics not measured empty', () => {
    expect(curvesCsv([m])).toBe(
      'epoch,train_loss,train_error,validation_loss,validation_error,test_loss,test_error,learning_rate,seconds,samples_per_second\n' +
        '1,0.5,0.1,,,,0.08,0.001,2,4000\n',
    );
  });
  it('quotes run labels that hold commas or quotes', () => {
    const lines = runsCsv([{ label: 'lr=0.1, "fast"', history: [m] }]).split('\n');
    expect(lines[0].startsWith('run,epoch,')).toBe(true);
    expect(lines[1]).toBe('"lr=0.1, ""fast""",1,0.5,0.1,,,,0.08,0.001,2,4000');
  });
});

describe('maybeGunzip', () => {
  it('unpacks gzip, passes raw bytes through, names the file when truncated', async () => {
    const raw = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 2, 3, 4]);
    const gz = new Uint8Array(gzipSync(raw));
    expect([...(await maybeGunzip('a.gz', gz)).bytes]).toEqual([...raw]);
    expect((await maybeGunzip('a', raw)).gzipped).toBe(false);
    await expect(maybeGunzip('cut.gz', gz.subarray(0, 12))).rejects.toThrow(/cut\.gz: .*truncated or corrupt/);
  });
});

// ---- TrainerCore with a fake engine ---------------------------------------------------------

/** A stand-in Session: counts batches and epochs the way the engine reports them. */
function fakeEngine(opts: { batchesPerEpoch: number; epochs: number; throwOnBatch?: number }): Engine {
  class FakeSession implements Partial<Session> {
    batch = 0;
    epochsDone = 0;
    configured = false;
    describeIdx(name: string, bytes: Uint8Array) {
      const rank = bytes[3];
      const count = (bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) | bytes[7];
      return JSON.stringify({
        ok: true,
        kind: rank === 3 ? 'images' : 'labels',
        count,
        dims: rank === 3 ? [count, 28, 28] : [count],
      });
    }
    setDataset(_slot: string, _i: string, _ib: Uint8Array, _l: string, lb: Uint8Array) {
      return JSON.stringify({ ok: true, count: lb[7], rows: 28, cols: 28, histogram: new Array(10).fill(0) });
    }
    configure() {
      this.configured = true;
      this.batch = this.epochsDone = 0;
      return JSON.stringify({
        ok: true,
        config: { epochs: opts.epochs, batch_size: 10, learning_rate: 0.1 },
        train_count: 100,
        validation_count: 0,
        test_count: 10,
        batches_per_epoch: opts.batchesPerEpoch,
      });
    }
    losses: number[] = [];
    train(max: number) {
      const losses: number[] = (this.losses = []);
      const epochs: unknown[] = [];
      for (let i = 0; i < max && this.epochsDone < opts.epochs; i++) {
        if (
          opts.throwOnBatch !== undefined &&
          this.epochsDone * opts.batchesPerEpoch + this.batch === opts.throwOnBatch
        )
          throw new WebAssembly.RuntimeError('unreachable');
        losses.push(1 / (1 + this.batch));
        if (++this.batch === opts.batchesPerEpoch) {
          this.batch = 0;
          epochs.push({ epoch: ++this.epochsDone, train_error: 0.5, test_error: 0.4 });
        }
      }
      return JSON.stringify({
        ok: true,
        batches: losses.length,
        epochs,
        finished: this.epochsDone >= opts.epochs,
        diverged: null,
        epoch: this.epochsDone,
        batch_in_epoch: this.batch,
        batches_per_epoch: opts.batchesPerEpoch,
        learning_rate: 0.1,
      });
    }
    batchLosses() {
      return Float32Array.from(this.losses);
    }
    exportModel() {
      return `{"epoch":${this.epochsDone},"batch":${this.batch}}`;
    }
  }
  return {
    Session: FakeSession,
    presets: () => '[]',
    settingsSchema: () => '[]',
    version: () => 'fake',
    maxThreads: () => 1,
    memoryStats: () => '{"ok":false}',
  } as unknown as Engine;
}

function harness(engine: Engine) {
  const { core, events, send: call } = trainerHarness(engine, () => new Promise((r) => setTimeout(r, 0)));
  const idx = (rank: number, count: number) => Uint8Array.from([0, 0, 8, rank, 0, 0, 0, count]).buffer;
  return { core, events, call, idx };
}

describe('TrainerCore', () => {
  it('trains in chunks that end on epoch boundaries, exporting each epoch model', async () => {
    const h = harness(fakeEngine({ batchesPerEpoch: 7, epochs: 3 }));
    await h.call('init', { base: '/' });
    expect(
      (
        await h.call('loadFiles', {
          files: [
            { name: 'i', bytes: h.idx(3, 9) },
            { name: 'l', bytes: h.idx(1, 9) },
          ],
        })
      ).kind,
    ).toBe('reply');
    expect(await h.call('configure', { config: {} })).toMatchObject({ ok: true });
    expect(await h.call('start')).toMatchObject({ ok: true, result: 'running' });
    await expect.poll(() => h.events.some((e) => e.type === 'state' && e.state === 'finished')).toBe(true);
    const epochs = h.events.filter((e) => e.type === 'epoch');
    expect(epochs.map((e) => e.type === 'epoch' && e.model)).toEqual([
      '{"epoch":1,"batch":0}',
      '{"epoch":2,"batch":0}',
      '{"epoch":3,"batch":0}',
    ]);
    const losses = h.events.flatMap((e) => (e.type === 'progress' ? [...e.batchLosses] : []));
    expect(losses.length).toBe(21);
  });

  it('pauses between chunks, steps one batch, and refuses to resume a stopped run', async () => {
    const h = harness(fakeEngine({ batchesPerEpoch: 1000, epochs: 1000 }));
    await h.call('init', { base: '/' });
    await h.call('configure', { config: {} });
    await h.call('start');
    await new Promise((r) => setTimeout(r, 30));
    expect(await h.call('pause')).toMatchObject({ ok: true, result: 'paused' });
    await new Promise((r) => setTimeout(r, 10));
    const before = h.events.filter((e) => e.type === 'progress').at(-1);
    expect(await h.call('step')).toMatchObject({ ok: true, result: 'paused' });
    const after = h.events.filter((e) => e.type === 'progress').at(-1);
    expect(after?.type === 'progress' && before?.type === 'progress' && after.batches - before.batches).toBe(1);
    expect(await h.call('stop')).toMatchObject({ ok: true, result: 'stopped' });
    expect(await h.call('start')).toMatchObject({ ok: false });
  });

  it('reports an engine trap as fatal (the page then replaces the worker)', async () => {
    const h = harness(fakeEngine({ batchesPerEpoch: 5, epochs: 5, throwOnBatch: 12 }));
    await h.call('init', { base: '/' });
    await h.call('configure', { config: {} });
    await h.call('start');
    await expect
      .poll(() => h.events.find((e) => e.type === 'fatal'))
      .toMatchObject({ message: expect.stringMatching(/unreachable/) });
    expect(h.events.filter((e) => e.type === 'epoch').length).toBe(2);
    expect(await h.call('predict', { pixels: new Float32Array(784) })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/crashed/),
    });
  });
});
