// The student page's features, each driven the way a user would: the file input
// (gzip, raw, and wrong files), settings and the URL, pause / resume / step / stop with the
// main thread kept free of long tasks, divergence, the confusion matrix, saving and loading
// a model, comparing runs, a crashed worker, and an axe-core accessibility check.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { ONE, SEVEN, drawStrokes, openPage, root, shot, tpQuery, useBrowser, usePage } from './browser';
import { axeViolations, tabTo, trainState, setField, trainToEnd } from './page-actions';

const fixtures = `${root}tests/fixtures`;

const browser = useBrowser();

type Hooks = {
  digitrain: { state: string; history: { test_error: number | null }[]; crashes: number; crashWorker(): Promise<void> };
};
// Reads the page's test hooks: the function is sent as source and applied to globalThis.digitrain.
const hooks = <T>(page: Page, f: (d: Hooks['digitrain']) => T) =>
  page.evaluate(`(${f.toString()})(globalThis.digitrain)`) as Promise<T>;
const batches = async (page: Page) =>
  Number(
    /\((\d[\d,]*) batches in this run\)/
      .exec((await page.locator('#train-status').textContent()) ?? '')?.[1]
      ?.replace(/,/g, '') ?? NaN,
  );

describe('data files', () => {
  const page = usePage(browser, tpQuery(2));

  it('recognises the four MNIST files by content (gz and raw, any order) and pairs them by count', async () => {
    const raw = `${root}test-results/renamed-images.idx`;
    // A raw (not gzipped) copy under a misleading name: recognition must not rely on names.
    writeFileSync(raw, gunzipSync(readFileSync(`${fixtures}/digits/t10k-images-idx3-ubyte.gz`)));
    await page().setInputFiles('#file-input', [
      `${fixtures}/digits/t10k-labels-idx1-ubyte.gz`,
      `${fixtures}/digits/train-images-idx3-ubyte.gz`,
      raw,
      `${fixtures}/digits/train-labels-idx1-ubyte.gz`,
    ]);
    await expect
      .poll(() => page().locator('#data-status').textContent())
      .toMatch(/Your files are loaded\. Training: 3,000 images of 28×28; test: 1,000 images/);
    const rows = await page().locator('#file-table tbody tr').allTextContents();
    expect(rows.join('\n')).toMatch(/renamed-images\.idx1,000 images 28×28test images/);
    expect(rows.join('\n')).toMatch(/train-images-idx3-ubyte\.gz3,000 images 28×28 \(gzip\)training images/);
    await page().click('#preview summary');
    await shot(page(), 'files-loaded');
  });

  it('explains wrong files by name and keeps what was loaded', async () => {
    await page().setInputFiles('#file-input', [
      `${fixtures}/digits/train-images-idx3-ubyte.gz`,
      `${fixtures}/malformed/png-magic-idx3-ubyte`,
      `${fixtures}/malformed/truncated-labels-idx1-ubyte.gz`,
    ]);
    const error = page().locator('#data-error');
    await expect.poll(() => error.isVisible()).toBe(true);
    const text = (await error.textContent()) ?? '';
    expect(text).toMatch(/png-magic-idx3-ubyte: .*PNG/);
    expect(text).toMatch(/truncated-labels-idx1-ubyte\.gz: .*(truncated|interrupted)/);
    expect(text).toMatch(
      /train-images-idx3-ubyte\.gz holds 3,000 images of 28×28, but no labels file has 3,000 labels/,
    );
    expect(await page().locator('#data-status').textContent()).toMatch(
      /^Still in use, from before: Training: 3,000 images/,
    );
    await shot(page(), 'files-wrong');
  });

  it('loads four URLs with progress per file, and explains a CORS failure', async () => {
    await page().click('#from-url summary');
    const base = inject('isolatedUrl');
    const names = [
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ];
    for (const [i, n] of names.entries()) await page().fill(`#url-${i}`, `${base}data/${n}`);
    await page().click('#url-button');
    await expect
      .poll(() => page().locator('#data-status').textContent())
      .toMatch(/Your files are loaded\. Training: 8,000 images/);
    expect(await page().textContent('#url-0-progress')).toMatch(/done: [\d,]+ bytes/);
    // The other server sends no CORS header: the browser refuses to let the page read it.
    await page().fill('#url-1', `${inject('plainUrl')}data/${names[1]}`);
    await page().click('#url-button');
    await expect.poll(() => page().locator('#data-error').textContent()).toMatch(/no CORS header/);
    expect(await page().locator('#data-status').textContent()).toMatch(
      /^Still in use, from before: Training: 8,000 images/,
    );
  });

  it('accepts files dropped on the page', async () => {
    const dt = await page().evaluateHandle(async (base) => {
      const t = new DataTransfer();
      for (const n of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'])
        t.items.add(new File([await (await fetch(`${base}data/${n}`)).arrayBuffer()], `dropped-${n}`));
      return t;
    }, inject('isolatedUrl'));
    await page().dispatchEvent('main', 'drop', { dataTransfer: dt });
    await expect
      .poll(() => page().locator('#file-table tbody').textContent())
      .toMatch(/dropped-train-images-idx3-ubyte\.gz8,000 images/);
  });

  it('goes back to the demo digits with one click', async () => {
    await page().click('#demo-button');
    await expect.poll(() => page().locator('#data-status').getAttribute('data-source')).toBe('demo');
  });
});

describe('settings', () => {
  it('edits fields, keeps them in the URL, and refuses bad values by name', async () => {
    const { page } = await openPage(browser(), inject('isolatedUrl') + '?preset=tp&epochs=3&colour=red&momentum=1');
    expect(await page.locator('#config-error').textContent()).toMatch(/unknown setting "colour"/);
    // The engine refuses momentum 1, so the page does, in its own words (web/ui/config.ts).
    expect(await page.locator('#config-error').textContent()).toMatch(
      /The link's Momentum \(momentum\) must be at least 0 and below 1, got 1; the preset's value is used/,
    );
    expect(await page.inputValue('#field-momentum')).toBe('0.9');
    expect(await page.inputValue('#field-epochs')).toBe('3');
    await page.selectOption('#preset', 'assignment');
    expect(await page.inputValue('#field-layers')).toBe('784-300-10');
    await page.click('#settings summary');
    await setField(page, 'batch_size', '16');
    expect(new URL(page.url()).search).toBe('?preset=assignment&batch_size=16');
    // The assignment shuffles every epoch (its preset); the TP's order is the file's.
    expect(await page.isChecked('#field-shuffle')).toBe(true);
    await page.uncheck('#field-shuffle');
    expect(new URL(page.url()).search).toBe('?preset=assignment&batch_size=16&shuffle=0');
    await setField(page, 'learning_rate', '-1');
    expect(await page.locator('#config-error').textContent()).toMatch(
      /Learning rate \(learning_rate\) must be above 0/,
    );
    expect(await page.getAttribute('#field-learning_rate', 'aria-invalid')).toBe('true');
    // A shared link reproduces the configuration.
    const { page: other } = await openPage(
      browser(),
      inject('isolatedUrl') + '?preset=assignment&batch_size=16&seed=7',
    );
    expect(await other.inputValue('#field-batch_size')).toBe('16');
    expect(await other.inputValue('#field-seed')).toBe('7');
    await other.close();
    await page.close();
  });
});

describe('training controls', () => {
  const page = usePage(browser, '?preset=tp&batch_size=4&learning_rate=0.01&epochs=50');

  it('pauses, steps one batch, resumes and stops mid-epoch, with no long tasks on the main thread', async () => {
    await page().evaluate(() => {
      const w = globalThis as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({
        type: 'longtask',
      });
    });
    await page().click('#train-button');
    await expect.poll(() => trainState(page())).toBe('running');
    await expect.poll(() => batches(page()), { timeout: 10_000 }).toBeGreaterThan(200);
    await page().click('#pause-button');
    await expect.poll(() => trainState(page())).toBe('paused');
    expect(await page().textContent('#pause-button')).toBe('Resume');
    const paused = await batches(page());
    await page().waitForTimeout(400);
    expect(await batches(page())).toBe(paused);
    await page().click('#step-button');
    await expect.poll(() => batches(page())).toBe(paused + 1);
    await page().click('#pause-button'); // Resume
    await expect.poll(() => batches(page())).toBeGreaterThan(paused + 100);
    // Drawing predicts while training runs: the worker answers between chunks.
    await drawStrokes(page(), ONE);
    await expect.poll(() => page().getAttribute('#prediction', 'data-digit')).toMatch(/^\d$/);
    await page().click('#stop-button');
    await expect.poll(() => trainState(page())).toBe('stopped');
    const longTasks = await page().evaluate(() => (globalThis as unknown as { longTasks: number[] }).longTasks);
    // Chart redraws are the main thread's only work; none may block it for long.
    expect(Math.max(0, ...longTasks)).toBeLessThan(150);
    // The weights trained so far stay: the stopped model still predicts.
    await page().click('#clear-button');
    await drawStrokes(page(), SEVEN);
    await expect.poll(() => page().getAttribute('#prediction', 'data-digit')).toMatch(/^\d$/);
    await shot(page(), 'stopped');
  });

  it('shows a misclassified digit when a confusion-matrix cell is clicked', async () => {
    const cell = page().locator('#confusion button:not([disabled])').first();
    await expect.poll(() => cell.count(), { timeout: 10_000 }).toBe(1);
    const [t, p] = [await cell.getAttribute('data-true'), await cell.getAttribute('data-predicted')];
    await cell.click();
    await expect.poll(() => page().locator('#mistakes figure').count()).toBeGreaterThan(0);
    expect(await page().locator('#mistakes figcaption').first().textContent()).toMatch(
      new RegExp(`${t} → ${p} \\(p=0\\.\\d\\d\\)`),
    );
    expect(await page().textContent('#mistakes-title')).toMatch(new RegExp(`Digits ${t} predicted as ${p}`));
    expect(await page().locator('#weights canvas').count()).toBe(64);
    await page()
      .locator('#understand')
      .screenshot({ path: `${root}test-results/screenshots/confusion.png` });
  });
});

describe('divergence', () => {
  it('stops a diverging run and says why and what to try', async () => {
    const { page } = await openPage(browser(), inject('isolatedUrl') + '?preset=numpy-tutorial&learning_rate=100');
    await page.click('#train-button');
    await expect.poll(() => trainState(page), { timeout: 20_000 }).toBe('diverged');
    const text = (await page.textContent('#train-error')) ?? '';
    expect(text.length).toBeGreaterThan(20);
    expect(text).toMatch(/learning rate|lr/i);
    await shot(page, 'diverged');
    await page.close();
  });

  it('says why the lab preset at lr 10 stops learning without diverging (saturated sigmoids)', async () => {
    const { page } = await openPage(browser(), inject('isolatedUrl') + '?preset=lab&learning_rate=10&epochs=6');
    await trainToEnd(page);
    const text = (await page.textContent('#train-error')) ?? '';
    expect(text).toMatch(/^Not learning: after \d+ epochs the training error is still .*saturated.*try 1\./);
    await shot(page, 'saturated');
    await page.close();
  });
});

describe('models and runs', () => {
  const page = usePage(browser, tpQuery(2));

  it('keeps two runs and overlays them', async () => {
    await trainToEnd(page());
    await page().click('#settings summary');
    await setField(page(), 'learning_rate', '0.003');
    await page().click('#train-button');
    await expect.poll(() => trainState(page()), { timeout: 30_000 }).not.toBe('finished');
    await expect.poll(() => trainState(page()), { timeout: 30_000 }).toBe('finished');
    const runs = await page().locator('#runs li').allTextContents();
    expect(runs.length).toBe(2);
    expect(runs[1]).toMatch(/learning_rate=0\.003/);
    await page()
      .locator('#models')
      .screenshot({ path: `${root}test-results/screenshots/compare.png` });
  });

  it('repeats a configuration over seeds (mean ± std), sweeps the learning rate, and exports the curves', async () => {
    await page().fill('#seed-count', '2');
    await page().click('#seeds-button');
    const groups = page().locator('#groups p');
    await expect.poll(() => groups.first().getAttribute('data-runs'), { timeout: 30_000 }).toBe('2');
    expect(await groups.first().textContent()).toMatch(
      /2 seeds .*: 2 runs, final error \d+\.\d\d% ± \d+\.\d\d% \(mean ± std\); seed=1 → .*, seed=2 → /,
    );
    await expect.poll(() => trainState(page())).toBe('finished');
    await page().click('#sweep-button');
    await expect.poll(() => groups.nth(1).getAttribute('data-runs'), { timeout: 40_000 }).toBe('4');
    expect(await groups.nth(1).textContent()).toMatch(
      /learning-rate sweep .*: learning_rate=0\.001 → .*learning_rate=0\.03 → /,
    );
    expect(await page().locator('#runs li').count()).toBe(8);
    const [csv] = await Promise.all([page().waitForEvent('download'), page().click('#export-runs')]);
    const csvPath = `${root}test-results/runs.csv`;
    await csv.saveAs(csvPath);
    const lines = readFileSync(csvPath, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'run,epoch,train_loss,train_error,validation_loss,validation_error,test_loss,test_error,learning_rate,seconds,samples_per_second',
    );
    expect(lines.length).toBe(1 + 8 * 2);
    // The current run's curves, as CSV and as the error chart's PNG.
    const [curves] = await Promise.all([page().waitForEvent('download'), page().click('#export-csv')]);
    const curvesPath = `${root}test-results/curves.csv`;
    await curves.saveAs(curvesPath);
    const curveLines = readFileSync(curvesPath, 'utf8').trim().split('\n');
    expect(curveLines[0]).toMatch(/^epoch,/);
    expect(curveLines.length).toBeGreaterThan(1);
    const [png] = await Promise.all([page().waitForEvent('download'), page().click('#export-png')]);
    const pngPath = `${root}test-results/error-chart.png`;
    await png.saveAs(pngPath);
    const pngBytes = readFileSync(pngPath);
    expect(pngBytes.subarray(1, 4).toString()).toBe('PNG');
    expect(pngBytes.length).toBeGreaterThan(2000);
    await page()
      .locator('#models')
      .screenshot({ path: `${root}test-results/screenshots/sweep.png` });
  });

  it('saves the model as JSON and .npz, and a fresh page loads it and predicts with it', async () => {
    const [download] = await Promise.all([page().waitForEvent('download'), page().click('#save-model')]);
    const path = `${root}test-results/saved-model.json`;
    await download.saveAs(path);
    const model = JSON.parse(readFileSync(path, 'utf8'));
    expect(model.format).toBe('digitrain-model');
    expect(model.layers.length).toBe(3);
    const [npz] = await Promise.all([page().waitForEvent('download'), page().click('#export-npz')]);
    const npzPath = `${root}test-results/saved-model.npz`;
    await npz.saveAs(npzPath);
    expect(readFileSync(npzPath).subarray(0, 2).toString()).toBe('PK');

    const { page: fresh } = await openPage(browser(), inject('isolatedUrl'));
    await fresh.setInputFiles('#model-input', path);
    await expect
      .poll(() => fresh.textContent('#model-status'))
      .toMatch(/Loaded saved-model\.json: a 784-128-64-10 network/);
    await drawStrokes(fresh, SEVEN);
    await expect.poll(() => fresh.getAttribute('#prediction', 'data-digit')).toMatch(/^\d$/);
    // A broken model file is refused with the engine's message, and the loaded model stays.
    const bad = `${root}test-results/bad-model.json`;
    writeFileSync(bad, JSON.stringify({ ...model, version: 99 }));
    await fresh.setInputFiles('#model-input', bad);
    await expect.poll(() => fresh.locator('#model-error').isVisible()).toBe(true);
    expect(await fresh.textContent('#model-error')).toMatch(/bad-model\.json.*version/);
    expect(await fresh.textContent('#model-error')).toMatch(/current model is unchanged/);
    await fresh.click('#clear-button');
    await drawStrokes(fresh, ONE);
    await expect.poll(() => fresh.getAttribute('#prediction', 'data-digit')).toMatch(/^\d$/);
    await fresh.close();
  });
});

describe('a crashed worker', () => {
  it('is reported and replaced; the last epoch model and the plots stay, and training continues', async () => {
    const { page } = await openPage(
      browser(),
      inject('isolatedUrl') + '?preset=tp&batch_size=32&learning_rate=0.01&epochs=6',
    );
    await page.click('#train-button');
    await expect.poll(() => hooks(page, (d) => d.history.length), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    await page.click('#pause-button');
    await expect.poll(() => trainState(page)).toBe('paused');
    const epochs = await hooks(page, (d) => d.history.length);
    await page.evaluate(() => void (globalThis as unknown as Hooks).digitrain.crashWorker());
    await expect
      .poll(() => page.textContent('#train-error'), { timeout: 20_000 })
      .toMatch(/crashed .*was replaced.*model after epoch \d+ is loaded/);
    expect(await hooks(page, (d) => d.crashes)).toBe(1);
    expect(await hooks(page, (d) => d.history.length)).toBe(epochs);
    await drawStrokes(page, SEVEN);
    await expect.poll(() => page.getAttribute('#prediction', 'data-digit')).toMatch(/^\d$/);
    await shot(page, 'crashed');
    await page.click('#pause-button'); // Resume from the last good model
    await expect.poll(() => trainState(page), { timeout: 40_000 }).toBe('finished');
    expect(await hooks(page, (d) => d.history.length)).toBe(6);
    await page.close();
  });
});

describe('accessibility', () => {
  it('has labelled, keyboard-operable controls: axe-core finds no serious or critical violations', async () => {
    const { page } = await openPage(browser(), inject('isolatedUrl') + tpQuery(2));
    await page.click('#settings summary');
    await page.click('#preview summary');
    // Keyboard: Tab reaches the Train button and Enter starts training.
    await page.focus('#preset');
    await tabTo(page, 'train-button');
    await page.keyboard.press('Enter');
    await expect.poll(() => trainState(page), { timeout: 30_000 }).toBe('finished');
    // The confusion matrix (rendered after the test evaluation) and the inspector are checked too.
    await page.waitForSelector('#confusion table');
    await page.click('#inspector summary');
    await page.waitForSelector('#inspector-results [data-name="output_before[1]"]');
    const violations = await axeViolations(page);
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad).toEqual([]);
    await page.close();
  });
});
