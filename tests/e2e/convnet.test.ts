// A convnet on the page, driven as a user would: choose the tfjs-example preset (or type conv
// layers into the layer field), train briefly on the demo digits, draw a digit; "Understand the
// model" then shows the first conv layer's filters and every conv and pool layer's feature maps
// of the drawing, which change with the drawing. The prediction works as for a dense network,
// and a dense network afterwards gets its usual weights view back.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ONE, SEVEN, drawStrokes, shot, shotsDir, useBrowser, usePage } from './browser';
import { axeViolations, setField, trainToEnd } from './page-actions';

const browser = useBrowser();

/** Every feature map's pixels, one data URL per canvas, in page order. */
const mapPixels = (page: Page) =>
  page.$$eval('#feature-maps canvas', (canvases) => canvases.map((c) => (c as HTMLCanvasElement).toDataURL()));
const mapUpdates = async (page: Page) => Number((await page.getAttribute('#feature-maps', 'data-updates')) ?? 0);

async function openSettings(page: Page): Promise<void> {
  if ((await page.getAttribute('#settings', 'open')) === null) await page.click('#settings summary');
}

describe('a convnet in "Understand the model"', () => {
  const page = usePage(browser, '');

  it('trains tfjs-example, then shows its filters and the feature maps of each drawing', async () => {
    await page().selectOption('#preset', 'tfjs-example');
    await openSettings(page());
    expect(await page().inputValue('#field-layers')).toBe('784-conv5x8-pool2-conv5x16-pool2-10');
    await setField(page(), 'epochs', '1');
    await setField(page(), 'limit', '1000');
    await trainToEnd(page(), 120_000);

    // The first conv layer's 8 filters, each a 5×5 kernel, labelled by filter.
    await expect.poll(() => page().locator('#weights canvas').count(), { timeout: 10_000 }).toBe(8);
    expect(await page().textContent('#weights-title')).toBe('First conv layer: its filters');
    expect(await page().textContent('#weights-hint')).toMatch(/8 filters' 5×5 weights/);
    expect(await page().getAttribute('#weights canvas >> nth=0', 'aria-label')).toBe('5×5 weights of filter 1');
    expect(await page().locator('#weights figcaption').allTextContents()).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
    ]);

    // Before any drawing: where to draw.
    expect(await page().isVisible('#feature-maps-section')).toBe(true);
    expect(await page().textContent('#feature-maps-status')).toMatch(/Draw a digit in section 4/);

    await drawStrokes(page(), SEVEN);
    expect(await page().getAttribute('#prediction', 'data-digit')).toMatch(/^\d$/);
    expect(await page().textContent('#prediction')).toMatch(/^Prediction: \d \(\d+\.\d%\)$/);
    // One group per conv and pool layer, one image per channel: 8 + 8 + 16 + 16.
    await expect.poll(() => page().locator('#feature-maps canvas').count(), { timeout: 10_000 }).toBe(48);
    expect(await page().locator('#feature-maps figure > figcaption').allTextContents()).toEqual([
      'Layer 1, conv5x8: 8 maps of 24×24, after its activation',
      'Layer 2, pool2: 8 maps of 12×12, max pooled',
      'Layer 3, conv5x16: 16 maps of 8×8, after its activation',
      'Layer 4, pool2: 16 maps of 4×4, max pooled',
    ]);
    expect(await page().getAttribute('#feature-maps canvas >> nth=8', 'aria-label')).toBe('pool2 map 1 of 8');
    const seven = await mapPixels(page());
    // A ReLU map of a drawing is not blank everywhere: some map has ink.
    const blank = await page().$eval('#feature-maps canvas', (c) => {
      const canvas = document.createElement('canvas');
      canvas.width = (c as HTMLCanvasElement).width;
      canvas.height = (c as HTMLCanvasElement).height;
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      return canvas.toDataURL();
    });
    expect(seven.some((url) => url !== blank)).toBe(true);
    await page()
      .locator('#understand')
      .screenshot({ path: `${shotsDir}/convnet.png` });

    // Another drawing: the maps are redrawn for it, and differ.
    const before = await mapUpdates(page());
    await page().click('#clear-button');
    await drawStrokes(page(), ONE);
    await expect.poll(() => mapUpdates(page()), { timeout: 10_000 }).toBeGreaterThan(before);
    await expect
      .poll(async () => (await mapPixels(page())).filter((url, i) => url !== seven[i]).length, { timeout: 10_000 })
      .toBeGreaterThan(0);

    // The keyboard's way in: a test digit chosen by number gets its feature maps too.
    const afterOne = await mapPixels(page());
    await page().fill('#test-index', '3');
    await page().click('#classify-test');
    await expect
      .poll(() => page().textContent('#prediction'), { timeout: 10_000 })
      .toMatch(/^Test digit #3 \(labelled \d\): Prediction: \d/);
    await expect
      .poll(async () => (await mapPixels(page())).some((url, i) => url !== afterOne[i]), { timeout: 10_000 })
      .toBe(true);

    expect(await axeViolations(page())).toEqual([]);
    await shot(page(), 'convnet-page');
  });

  it('takes conv layers typed into the layer field; a dense network gets its weights view back', async () => {
    await openSettings(page());
    // Letters must be typeable on a phone too: no number pad for this field.
    expect(await page().getAttribute('#field-layers', 'inputmode')).toBe('text');
    await setField(page(), 'layers', '784, conv3x4s2same, pool2, 10');
    expect(await page().isVisible('#config-error')).toBe(false);
    await setField(page(), 'epochs', '1');
    await trainToEnd(page(), 60_000);
    await expect.poll(() => page().textContent('#weights-hint'), { timeout: 10_000 }).toMatch(/4 filters' 3×3/);
    await expect.poll(() => page().locator('#weights canvas').count(), { timeout: 10_000 }).toBe(4);
    // The drawing stays on the pad: its maps follow the new network (14×14 after stride 2).
    await expect
      .poll(() => page().locator('#feature-maps figure > figcaption').allTextContents(), { timeout: 10_000 })
      .toEqual([
        'Layer 1, conv3x4s2same: 4 maps of 14×14, after its activation',
        'Layer 2, pool2: 4 maps of 7×7, max pooled',
      ]);

    await page().selectOption('#preset', 'tp');
    await openSettings(page());
    await setField(page(), 'epochs', '1');
    await setField(page(), 'batch_size', '32');
    await trainToEnd(page(), 60_000);
    await expect.poll(() => page().textContent('#weights-title'), { timeout: 10_000 }).toBe('First-layer weights');
    await expect.poll(() => page().locator('#weights canvas').count(), { timeout: 10_000 }).toBe(64);
    expect(await page().isVisible('#feature-maps-section')).toBe(false);
    expect(await page().textContent('#weights-hint')).toMatch(/784 weights into one hidden unit/);
  });
});
