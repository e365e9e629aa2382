// The static build on a plain static host: the build that global-setup.ts made
// (test-results/dist, the same as `npm run build`) served by a bare node:http server — no
// COOP/COEP, no CORS — from a sub-path, /courses/ml/digitrain/.
//   - the service worker isolates the page after exactly one reload: threaded build, training;
//   - service workers blocked: the SIMD-only build trains, and the page says why in one line;
//   - offline: after the first visit, no network at all — reload, train, draw;
//   - a new version (a new sw.js) replaces the old one and its cache cleanly;
//   - the manifest and icons of the installable app are there, every URL relative.
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE, SEVEN, drawStrokes, launch, root, shot } from './browser';
import { serveStatic, type StaticServer } from './static-server';

const dist = `${root}test-results/dist`;
const FAST = '?preset=tp&batch_size=32&learning_rate=0.01&epochs=1&limit=4000&threads=2';

let browser: Browser;
let server: StaticServer;
/** A host that does not even know the .mjs and .wasm types: the service worker names them. */
let untyped: StaticServer;
beforeAll(async () => {
  [browser, server, untyped] = await Promise.all([
    launch(),
    serveStatic(dist),
    serveStatic(dist, '/courses/ml/digitrain/', { untyped: ['.mjs', '.wasm'] }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await untyped?.close();
});

type Hooks = { digitrain: { history: { test_error: number | null }[] } };
const history = (page: Page) => page.evaluate(() => (globalThis as unknown as Hooks).digitrain.history);

/** A fresh browser profile on the page; counts its top-level documents; collects console errors. */
async function visit(url: string, options: Parameters<Browser['newContext']>[0] = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  const loads: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  // Counted by their requests: a quick service worker can reload the first document before its
  // own load event (so load events miss it), and the page keeps its fields in the address with
  // same-document navigations (so commits over-count).
  page.on('request', (r) => r.isNavigationRequest() && r.frame() === page.mainFrame() && loads.push(r.url()));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return { context, page, errors, loads };
}

async function train(page: Page): Promise<void> {
  await page.click('#train-button');
  await page.waitForSelector('body[data-train-state="finished"]', { timeout: 30_000 });
}

/** Waits until the service worker holds its whole offline copy (install done, page controlled). */
async function offlineReady(page: Page): Promise<string[]> {
  await page.waitForFunction(async () => {
    const reg = await navigator.serviceWorker.getRegistration();
    return Boolean(reg?.active && navigator.serviceWorker.controller);
  });
  return page.evaluate(() => caches.keys());
}

describe('served from a sub-path by a server without isolation headers (nor the .mjs and .wasm types)', () => {
  let context: BrowserContext;
  let page: Page;

  afterAll(async () => {
    await context?.close();
  });

  it('is isolated after exactly one reload, runs the threaded build and trains', async () => {
    let errors: string[], loads: string[];
    ({ context, page, errors, loads } = await visit(untyped.url + FAST));
    expect(new URL(page.url()).pathname).toBe('/courses/ml/digitrain/');
    expect(loads.length).toBe(2); // the first document, then the one reload under the service worker
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const engine = page.locator('#engine-status');
    expect(await engine.getAttribute('data-build')).toBe('mt');
    expect(await engine.getAttribute('data-isolation')).toBe('isolated');
    expect(Number(await engine.getAttribute('data-threads'))).toBeGreaterThan(1);
    await train(page);
    expect(Number(await page.locator('#train-status').getAttribute('data-threads'))).toBeGreaterThan(1);
    const h = await history(page);
    expect(h.length).toBe(1);
    expect(h[0].test_error).toBeLessThan(0.25);
    expect(loads.length).toBe(2); // and no further reload while it trained
    // Nothing was asked for outside the sub-path: every URL of the build is relative.
    expect(untyped.requests.filter((p) => !p.startsWith('/courses/ml/digitrain/'))).toEqual([]);
    expect(untyped.requests).toContain('/courses/ml/digitrain/wasm/mt/engine.wasm');
    expect(errors).toEqual([]);
    await shot(page, 'static-host-isolated');
  });

  it('works with no network after the first visit: reload, train, draw', async () => {
    const keys = await offlineReady(page);
    expect(keys.length).toBe(1);
    expect(keys[0]).toMatch(/^digitrain http:\/\/127\.0\.0\.1:\d+\/courses\/ml\/digitrain\/ [0-9a-f]{16}$/);
    // No network at all: the browser is offline, and the host does not answer either.
    await context.setOffline(true);
    untyped.down = true;
    const before = untyped.requests.length;
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.locator('#data-status').getAttribute('data-source')).toBe('demo');
    await train(page);
    await drawStrokes(page, SEVEN);
    await expect.poll(() => page.getAttribute('#prediction', 'data-digit'), { timeout: 5000 }).toMatch(/^\d$/);
    // Everything came from the offline copy; only the browser's own check for a newer sw.js
    // (outside the page, so outside Playwright's offline switch) knocked, and got no answer.
    expect(untyped.requests.slice(before).filter((p) => !p.endsWith('/sw.js'))).toEqual([]);
    await shot(page, 'offline');
    untyped.down = false;
    await context.setOffline(false);
  });
});

describe('a new version', () => {
  it('replaces the old one cleanly: new worker, new cache, old cache deleted, new page on reload', async () => {
    const { context, page } = await visit(server.url + FAST);
    const [oldCache] = await offlineReady(page);
    const sw = readFileSync(`${dist}/sw.js`, 'utf8');
    const version = /const VERSION = "([0-9a-f]{16})"/.exec(sw)![1];
    expect(oldCache.endsWith(version)).toBe(true);
    // Publish "version 2": another index.html, hence another sw.js.
    server.override.set(
      'index.html',
      readFileSync(`${dist}/index.html`, 'utf8').replace('<title>digitrain', '<title>digitrain v2'),
    );
    server.override.set('sw.js', sw.replace(version, 'feedfacefeedface'));
    try {
      await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
      await expect
        .poll(() => page.evaluate(() => caches.keys()), { timeout: 10_000 })
        .toEqual([oldCache.replace(version, 'feedfacefeedface')]);
      // The open page is told, calmly, and keeps working until reloaded.
      await expect.poll(() => page.locator('#update-note').textContent()).toMatch(/new version of digitrain is ready/);
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
      expect(await page.title()).toMatch(/^digitrain v2/);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    } finally {
      server.override.clear();
      await context.close();
    }
  });
});

describe('where a service worker cannot run', () => {
  it('runs the SIMD-only build, says why in one line with what to do, and trains', async () => {
    const { context, page, errors, loads } = await visit(server.url + FAST, { serviceWorkers: 'block' });
    try {
      expect(loads.length).toBe(1);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      const engine = page.locator('#engine-status');
      expect(await engine.getAttribute('data-build')).toBe('st');
      const text = (await engine.textContent()) ?? '';
      expect(text).toMatch(
        /SIMD only build.*not cross-origin isolated here \(the service worker .* could not start.*\), so training runs on one core\. For threads, .*Cross-Origin-Opener-Policy: same-origin/,
      );
      expect(text.split('\n').length).toBe(1);
      await train(page);
      expect((await history(page))[0].test_error).toBeLessThan(0.25);
      await drawStrokes(page, ONE);
      await expect.poll(() => page.getAttribute('#prediction', 'data-digit')).toMatch(/^\d$/);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('the installable app', () => {
  it('links a manifest with a relative start_url, standalone display and icons that exist', async () => {
    const html = readFileSync(`${dist}/index.html`, 'utf8');
    expect(html).toMatch(/<link rel="manifest" href="\.\/manifest\.webmanifest"/);
    expect(html).not.toMatch(/\s(src|href)="\/(?!\/)/);
    // The boot script is the first script of <head>.
    expect(/<head>[\s\S]*?<script[^>]*src="([^"]+)"/.exec(html)?.[1]).toBe('./boot.js');
    const manifest = JSON.parse(readFileSync(`${dist}/manifest.webmanifest`, 'utf8'));
    expect(manifest.start_url).toBe('./');
    expect(manifest.display).toBe('standalone');
    expect(manifest.name).toMatch(/digitrain/);
    for (const icon of manifest.icons) {
      const res = await fetch(new URL(icon.src, server.url));
      expect(res.status, icon.src).toBe(200);
      if (icon.type === 'image/png') {
        const bytes = Buffer.from(await res.arrayBuffer());
        expect(bytes.subarray(1, 4).toString()).toBe('PNG');
        expect(`${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`).toBe(icon.sizes);
      }
    }
    expect(manifest.icons.some((i: { sizes: string }) => i.sizes === '512x512')).toBe(true);
  });
});
