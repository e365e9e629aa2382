// The engine end to end in Node, on both builds: the committed fixture digits (3,000 train,
// 1,000 test), two epochs of training, evaluation, prediction with activations, the model
// file and .npz out and back in, the lab's 2-2-1 hand computation, and the errors a person
// makes choosing files, each answered as a value that names the file, after which the
// session still works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../web/core/engine';
import { EngineSession, failed, type Result } from '../../web/core/session';
import { BUILDS, digits, engineFor, fixture, idx } from './helpers';

function ok<T>(r: Result<T>): T {
  if (failed(r)) throw new Error(`engine said: ${r.error}`);
  return r;
}

function refused(r: Result<unknown>): string {
  expect(r.ok, 'the call should have failed').toBe(false);
  return failed(r) ? r.error : '';
}

// Lab "ANN for Handwritten Digits Recognition", Question 1.1.1: 2-2-1 sigmoid network with
// biases, MSE, x = (0.8, 0.2), y = 0.4, learning rate 5 (the fixture the native inspector and
// CLI tests use too).
const labModel = new TextDecoder().decode(fixture('models', 'lab-2-2-1.json'));

describe.each(BUILDS)('%s build', (build) => {
  let engine: Engine;
  let s: EngineSession;
  const threads = build === 'mt' ? 2 : 1;

  beforeAll(async () => {
    engine = await engineFor(build);
    s = new EngineSession(engine);
  });
  afterAll(() => s?.dispose());

  it('describes IDX files and loads the fixture digits', () => {
    const labels = ok(s.describeIdx('train-labels-idx1-ubyte', digits.trainLabels()));
    expect(labels).toMatchObject({ kind: 'labels', labels_shape: true, type: 'u8', dims: [3000], count: 3000 });
    expect(labels.histogram!.reduce((a, b) => a + b, 0)).toBe(3000);
    expect(ok(s.describeIdx('train-images-idx3-ubyte', digits.trainImages()))).toMatchObject({
      kind: 'images',
      labels_shape: false,
      dims: [3000, 28, 28],
      rows: 28,
      cols: 28,
    });
    // One value per sample but not all digits: not labels, and the engine says which rule failed.
    expect(ok(s.describeIdx('label-12-idx1-ubyte', fixture('malformed', 'label-12-idx1-ubyte')))).toMatchObject({
      kind: 'other',
      labels_shape: true,
      dims: [5],
    });

    const train = ok(
      s.setDataset(
        'train',
        'train-images-idx3-ubyte.gz',
        digits.trainImages(),
        'train-labels-idx1-ubyte.gz',
        digits.trainLabels(),
      ),
    );
    expect(train).toMatchObject({ count: 3000, rows: 28, cols: 28 });
    expect(train.histogram).toEqual(labels.histogram);
    expect(
      ok(
        s.setDataset(
          'test',
          't10k-images-idx3-ubyte.gz',
          digits.testImages(),
          't10k-labels-idx1-ubyte.gz',
          digits.testLabels(),
        ),
      ).count,
    ).toBe(1000);

    // Previews are copies of the loaded bytes.
    const raw = digits.trainImages();
    const images = s.sampleImages('train', 5, 2);
    expect(images.length).toBe(2 * 784);
    expect(Array.from(images)).toEqual(Array.from(raw.subarray(16 + 5 * 784, 16 + 7 * 784)));
    expect(Array.from(s.sampleLabels('train', 0, 10))).toEqual(Array.from(digits.trainLabels().subarray(8, 18)));
    expect(s.sampleImages('test', 999, 10).length).toBe(784); // clipped at the end of the set
  });

  it('trains two epochs, learning something', () => {
    const run = ok(s.configure({ preset: 'tp', batch_size: 32, learning_rate: 0.01, epochs: 2, threads }));
    expect(run).toMatchObject({ train_count: 3000, test_count: 1000, validation_count: 0, batches_per_epoch: 94 });
    expect(run.threads).toEqual({
      requested: threads,
      used: threads,
      max: engine.maxThreads(),
      reason: `${threads} thread${threads > 1 ? 's' : ''}, as set`,
    });
    expect(run.config.threads).toBe(threads);

    const first = ok(s.train(10));
    expect(first.batches).toBe(10);
    expect(first.batch_losses).toBeInstanceOf(Float32Array);
    expect(first.batch_losses).toHaveLength(10);
    for (const loss of first.batch_losses) expect(loss).toBeGreaterThan(0);
    expect(first.batch_in_epoch).toBe(10);
    expect(first.finished).toBe(false);

    let last = first;
    const epochs = [...first.epochs];
    while (!last.finished) {
      last = ok(s.train(50));
      epochs.push(...last.epochs);
    }
    expect(last.diverged).toBeNull();
    expect(epochs.map((m) => m.epoch)).toEqual([1, 2]);
    expect(epochs[1].test_error!).toBeLessThan(epochs[0].test_error!);
    expect(epochs[1].test_error!).toBeLessThan(0.3);
    expect(epochs[1].samples_per_second!).toBeGreaterThan(0);
    expect(ok(s.train(5)).batches).toBe(0); // finished: nothing more to do
  });

  it("gives each call's batch losses as one typed array: the engine's values, split as trained", () => {
    const other = new EngineSession(engine);
    try {
      ok(other.setDataset('train', 'train-images', digits.trainImages(), 'train-labels', digits.trainLabels()));
      // One batch of the whole set: its loss is the loss of the weights it started from, which
      // evaluate computes by another path (double sums, its own pass over the set).
      ok(other.configure({ preset: 'tp', batch_size: 0, epochs: 1, threads }));
      const before = ok(other.evaluate('train', false)).loss!;
      const full = ok(other.train(1));
      expect(full.batch_losses).toHaveLength(1);
      expect(Math.abs(full.batch_losses[0] - before)).toBeLessThanOrEqual(1e-5 * before);

      // The same run trained in one call or in three gives the same losses, each call its own.
      const lossesIn = (chunks: number[]): number[] => {
        ok(other.configure({ preset: 'tp', batch_size: 16, epochs: 1, threads }));
        return chunks.flatMap((n) => {
          const r = ok(other.train(n));
          expect(r.batch_losses).toHaveLength(r.batches);
          return Array.from(r.batch_losses);
        });
      };
      const whole = lossesIn([30]);
      expect(whole).toHaveLength(30);
      expect(lossesIn([4, 1, 25])).toEqual(whole);

      // A diverging run reports the batches it trained (the diverged one is not among them).
      ok(other.configure({ preset: 'numpy-tutorial', learning_rate: 100, epochs: 1, threads }));
      let step = ok(other.train(1000));
      while (!step.finished) {
        expect(step.batch_losses).toHaveLength(step.batches);
        step = ok(other.train(1000));
      }
      expect(step.diverged).toMatch(/diverged/);
      expect(step.batch_losses).toHaveLength(step.batches);
      expect(step.batch_losses.every(Number.isFinite)).toBe(true);
    } finally {
      other.dispose();
    }
  });

  it('evaluates, with predictions, consistently with the last epoch', () => {
    const ev = ok(s.evaluate('test', true));
    expect(ev.count).toBe(1000);
    expect(ev.confusion.flat().reduce((a, b) => a + b, 0)).toBe(1000);
    expect(ev.predicted).toHaveLength(1000);
    expect(ev.outputs).toBe(10);
    expect(ev.probabilities).toHaveLength(10000);
    const wrong = ev.predicted!.filter((p, i) => p !== digits.testLabels()[8 + i]).length;
    expect(ev.error).toBeCloseTo(wrong / 1000, 12);
    expect(ok(s.evaluate('train', false)).count).toBe(3000);
    expect(ok(s.evaluate('validation', false)).count).toBe(0);
  });

  it("predicts one drawing, with every layer's activations", () => {
    const pixels = Float32Array.from(s.sampleImages('test', 0, 1), (v) => v / 255);
    const p = ok(s.predict(pixels));
    expect(p.activations.map((a) => a.length)).toEqual([128, 64, 10]);
    expect(p.activations[2]).toEqual(p.probabilities);
    expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(p.predicted).toBe(p.probabilities.indexOf(Math.max(...p.probabilities)));
    expect(p.predicted).toBe(ok(s.evaluate('test', true)).predicted![0]);
    expect(refused(s.predict(new Float32Array(10)))).toMatch(/10 values .* 784 inputs/);
  });

  it('exports the model and the .npz, and imports the model into another session', () => {
    const model = ok(s.exportModel()).text;
    const doc = JSON.parse(model);
    expect(doc.format).toBe('digitrain-model');
    expect(doc.history).toHaveLength(2);
    expect(doc.config.batch_size).toBe(32);

    const npz = ok(s.exportNpz()).bytes;
    expect(npz.length).toBeGreaterThan(784 * 128 * 4);
    expect(String.fromCharCode(npz[0], npz[1])).toBe('PK');

    const other = new EngineSession(engine);
    try {
      const info = ok(other.importModel(model, 'model.json'));
      expect(info).toMatchObject({ layers: [784, 128, 64, 10], loss: 'cross-entropy', bias: false });
      expect(info.history).toHaveLength(2);
      const pixels = Float32Array.from(s.sampleImages('test', 3, 1), (v) => v / 255);
      expect(ok(other.predict(pixels)).probabilities).toEqual(ok(s.predict(pixels)).probabilities);
      expect(Array.from(ok(other.exportNpz()).bytes)).toEqual(Array.from(npz));
      ok(other.setDataset('test', 't10k-images', digits.testImages(), 't10k-labels', digits.testLabels()));
      expect(ok(other.evaluate('test', false)).error).toBe(ok(s.evaluate('test', false)).error);

      // Continuing from the model: its weights and its two epochs of history.
      ok(other.setDataset('train', 'train-images', digits.trainImages(), 'train-labels', digits.trainLabels()));
      const cont = ok(other.configure({ epochs: 3, threads }, model));
      expect(cont.epoch).toBe(2);
      expect(cont.config.learning_rate).toBe(0.01);
      let step = ok(other.train(1000));
      expect(step.epochs.map((m) => m.epoch)).toEqual([3]);
      expect(step.finished).toBe(true);
      step = ok(other.train(1));
      expect(step.batches).toBe(0);
    } finally {
      other.dispose();
    }
  });

  it("inspects the lab's 2-2-1 example in double precision", () => {
    const r = ok(s.inspect(labModel, [0.8, 0.2], [0.4], 5));
    const tol = 1e-12;
    expect(Math.abs(r.output_before[0] - 0.5597295991095778)).toBeLessThan(tol);
    expect(Math.abs(r.layers[0].z[0] - 0.6)).toBeLessThan(tol);
    expect(Math.abs(r.layers[0].z[1] - -0.76)).toBeLessThan(tol);
    expect(Math.abs(r.layers[1].weights_after[0][0] - -0.8541467506279606)).toBeLessThan(tol);
    expect(Math.abs(r.layers[0].bias_after![0] - 0.25403317902693395)).toBeLessThan(tol);
    expect(Math.abs(r.output_after[0] - 0.40648823589210104)).toBeLessThan(tol);
    expect(refused(s.inspect(labModel, [0.8], [0.4], 5))).toMatch(/input has 1 values/);
  });

  describe('bad input is refused with a message naming the file, and the session still works', () => {
    let baseline = 0;
    beforeAll(() => {
      baseline = ok(s.evaluate('test', false)).error!;
    });
    const stillWorks = () => {
      expect(ok(s.evaluate('test', false)).error).toBe(baseline);
      expect(ok(s.predict(new Float32Array(784))).probabilities).toHaveLength(10);
    };

    it('PNG bytes as images', () => {
      const png = fixture('malformed', 'png-magic-idx3-ubyte');
      const error = refused(s.setDataset('train', 'digit.png', png, 'train-labels', digits.trainLabels()));
      expect(error).toMatch(/^digit\.png: /);
      expect(error).toMatch(/PNG/);
      expect(refused(s.describeIdx('digit.png', png))).toMatch(/^digit\.png: bad magic/);
      expect(s.sampleImages('train', 0, 1).length).toBe(784); // the slot kept its images
      stillWorks();
    });

    // A test-set pair with one bad file: refused under that file's name.
    type NamedBytes = [name: string, bytes: Uint8Array];
    const badTestPairs: { what: string; images: NamedBytes; labels: NamedBytes; error: RegExp }[] = [
      {
        what: 'a truncated IDX file',
        images: ['truncated-images-idx3-ubyte', fixture('malformed', 'truncated-images-idx3-ubyte')],
        labels: ['labels', idx([10], new Uint8Array(10))],
        error: /^truncated-images-idx3-ubyte: truncated: expected 7840 bytes of payload, got 100/,
      },
      {
        what: 'a label that is not a digit',
        images: ['five-images', idx([5, 28, 28], new Uint8Array(5 * 784))],
        labels: ['label-12-idx1-ubyte', fixture('malformed', 'label-12-idx1-ubyte')],
        error: /^label-12-idx1-ubyte: label 12 at index 3 is not a digit 0\.\.9/,
      },
    ];
    for (const { what, images, labels, error } of badTestPairs)
      it(what, () => {
        expect(refused(s.setDataset('test', ...images, ...labels))).toMatch(error);
        stillWorks();
      });

    it('files over the browser limit, and headers claiming more, before anything is allocated', () => {
      const huge = new Uint8Array((100 << 20) + 1);
      const error = refused(s.setDataset('train', 'huge-images', huge, 'train-labels', digits.trainLabels()));
      expect(error).toMatch(/^huge-images: is 100 MB unpacked; the browser engine reads IDX files of up to 100 MB/);
      // 10^9 images of 28×28 claimed by a 16-byte header: refused by the size check, not by running out of memory.
      const claim = idx([1_000_000_000, 28, 28], new Uint8Array(0));
      expect(refused(s.describeIdx('claims-a-billion', claim))).toMatch(/^claims-a-billion: .*(too large|limit)/);
      stillWorks();
    });

    it('gzip bytes that were not unpacked', () => {
      const gz = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
      expect(refused(s.describeIdx('t10k-labels-idx1-ubyte.gz', gz))).toMatch(/^t10k-labels-idx1-ubyte\.gz: .*gzip/);
      stillWorks();
    });

    it('labels whose count differs from the images', () => {
      const error = refused(
        s.setDataset('train', 'train-images', digits.trainImages(), 't10k-labels', digits.testLabels()),
      );
      expect(error).toContain('train-images has 3000 images');
      expect(error).toContain('t10k-labels has 1000 labels');
      stillWorks();
    });

    it('a model file from a newer version', () => {
      const doc = JSON.parse(labModel);
      doc.version = 99;
      const error = refused(s.importModel(JSON.stringify(doc), 'future-model.json'));
      expect(error).toMatch(/^future-model\.json: "version" is 99/);
      expect(refused(s.configure({ epochs: 1 }, JSON.stringify(doc)))).toMatch(/"version" is 99/);
      expect(refused(s.importModel('not json', 'notes.txt'))).toMatch(/^notes\.txt: not valid JSON/);
      stillWorks();
    });

    it('settings out of range or unknown', () => {
      expect(refused(s.configure({ preset: 'tp', batch_size: -3 }))).toMatch(/batch/);
      expect(refused(s.configure('{"learning_rat": 0.1}'))).toMatch(/unknown setting "learning_rat"/);
      expect(refused(s.configure('{"preset": "nope"}'))).toMatch(/nope/);
      expect(refused(s.configure('{oops'))).toMatch(/not valid JSON/);
      expect(refused(s.configure({ preset: 'tp', layers: [100, 10] }))).toMatch(/784/);
      stillWorks();
    });
  });

  if (build === 'mt') {
    it('clamps threads to the pool and says so', () => {
      const other = new EngineSession(engine);
      try {
        ok(other.setDataset('train', 'ti', digits.trainImages(), 'tl', digits.trainLabels()));
        const run = ok(other.configure({ preset: 'tp', batch_size: 32, epochs: 1, limit: 320, threads: 16 }));
        expect(run.threads.requested).toBe(16);
        // The pool's clamp is the run's count; its batch of 32 is shared by at most 2 of them.
        expect(run.config.threads).toBeLessThanOrEqual(engine.maxThreads());
        expect(run.threads.used).toBe(Math.min(2, run.config.threads));
        expect(run.warnings.join(' ')).toMatch(/threads: 16 requested, clamped to \d/);
        expect(ok(other.train(100)).finished).toBe(true);
      } finally {
        other.dispose();
      }
    });
  }
});
