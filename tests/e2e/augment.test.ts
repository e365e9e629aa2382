// Augmentation on the page: the preview of training digits as the network sees them follows
// the settings as they are typed (before they are committed), shows the stored digits unchanged
// when augmentation is off or every range is 0, and a short best-augmented run trains.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { shot, useBrowser, usePage } from './browser';
import { setField, trainToEnd } from './page-actions';

const browser = useBrowser();

/** The preview's pixels, and the caption that says what they show. */
const preview = (page: Page) =>
  page.evaluate(() => {
    const c = document.getElementById('augment-preview') as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return {
      pixels: Array.from(data),
      width: c.width,
      caption: document.getElementById('augment-preview-caption')!.textContent,
    };
  });

/** Each digit's row of the preview: is every distortion the same picture as its stored image? */
async function variantsEqualTheOriginal(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const c = document.getElementById('augment-preview') as HTMLCanvasElement;
    const ctx = c.getContext('2d')!;
    // The panel's layout: 28×28 digits at 2 px per pixel, 6 px gaps, a wider gap after the first.
    const cell = 28 * 2 + 6;
    const original = ctx.getImageData(0, 0, 56, 56).data;
    for (let v = 1; v <= 5; v++) {
      const other = ctx.getImageData(v * cell + 6, 0, 56, 56).data;
      for (let i = 0; i < original.length; i++) if (original[i] !== other[i]) return false;
    }
    return true;
  });
}

describe('augmentation preview', () => {
  const page = usePage(browser, '?preset=best-augmented&epochs=1&limit=2000&test_limit=500');

  it('shows each digit redrawn, and the stored digit itself when augmentation is off', async () => {
    const p = page();
    await p.click('#settings summary');
    await expect.poll(async () => (await preview(p)).caption).toMatch(/as the network sees them in epoch 1/);
    expect(await variantsEqualTheOriginal(p)).toBe(false);
    await shot(p, 'augment-preview');
    await p.uncheck('#field-augment');
    await expect.poll(async () => (await preview(p)).caption).toMatch(/augmentation is off/);
    expect(await variantsEqualTheOriginal(p)).toBe(true);
    await p.check('#field-augment');
    await expect.poll(() => variantsEqualTheOriginal(p)).toBe(false);
  });

  it('follows a range as it is typed, before it is committed, and is the identity at 0', async () => {
    const p = page();
    const before = await preview(p);
    // Typed, not yet left with Tab: the preview changes already.
    await p.fill('#field-elastic_alpha', '60');
    await expect.poll(async () => (await preview(p)).pixels.join()).not.toBe(before.pixels.join());
    for (const key of ['augment_shift', 'augment_rotation', 'augment_scale', 'augment_shear', 'elastic_alpha'])
      await setField(p, key, '0');
    await expect.poll(() => variantsEqualTheOriginal(p)).toBe(true);
    for (const [key, value] of [
      ['augment_shift', '2'],
      ['augment_rotation', '12'],
      ['elastic_alpha', '34'],
    ])
      await setField(p, key, value);
    await expect.poll(() => variantsEqualTheOriginal(p)).toBe(false);
  });

  it('trains best-augmented, and the preview moves on to the next epoch', async () => {
    const p = page();
    await trainToEnd(p, 120_000);
    await expect.poll(async () => (await preview(p)).caption).toMatch(/in epoch 2/);
    const error = await p.evaluate(
      () =>
        (globalThis as unknown as { digitrain: { history: { test_error: number }[] } }).digitrain.history[0].test_error,
    );
    // One epoch on 2,000 distorted demo digits: far better than chance (90 %).
    expect(error).toBeLessThan(0.5);
  });
});
