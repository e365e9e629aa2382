// Shared helpers of the Playwright specs: launch Debian's Chromium through playwright-core
// (never a downloaded browser), open the page with console errors collected (for one test, or
// shared by a describe block's tests), draw on it (scripts/draw-pad.mjs), and save screenshots under
// test-results/screenshots/. What the specs do on an open page otherwise is in ./page-actions.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, inject } from 'vitest';
import { launchChromium } from '../../scripts/chromium.mjs';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const shotsDir = `${root}test-results/screenshots`;
mkdirSync(shotsDir, { recursive: true });

export function launch(): Promise<Browser> {
  return launchChromium();
}

export interface OpenPage {
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
}

/** Opens `url` and waits until the engine and the demo data are ready. `options` go to the
 *  browser context, e.g. `{ serviceWorkers: 'block' }` for a browser where the page's service
 *  worker cannot run (then no isolation without the server's headers). */
export async function openPage(browser: Browser, url: string, options: BrowserContextOptions = {}): Promise<OpenPage> {
  const context = await browser.newContext({
    viewport: { width: 1200, height: 900 },
    acceptDownloads: true,
    ...options,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return { page, errors };
}

export async function shot(page: Page, name: string): Promise<string> {
  const path = `${shotsDir}/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Draws with the mouse on the draw pad, and waits for the prediction of the whole drawing. */
export { drawStrokes } from '../../scripts/draw-pad.mjs';

/** A "7": the top bar, then the diagonal. */
export const SEVEN: [number, number][][] = [
  [
    [0.3, 0.25],
    [0.7, 0.25],
    [0.45, 0.8],
  ],
];
/** A "1": one vertical stroke. */
export const ONE: [number, number][][] = [
  [
    [0.5, 0.2],
    [0.5, 0.8],
  ],
];

/** Launches Chromium before the calling test file's tests and closes it after them; the
 *  getter returns the running browser. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser!;
}

/** The query of a tp network that trains `epochs` epochs of the demo digits in seconds. */
export const tpQuery = (epochs: number) => `?preset=tp&batch_size=32&learning_rate=0.01&epochs=${epochs}`;

/** Opens the cross-origin isolated page with `query` before the calling describe block's tests
 *  and closes it after them; the getter returns the page, which its tests share. */
export function usePage(browser: () => Browser, query: string, options?: BrowserContextOptions): () => Page {
  let page: Page | undefined;
  beforeAll(async () => {
    ({ page } = await openPage(browser(), inject('isolatedUrl') + query, options));
  });
  afterAll(async () => {
    await page?.close();
  });
  return () => page!;
}
