// The thin page end to end, as a user meets it: open the page, check it is
// cross-origin isolated and runs the threaded build on more than one thread, train two
// epochs of the demo set, draw a digit with the mouse and read the prediction; then the
// same page served without the isolation headers picks the SIMD-only build and trains.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { SEVEN, drawStrokes, openPage, shot, shotsDir, useBrowser } from './browser';

// A quick configuration of the TP's network: 784-128-64-10 sigmoid, batch 32, 2 epochs
// (the demo set's 8,000 training digits are 250 batches per epoch), on two threads (the
// default, `auto`, may choose one on a busy machine: tested below).
const FAST = '?preset=tp&batch_size=32&learning_rate=0.01&epochs=2&threads=2';

const browser = useBrowser();

async function trainToEnd(page: Page): Promise<void> {
  await page.click('#train-button');
  await page.waitForSelector('body[data-train-state="finished"]', { timeout: 40_000 });
}

describe('isolated page (COOP/COEP): threads + SIMD', () => {
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ({ page, errors } = await openPage(browser(), inject('isolatedUrl') + FAST));
  });

  it('is cross-origin isolated and runs the threaded build on more than one thread', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const engine = page.locator('#engine-status');
    await expect.poll(() => engine.getAttribute('data-build')).toBe('mt');
    expect(Number(await engine.getAttribute('data-threads'))).toBeGreaterThan(1);
    expect(await engine.textContent()).toMatch(/threads \+ SIMD/);
  });

  it('opens on the demo data and says what it is', async () => {
    const status = await page.locator('#data-status').textContent();
    expect(status).toMatch(/first 10,000 digits of the MNIST training set/);
    expect(status).toMatch(/8,000 digits of 28×28/);
    expect(status).toMatch(/test: 2,000 digits/);
    expect(await page.locator('#data-hint').textContent()).toMatch(/full MNIST/);
  });

  it('trains two epochs in the worker on two threads and plots them', async () => {
    const started = Date.now();
    await trainToEnd(page);
    const seconds = (Date.now() - started) / 1000;
    expect(Number(await page.locator('#train-status').getAttribute('data-threads'))).toBeGreaterThan(1);
    expect(await page.locator('#train-threads').textContent()).toBe('Threads — 2 threads, as set.');
    const history = await page.evaluate(
      () => (globalThis as unknown as { digitrain: { history: { test_error: number }[] } }).digitrain.history,
    );
    expect(history.length).toBe(2);
    // Two epochs of the TP network on 8,000 digits: well under a fifth wrong on the test digits.
    expect(history[1].test_error).toBeLessThan(0.2);
    // The error chart drew its two epochs: train and test (no validation split in this preset).
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { digitrain: { chartPoints: number } }).digitrain.chartPoints,
      ),
    ).toBe(4);
    await shot(page, 'trained-isolated');
    console.log(
      `isolated: 2 epochs in ${seconds.toFixed(1)} s, test error ${(history[1].test_error * 100).toFixed(2)}%`,
    );
  });

  it('predicts a digit drawn with the mouse', async () => {
    await drawStrokes(page, SEVEN);
    await expect.poll(() => page.locator('#prediction').getAttribute('data-digit'), { timeout: 5000 }).toMatch(/^\d$/);
    const text = await page.locator('#prediction').textContent();
    expect(text).toMatch(/^Prediction: \d \(\d+\.\d%\)$/);
    // The bars sum to 1 (softmax) within rounding.
    const values = await page.locator('.bar-value').allTextContents();
    const sum = values.reduce((s, v) => s + parseFloat(v), 0);
    expect(sum).toBeGreaterThan(99);
    expect(sum).toBeLessThan(101);
    // The 28×28 preview holds ink.
    const ink = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('#input-preview')!;
      const d = c.getContext('2d')!.getImageData(0, 0, 28, 28).data;
      let s = 0;
      for (let i = 0; i < d.length; i += 4) s += d[i];
      return s / 255;
    });
    expect(ink).toBeGreaterThan(20);
    await page.locator('#draw').screenshot({ path: `${shotsDir}/draw-isolated.png` });
    await shot(page, 'drawn-isolated');
  });

  it('says how many threads `auto` chose and why', async () => {
    // The tp preset's own batch of 1 sample: nothing to share, whatever the machine.
    const { page: auto, errors: autoErrors } = await openPage(
      browser(),
      inject('isolatedUrl') + '?preset=tp&epochs=1&limit=300',
    );
    try {
      await auto.click('#train-button');
      await auto.waitForSelector('body[data-train-state="finished"]', { timeout: 40_000 });
      expect(await auto.locator('#train-threads').textContent()).toMatch(
        /^Threads — 1 thread: batch 1 is too small to share \(at least 32 samples\)\.$/,
      );
      expect(await auto.locator('#train-status').getAttribute('data-threads')).toBe('1');
      expect(autoErrors).toEqual([]);
    } finally {
      await auto.context().close();
    }
  });

  it('logged no console errors', () => {
    expect(errors).toEqual([]);
  });
});

describe('page without isolation headers: SIMD-only fallback', () => {
  let page: Page;

  beforeAll(async () => {
    // Service workers blocked: otherwise public/boot.js isolates the page through sw.js
    // (tests/e2e/static-hosting.test.ts covers that path).
    ({ page } = await openPage(browser(), inject('plainUrl') + FAST, { serviceWorkers: 'block' }));
  });

  it('is not isolated, picks the SIMD-only build and says why', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    const engine = page.locator('#engine-status');
    await expect.poll(() => engine.getAttribute('data-build')).toBe('st');
    expect(await engine.textContent()).toMatch(/SIMD only.*not cross-origin isolated/);
  });

  it('trains two epochs too', async () => {
    await trainToEnd(page);
    const history = await page.evaluate(
      () => (globalThis as unknown as { digitrain: { history: { test_error: number }[] } }).digitrain.history,
    );
    expect(history.length).toBe(2);
    expect(history[1].test_error).toBeLessThan(0.2);
    await shot(page, 'trained-simd-only');
  });
});
