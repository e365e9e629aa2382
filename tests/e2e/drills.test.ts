// Failure drills at the page level not covered by features.test.ts, each as a user
// meets it, and each ending with what was loaded still loaded:
//   - wrong data files: images given as labels, labels from a dataset of another size, a PNG
//     renamed to .idx, an empty file, a truncated .gz, a "labels" file holding a 12 → a message
//     naming the file;
//   - wrong model files: a shape mismatch, NaN weights (null in JSON), an unknown activation →
//     refused with a message naming the field; the current model stays and still predicts;
//   - the `lab` preset's 10,000 validation digits on the demo set's 8,000 → fitted to a fifth (by the engine),
//     said in one line, and the run trains with a validation curve; its subset run (1,000 / 200) too.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, inject, it } from 'vitest';
import { idxBytes } from '../../web/data/idx';
import { ONE, drawStrokes, openPage, root, shot, useBrowser } from './browser';
import { setField, trainToEnd } from './page-actions';

const fixtures = `${root}tests/fixtures`;
const out = `${root}test-results`;

const browser = useBrowser();

describe('wrong data files', () => {
  it('names each wrong file and what is wrong with it; the demo digits stay loaded', async () => {
    const { page } = await openPage(browser(), inject('isolatedUrl'));
    const demo = (await page.textContent('#data-status')) ?? '';
    expect(demo).toMatch(/Training: 8,000 digits/);

    // Wrong files, made from the fixtures under the names a student would have.
    copyFileSync(`${fixtures}/digits/t10k-images-idx3-ubyte.gz`, `${out}/train-labels-idx1-ubyte.gz`); // images saved as "labels"
    copyFileSync(`${fixtures}/malformed/png-magic-idx3-ubyte`, `${out}/digit.idx`); // a PNG renamed
    copyFileSync(`${fixtures}/malformed/empty-idx1-ubyte`, `${out}/t10k-labels-idx1-ubyte`); // an empty download
    const images = gunzipSync(readFileSync(`${fixtures}/digits/train-images-idx3-ubyte.gz`));
    writeFileSync(`${out}/half-images-idx3-ubyte.gz`, gzipSync(images).subarray(0, 40_000)); // an interrupted download
    writeFileSync(`${out}/five-images-idx3-ubyte`, idxBytes([5, 28, 28], images.subarray(16, 16 + 5 * 784)));
    const trainImages = `${fixtures}/digits/train-images-idx3-ubyte.gz`;

    const cases: { files: string[]; message: RegExp }[] = [
      {
        // Images given as labels: the content says images, whatever the name.
        files: [trainImages, `${out}/train-labels-idx1-ubyte.gz`],
        message:
          /train-labels-idx1-ubyte\.gz holds 1,000 images of 28×28, but no labels file has 1,000 labels .* Its name says labels, but it holds images\./,
      },
      {
        // Labels of another dataset size: 3,000 images with the 1,000 test labels.
        files: [trainImages, `${fixtures}/digits/t10k-labels-idx1-ubyte.gz`],
        message:
          /train-images-idx3-ubyte\.gz holds 3,000 images of 28×28, but no labels file has 3,000 labels \(t10k-labels-idx1-ubyte\.gz: 1,000 labels\)/,
      },
      {
        files: [`${out}/digit.idx`, `${fixtures}/digits/train-labels-idx1-ubyte.gz`],
        message: /digit\.idx: bad magic.*PNG/,
      },
      { files: [trainImages, `${out}/t10k-labels-idx1-ubyte`], message: /t10k-labels-idx1-ubyte: empty file/ },
      {
        files: [`${out}/half-images-idx3-ubyte.gz`, `${fixtures}/digits/train-labels-idx1-ubyte.gz`],
        message: /half-images-idx3-ubyte\.gz: the gzip data is truncated or corrupt/,
      },
      {
        files: [`${out}/five-images-idx3-ubyte`, `${fixtures}/malformed/label-12-idx1-ubyte`],
        message:
          /label-12-idx1-ubyte: holds 5 values shaped like labels, but not all of them are digits 0\.\.9, so it is not a labels file/,
      },
    ];
    for (const { files, message } of cases) {
      await page.setInputFiles('#file-input', files);
      await expect.poll(() => page.textContent('#data-error'), { timeout: 5000 }).toMatch(message);
      expect(await page.textContent('#data-error')).toMatch(/^These files were not loaded:/);
      // What was loaded stays loaded, and the page says so.
      expect(await page.textContent('#data-status')).toBe(demo);
      expect(await page.getAttribute('#data-status', 'data-source')).toBe('demo');
    }
    await shot(page, 'drill-wrong-files');
    // The demo digits are still the ones a run trains on.
    await page.click('#step-button');
    await expect.poll(() => page.textContent('#train-status')).toMatch(/8,000 training|batch 1\//);
    await page.close();
  });
});

describe('wrong model files', () => {
  it('refuses a shape mismatch, NaN weights and an unknown activation by field; the current model stays', async () => {
    // A valid 784-10 softmax model with small weights.
    const weights = Array.from({ length: 784 }, (_, i) =>
      Array.from({ length: 10 }, (_, j) => (((i * 7 + j * 13) % 17) - 8) / 400),
    );
    const good = {
      format: 'digitrain-model',
      version: 1,
      loss: 'cross-entropy',
      input: { rows: 28, cols: 28, scale: 'pixel/255' },
      layers: [{ inputs: 784, outputs: 10, activation: 'softmax', weights, bias: Array(10).fill(0) }],
    };
    const write = (name: string, model: unknown) => {
      writeFileSync(`${out}/${name}`, JSON.stringify(model));
      return `${out}/${name}`;
    };
    const layer = good.layers[0];
    const nan = weights.map((row) => [...row]);
    (nan[5] as (number | null)[])[3] = null; // how JSON writes NaN
    const cases: [string, unknown, RegExp][] = [
      [
        'shape.json',
        { ...good, layers: [{ ...layer, weights: weights.slice(0, 783) }] },
        /shape\.json: layers\[0\]\.weights has 783 rows, expected 784 \(one per input\)/,
      ],
      [
        'inputs.json',
        { ...good, input: { rows: 28, cols: 27, scale: 'pixel/255' } },
        /inputs\.json: input is 28×27 = 756 pixels but layers\[0\]\.inputs is 784/,
      ],
      [
        'nan.json',
        { ...good, layers: [{ ...layer, weights: nan }] },
        /nan\.json: layers\[0\]\.weights\[5\]\[3\] is not a finite number \(got null\)/,
      ],
      [
        'activation.json',
        { ...good, layers: [{ ...layer, activation: 'swish' }] },
        /activation\.json: layers\[0\]\.activation "swish" is not one of sigmoid, tanh, relu, identity, softmax/,
      ],
    ];

    const { page } = await openPage(browser(), inject('isolatedUrl'));
    await page.setInputFiles('#model-input', write('good-model.json', good));
    await expect
      .poll(() => page.textContent('#model-status'))
      .toMatch(/Loaded good-model\.json: a 784-10 network, cross-entropy loss/);
    const loaded = await page.textContent('#model-status');
    for (const [name, model, message] of cases) {
      await page.setInputFiles('#model-input', write(name, model));
      await expect.poll(() => page.textContent('#model-error'), { timeout: 5000 }).toMatch(message);
      expect(await page.textContent('#model-error')).toMatch(/The current model is unchanged\./);
      expect(await page.textContent('#model-status')).toBe(loaded);
    }
    await shot(page, 'drill-wrong-models');
    // The model that stayed still predicts.
    await drawStrokes(page, ONE);
    await expect.poll(() => page.getAttribute('#prediction', 'data-digit')).toMatch(/^\d$/);
    await page.close();
  });
});

describe('validation split on the demo set', () => {
  it("fits the lab preset's 10,000 validation digits to a fifth of the 8,000, says so in one line, and trains", async () => {
    const { page, errors } = await openPage(browser(), inject('isolatedUrl') + '?preset=lab&epochs=3');
    // The split is the run's (the engine fits it), not the data's: the data says only what loaded.
    expect(await page.textContent('#data-status')).toMatch(/Training: 8,000 digits of 28×28; test: /);
    await page.click('#train-button');
    await page.waitForSelector('body[data-train-state="finished"]', { timeout: 20_000 });
    const notes = await page.locator('#train-error p').allTextContents();
    expect(notes.filter((n) => n.startsWith('Validation:'))).toEqual([
      'Validation: The lab preset holds out 10,000 digits for validation, more than the 8,000 training digits loaded; this run holds out 1,600 (a fifth) instead.',
    ]);
    const history = await page.evaluate(
      () =>
        (globalThis as unknown as { digitrain: { history: { validation_error: number | null }[] } }).digitrain.history,
    );
    expect(history.length).toBe(3);
    expect(history.every((m) => m.validation_error !== null)).toBe(true);
    // The form keeps the preset's value: on full MNIST the same link holds out 10,000.
    expect(await page.inputValue('#field-validation')).toBe('10000');
    expect(errors).toEqual([]);
    await page.close();
  });

  it("runs the lab's subset run: the first 1,000 training digits, 200 held-out ones for validation", async () => {
    const { page, errors } = await openPage(browser(), inject('isolatedUrl') + '?preset=lab&epochs=2');
    await page.click('#settings summary');
    await setField(page, 'limit', '1000');
    await setField(page, 'validation_limit', '200');
    await trainToEnd(page);
    const history = await page.evaluate(
      () =>
        (globalThis as unknown as { digitrain: { history: { train_error: number; validation_error: number }[] } })
          .digitrain.history,
    );
    expect(history.length).toBe(2);
    // Error rates counted on exactly 1,000 training and 200 validation digits.
    for (const m of history) {
      expect(Math.abs(m.train_error * 1000 - Math.round(m.train_error * 1000))).toBeLessThan(1e-6);
      expect(Math.abs(m.validation_error * 200 - Math.round(m.validation_error * 200))).toBeLessThan(1e-6);
    }
    expect(new URL(page.url()).searchParams.get('validation_limit')).toBe('200');
    expect(errors).toEqual([]);
    await page.close();
  });
});
