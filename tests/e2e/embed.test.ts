// Embedding in a course page. The example course page (web/examples/course.html,
// built into dist/examples/) is served by a bare static server of ANOTHER origin — as a
// course page on the university's site embeds the app published elsewhere — with its
// <script src="../embed.js"> pointed at the app's server. Its three <digitrain-trainer>s each
// train and draw on their own; the layout follows the window; the console stays clean.
// Then the app's Share button: the link reproduces the configuration (seed included) and the
// embed snippets work.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ONE, SEVEN, drawStrokes, launch, openPage, root, shotsDir } from './browser';
import { serveStatic, type StaticServer } from './static-server';

const dist = `${root}test-results/dist`;
let browser: Browser;
let app: StaticServer;
let course: StaticServer;

beforeAll(async () => {
  // The course site: the example page as an instructor would publish it, on its own origin.
  const site = `${root}test-results/course-site`;
  mkdirSync(site, { recursive: true });
  app = await serveStatic(dist);
  const html = readFileSync(`${dist}/examples/course.html`, 'utf8')
    .replace('src="../embed.js"', `src="${app.url}embed.js"`)
    .replace('href="../favicon.svg"', `href="${app.url}favicon.svg"`);
  writeFileSync(`${site}/index.html`, html);
  [browser, course] = await Promise.all([launch(), serveStatic(site, '/teaching/ml/week4/')]);
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([app?.close(), course?.close()]);
});

type Hooks = { digitrain: { state: string; history: unknown[] } };
const stateOf = (f: Frame) => f.evaluate(() => (globalThis as unknown as Hooks).digitrain.state);
const epochsOf = (f: Frame) => f.evaluate(() => (globalThis as unknown as Hooks).digitrain.history.length);

/** The trainer frame inside the article `id` of the course page. */
async function trainer(page: Page, id: string): Promise<Frame> {
  const handle = await page.waitForSelector(`#${id} digitrain-trainer iframe`);
  const frame = (await handle.contentFrame())!;
  return frame;
}

describe('the example course page, embedding three trainers from another origin', () => {
  let page: Page;
  const errors: string[] = [];
  let frames: Record<'lab' | 'draw' | 'tutorial', Frame>;

  beforeAll(async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && errors.push(`${m.location().url}: ${m.text()}`));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(course.url);
    frames = {
      lab: await trainer(page, 'lab'),
      draw: await trainer(page, 'draw'),
      tutorial: await trainer(page, 'tutorial'),
    };
    // Each frame reloads once under the app's service worker; wait for the final documents.
    const deadline = Date.now() + 30_000;
    for (const id of ['lab', 'draw', 'tutorial'] as const)
      for (;;) {
        frames[id] = await trainer(page, id);
        if ((await frames[id].evaluate(() => document.body?.dataset.ready).catch(() => undefined)) === 'true') break;
        if (Date.now() > deadline) throw new Error(`the "${id}" trainer did not get ready in 30 s`);
        await page.waitForTimeout(100);
      }
  });

  it('shows each trainer as configured: panels, theme, compact, and says calmly why it runs on one core', async () => {
    const visible = (f: Frame) =>
      f.evaluate(() =>
        [...document.querySelectorAll('main > section')]
          .filter((s) => getComputedStyle(s).display !== 'none')
          .map((s) => s.id),
      );
    expect(await visible(frames.lab)).toEqual(['train', 'draw']);
    expect(await visible(frames.draw)).toEqual(['draw']);
    expect(await visible(frames.tutorial)).toEqual(['configure', 'train', 'draw']);
    expect(await frames.tutorial.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await frames.lab.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    // About 400 px wide each: the compact layout.
    for (const f of Object.values(frames))
      expect(await f.evaluate(() => document.documentElement.hasAttribute('data-compact'))).toBe(true);
    expect(await frames.tutorial.inputValue('#field-layers')).toBe('784-100-10');
    expect(await frames.tutorial.inputValue('#field-seed')).toBe('3');
    const engine = frames.lab.locator('#engine-status');
    expect(await engine.getAttribute('data-build')).toBe('st');
    expect(await engine.getAttribute('data-isolation')).toBe('embedded');
    expect(await engine.textContent()).toMatch(
      /SIMD only build.*not cross-origin isolated here \(the page it is embedded in is not isolated\), so training runs on one core\. For threads: open it in its own tab, .*allow="cross-origin-isolated"/,
    );
    expect(await frames.lab.locator('#open-in-tab').getAttribute('href')).not.toMatch(/embed=/);
  });

  it('trains and draws in each trainer independently', async () => {
    // The draw-only trainer trains by itself; the lab's waits for its Train button.
    await expect.poll(() => stateOf(frames.draw), { timeout: 20_000 }).toBe('finished');
    expect(await frames.draw.textContent('#autotrain-status')).toMatch(/Trained/);
    expect(await stateOf(frames.lab)).toBe('idle');
    await frames.lab.click('#train-button');
    await expect.poll(() => stateOf(frames.lab), { timeout: 20_000 }).toBe('finished');
    expect(await epochsOf(frames.lab)).toBe(2);
    expect(await epochsOf(frames.draw)).toBe(1);
    // The third one has not moved; then its own settings, its own run.
    expect(await stateOf(frames.tutorial)).toBe('idle');
    await frames.tutorial.fill('#field-learning_rate', '0.01');
    await frames.tutorial.press('#field-learning_rate', 'Tab');
    await frames.tutorial.click('#train-button');
    await expect.poll(() => stateOf(frames.tutorial), { timeout: 20_000 }).toBe('finished');
    expect(await epochsOf(frames.tutorial)).toBe(3);
    expect(await frames.lab.inputValue('#field-learning_rate')).toBe('0.01');
    expect(await frames.lab.inputValue('#field-layers')).toBe('784-128-64-10');
    for (const [f, digit] of [
      [frames.lab, SEVEN],
      [frames.draw, ONE],
      [frames.tutorial, SEVEN],
    ] as const) {
      await drawStrokes(page, digit, f);
      await expect.poll(() => f.getAttribute('#prediction', 'data-digit'), { timeout: 5000 }).toMatch(/^\d$/);
    }
    // The whole page in one view (cross-origin frames paint only while on screen), then the picture.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1280, height: Math.min(height, 4000) });
    await page.evaluate(() => window.scrollTo(0, 0));
    for (const f of Object.values(frames))
      await f.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: `${shotsDir}/embed-example.png` });
    // The top of it, for the README.
    await page.screenshot({
      path: `${shotsDir}/embed-example-top.png`,
      clip: { x: 0, y: 0, width: 1280, height: 1400 },
    });
    await page.setViewportSize({ width: 1280, height: 1000 });
  });

  it('follows the window: frames fit their content, one column when narrow, no sideways scrolling', async () => {
    const layout = () =>
      page.evaluate(() => ({
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        lefts: [...document.querySelectorAll('digitrain-trainer')].map((e) =>
          Math.round(e.getBoundingClientRect().left),
        ),
        widths: [...document.querySelectorAll('digitrain-trainer iframe')].map((e) =>
          Math.round(e.getBoundingClientRect().width),
        ),
      }));
    // Chromium updates a cross-origin frame's layout only while it is on screen: look at each in turn.
    const fits = async () => {
      for (const [id, f] of Object.entries(frames)) {
        await page.locator(`#${id} iframe`).scrollIntoViewIfNeeded();
        await expect
          .poll(async () => {
            const content = await f.evaluate(() => Math.ceil(document.body.getBoundingClientRect().height));
            const frameHeight = await page.evaluate(
              (id) => document.querySelector(`#${id} iframe`)!.getBoundingClientRect().height,
              id,
            );
            return Math.abs(frameHeight - content) <= 12
              ? 'fits'
              : `${id}: frame ${frameHeight}px for ${content}px of content`;
          })
          .toBe('fits');
      }
      return 'fits';
    };
    expect(await fits()).toBe('fits');
    const wide = await layout();
    expect(new Set(wide.lefts).size).toBe(3); // side by side
    expect(wide.overflow).toBeLessThanOrEqual(0);

    await page.setViewportSize({ width: 720, height: 900 });
    await expect.poll(async () => new Set((await layout()).lefts).size).toBe(1); // stacked
    const narrow = await layout();
    expect(narrow.overflow).toBeLessThanOrEqual(0);
    expect(Math.min(...narrow.widths)).toBeGreaterThan(Math.max(...wide.widths));
    // Each frame's own layout followed: wider than 600 px is no longer compact.
    await page.locator('#lab iframe').scrollIntoViewIfNeeded();
    await expect
      .poll(() => frames.lab.evaluate(() => document.documentElement.hasAttribute('data-compact')))
      .toBe(false);
    expect(await fits()).toBe('fits');
    // The drawing pad still draws where the pointer is.
    await frames.lab.click('#clear-button');
    await drawStrokes(page, ONE, frames.lab);
    await expect.poll(() => frames.lab.getAttribute('#prediction', 'data-digit')).toMatch(/^\d$/);
    await page.screenshot({ path: `${shotsDir}/embed-example-narrow.png`, fullPage: false });
  });

  it("takes its theme from the host page: the page's color-scheme before the system's, and follows a switch", async () => {
    const theme = (f: Frame) => f.evaluate(() => document.documentElement.dataset.theme);
    await page.emulateMedia({ colorScheme: 'dark' });
    // The course page declares color-scheme: light, so its trainers stay light on a dark system…
    await page.waitForTimeout(200);
    expect(await theme(frames.lab)).toBe('light');
    // …until the page itself switches to dark; a trainer with theme="dark" stays dark throughout.
    await page.evaluate(() => (document.documentElement.style.colorScheme = 'dark'));
    await expect.poll(() => theme(frames.lab)).toBe('dark');
    await expect.poll(() => theme(frames.draw)).toBe('dark');
    await page.evaluate(() => (document.documentElement.style.colorScheme = 'light'));
    await expect.poll(() => theme(frames.lab)).toBe('light');
    expect(await theme(frames.tutorial)).toBe('dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('logged no console errors, in the page or any frame', () => {
    expect(errors).toEqual([]);
  });
});

describe('Share', () => {
  it('gives a link with the exact configuration and the seed, and embed snippets that work', async () => {
    const { page } = await openPage(browser, inject('isolatedUrl') + '?preset=assignment&epochs=2');
    await page.click('#settings summary');
    await page.fill('#field-batch_size', '16');
    await page.press('#field-batch_size', 'Tab');
    await page.click('#share-button');
    const link = await page.inputValue('#share-link');
    const url = new URL(link);
    expect(url.pathname).toBe('/');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      preset: 'assignment',
      batch_size: '16',
      epochs: '2',
      seed: '1',
    });
    const iframe = await page.inputValue('#share-iframe');
    expect(iframe).toMatch(
      /^<iframe src="[^"]+embed=1" title="digitrain[^"]*" width="100%" height="\d+" style="border:0" allow="cross-origin-isolated; clipboard-write" loading="lazy"><\/iframe>$/,
    );
    const element = await page.inputValue('#share-element');
    expect(element).toBe(
      `<script src="${url.origin}/embed.js"></script><digitrain-trainer preset="assignment" batch_size="16" epochs="2" seed="1"></digitrain-trainer>`,
    );
    // The panel follows further edits.
    await page.fill('#field-seed', '42');
    await page.press('#field-seed', 'Tab');
    expect(new URL(await page.inputValue('#share-link')).searchParams.get('seed')).toBe('42');

    // The link, opened elsewhere, has every field as it was.
    const { page: other } = await openPage(browser, link);
    for (const [field, value] of [
      ['preset', 'assignment'],
      ['field-batch_size', '16'],
      ['field-epochs', '2'],
      ['field-seed', '1'],
      ['field-layers', '784-300-10'],
    ])
      expect(await other.inputValue(`#${field}`), field).toBe(value);
    // The iframe snippet, pasted into a page of another origin, shows the embedded app.
    await other.goto(course.url + 'nothing-here');
    await other.setContent(
      `<!doctype html><title>course</title><h1>Week 5</h1>${iframe.replace(' loading="lazy"', '')}`,
    );
    const frame = (await (await other.waitForSelector('iframe')).contentFrame())!;
    await expect
      .poll(() => frame.evaluate(() => document.body?.dataset.ready).catch(() => undefined), { timeout: 30_000 })
      .toBe('true');
    expect(await frame.evaluate(() => document.documentElement.hasAttribute('data-embed'))).toBe(true);
    expect(await frame.inputValue('#field-batch_size')).toBe('16');
    // Pasted without its allow attribute: no reload is tried, and the line says what is missing.
    await other.setContent(
      `<!doctype html><title>course</title>${iframe.replace(/ allow="[^"]*"/, '').replace(' loading="lazy"', '')}`,
    );
    const bare = (await (await other.waitForSelector('iframe')).contentFrame())!;
    await expect
      .poll(() => bare.evaluate(() => document.body?.dataset.ready).catch(() => undefined), { timeout: 30_000 })
      .toBe('true');
    expect(await bare.getAttribute('#engine-status', 'data-isolation')).toBe('embedded');
    expect(await bare.textContent('#engine-status')).toMatch(/its iframe has no allow="cross-origin-isolated"/);
    await other.close();
    await page.close();
  });
});
