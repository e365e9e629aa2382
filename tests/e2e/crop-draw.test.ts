// A crop convnet on the drawing pad, as a user meets it: choose the `convnetjs` preset (the
// network reads 24×24 windows of each 28×28 digit, and a prediction is the mean softmax of 4
// fixed windows), train briefly on the demo digits, draw a digit. The page still sends the
// whole 28×28 drawing, and the engine does the cropping: the prediction shown must be what the
// same engine's reading rule gives for those pixels from the saved model file — a second path
// (the model as a file, loaded into a fresh engine in Node) that reads the crop from the file
// instead of from the live run. "Understand the model" shows the crop model's feature maps,
// whose sizes are those of a 24×24 input.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { EngineSession, failed, type Prediction } from '../../web/core/session';
import { engineFor } from '../web/helpers';
import { SEVEN, drawStrokes, root, shotsDir, useBrowser, usePage } from './browser';
import { setField, trainToEnd } from './page-actions';

const browser = useBrowser();

/** The ten bars' values as the page shows them ("12.3%"), in digit order. */
const barTexts = (page: Page) => page.locator('#probabilities .bar-value').allTextContents();

describe('a crop convnet (convnetjs) on the drawing pad', () => {
  const page = usePage(browser, '');

  it('predicts a drawing as the engine reads it from the saved model, and shows its feature maps', async () => {
    await page().selectOption('#preset', 'convnetjs');
    if ((await page().getAttribute('#settings', 'open')) === null) await page().click('#settings summary');
    expect(await page().inputValue('#field-layers')).toBe('576-conv5x8same-pool2-conv5x16same-pool3-10');
    expect(await page().inputValue('#field-crop')).toBe('24');
    await setField(page(), 'epochs', '1');
    await setField(page(), 'limit', '2000');
    await trainToEnd(page(), 120_000);

    await drawStrokes(page(), SEVEN);
    const digit = await page().getAttribute('#prediction', 'data-digit');
    expect(digit).toMatch(/^\d$/);
    const shown = (await barTexts(page())).map((t) => Number(t.replace('%', '')) / 100);
    expect(shown).toHaveLength(10);
    // Ten probabilities, each rounded to 0.1 % on the page: they sum to 1 within the rounding.
    expect(Math.abs(shown.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(10 * 0.0005 + 1e-9);

    // The pixels the page sent for the drawing, and the model as the user saves it.
    const pixels = await page().evaluate(
      () => (globalThis as unknown as { digitrain: { drawnInput: number[] | null } }).digitrain.drawnInput,
    );
    expect(pixels).toHaveLength(28 * 28);
    const [download] = await Promise.all([page().waitForEvent('download'), page().click('#save-model')]);
    const path = `${root}test-results/crop-model.json`;
    await download.saveAs(path);
    const text = readFileSync(path, 'utf8');

    // The same build of the engine the page's worker runs, in Node, from the file.
    const session = new EngineSession(await engineFor('mt'));
    let reading: Prediction;
    try {
      const info = session.importModel(text, 'crop-model.json');
      if (failed(info)) throw new Error(info.error);
      const r = session.predict(Float32Array.from(pixels!));
      if (failed(r)) throw new Error(r.error);
      reading = r;
    } finally {
      session.dispose();
    }
    expect(reading.probabilities).toHaveLength(10);
    expect(Math.abs(reading.probabilities.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
    expect(String(reading.predicted)).toBe(digit);
    expect(await barTexts(page())).toEqual(reading.probabilities.map((p) => `${(p * 100).toFixed(1)}%`));

    // The feature maps of the drawing, for the network's 24×24 input.
    await expect
      .poll(() => page().locator('#feature-maps figure > figcaption').allTextContents(), { timeout: 10_000 })
      .toEqual([
        'Layer 1, conv5x8same: 8 maps of 24×24, after its activation',
        'Layer 2, pool2: 8 maps of 12×12, max pooled',
        'Layer 3, conv5x16same: 16 maps of 12×12, after its activation',
        'Layer 4, pool3: 16 maps of 4×4, max pooled',
      ]);
    expect(await page().locator('#feature-maps canvas').count()).toBe(8 + 8 + 16 + 16);
    await page()
      .locator('#understand')
      .screenshot({ path: `${shotsDir}/crop-convnet.png` });
  });
});
