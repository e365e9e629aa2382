// Portable runs: a finished run exported as one JSON file (settings, per-epoch
// curves, every batch's loss, the final confusion matrix, the model), re-opened on a fresh
// page with the same plots, settings and predictions; wrong and foreign files refused with a
// message naming the problem, the page unchanged.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { SEVEN, drawStrokes, openPage, root, shot, useBrowser } from './browser';

const out = `${root}test-results`;
const browser = useBrowser();

type Hooks = { digitrain: { state: string; history: unknown[]; chartPoints: number } };
const hook = <T>(page: Page, f: (d: Hooks['digitrain']) => T) =>
  page.evaluate(`(${f.toString()})(globalThis.digitrain)`) as Promise<T>;

/** What a student sees of a run: the plotted points, the confusion table, the settings, a prediction. */
async function seen(page: Page) {
  await drawStrokes(page, SEVEN);
  await expect.poll(() => page.getAttribute('#prediction', 'data-digit')).toMatch(/^\d$/);
  return {
    points: await hook(page, (d) => d.chartPoints),
    epochs: await hook(page, (d) => d.history.length),
    confusion: await page.locator('#confusion table').textContent(),
    preset: await page.inputValue('#preset'),
    seed: await page.inputValue('#field-seed'),
    batch: await page.inputValue('#field-batch_size'),
    prediction: await page.textContent('#prediction'),
    bars: await page.locator('.bar-value').allTextContents(),
  };
}

describe('a finished run as one file', () => {
  let file: string;
  let original: Awaited<ReturnType<typeof seen>>;

  it('exports settings, curves, confusion matrix and model, and a fresh page shows the same run', async () => {
    const { page } = await openPage(
      browser(),
      inject('isolatedUrl') + '?preset=tp&batch_size=32&learning_rate=0.01&epochs=2&seed=5',
    );
    expect(await page.isDisabled('#export-run')).toBe(true);
    await page.click('#train-button');
    await expect.poll(() => hook(page, (d) => d.state), { timeout: 20_000 }).toBe('finished');
    await expect.poll(() => page.locator('#confusion table').count(), { timeout: 10_000 }).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-run')]);
    expect(download.suggestedFilename()).toMatch(/^digitrain-run-tp-seed5-\d{4}-\d\d-\d\d\.json$/);
    file = `${out}/${download.suggestedFilename()}`;
    await download.saveAs(file);
    original = await seen(page);
    await page.close();

    const run = JSON.parse(readFileSync(file, 'utf8'));
    expect(run.format).toBe('digitrain-run');
    expect(run.version).toBe(1);
    expect(run.config).toMatchObject({ preset: 'tp', batch_size: 32, learning_rate: 0.01, epochs: 2, seed: 5 });
    expect(run.history.map((m: { epoch: number }) => m.epoch)).toEqual([1, 2]);
    expect(run.batch_losses.length).toBe(2 * 250);
    expect(run.confusion.matrix.length).toBe(10);
    expect(run.confusion.matrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(2000);
    expect(run.model.format).toBe('digitrain-model');
    expect(run.data).toMatchObject({ source: 'demo', train: { count: 8000 }, test: { count: 2000 } });

    const { page: fresh, errors } = await openPage(browser(), inject('isolatedUrl'));
    await fresh.setInputFiles('#run-input', file);
    await expect
      .poll(() => fresh.textContent('#model-status'), { timeout: 10_000 })
      .toMatch(/^Opened digitrain-run-tp-seed5-.*: a 784-128-64-10 network trained 2 epochs \(seed 5\)/);
    expect(await seen(fresh)).toEqual(original);
    // The loss curve came back batch for batch; the run is listed for comparison.
    expect(await fresh.evaluate(() => document.querySelector('#runs')!.textContent)).toMatch(
      /\(opened\): 2 epochs, final error/,
    );
    expect(await fresh.isDisabled('#export-run')).toBe(false);
    expect(errors).toEqual([]);
    await shot(fresh, 'run-reopened');
    await fresh.close();
  });

  it('refuses bad and foreign files by name and problem, and keeps what was open', async () => {
    const { page } = await openPage(browser(), inject('isolatedUrl'));
    await page.setInputFiles('#run-input', file);
    await expect.poll(() => page.textContent('#model-status'), { timeout: 10_000 }).toMatch(/^Opened /);
    const run = JSON.parse(readFileSync(file, 'utf8'));
    const cases: [string, string | Buffer, RegExp][] = [
      ['notes.json', 'epoch,loss\n1,0.5\n', /notes\.json is not a digitrain run file: it looks like CSV text/],
      [
        'broken.json',
        readFileSync(file, 'utf8').slice(0, 5000),
        /broken\.json is not a digitrain run file: it is not JSON/,
      ],
      [
        'model.json',
        JSON.stringify(run.model),
        /model\.json is a digitrain model file .*not a run: open it with "Load model…"/,
      ],
      [
        'other.json',
        JSON.stringify({ name: 'x', values: [1, 2] }),
        /other\.json is not a digitrain run file: it has no "format": "digitrain-run" \(its keys: name, values\)/,
      ],
      [
        'future.json',
        JSON.stringify({ ...run, version: 7 }),
        /future\.json is a run file of version 7, made by a newer digitrain/,
      ],
      ['nocurves.json', JSON.stringify({ ...run, history: 'none' }), /nocurves\.json has no per-epoch curves/],
      [
        'badlr.json',
        JSON.stringify({ ...run, config: { ...run.config, learning_rate: -1 } }),
        /badlr\.json has a bad setting: Learning rate \(learning_rate\) must be above 0/,
      ],
      [
        'photo.json',
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]),
        /photo\.json is not a digitrain run file: it looks like a PNG image/,
      ],
      // Well-formed around a broken model: the engine's own check names it.
      [
        'badmodel.json',
        JSON.stringify({ ...run, model: { ...run.model, layers: [] } }),
        /badmodel\.json: its model was refused: .*badmodel\.json/,
      ],
    ];
    for (const [name, content, message] of cases) {
      await page.setInputFiles('#run-input', { name, mimeType: 'application/json', buffer: Buffer.from(content) });
      await expect.poll(() => page.textContent('#model-error'), { timeout: 5000 }).toMatch(message);
      expect(await page.textContent('#model-error')).toMatch(/(Nothing was changed|The current model is unchanged)\.$/);
      expect(await page.textContent('#model-status')).toMatch(/^Opened digitrain-run-tp-seed5/);
    }
    // A run file given to "Load model…" is opened as the run it is.
    const renamed = `${out}/handed-in.json`;
    writeFileSync(renamed, readFileSync(file));
    await page.setInputFiles('#model-input', renamed);
    await expect.poll(() => page.textContent('#model-status'), { timeout: 10_000 }).toMatch(/^Opened handed-in\.json/);
    expect(await page.locator('#model-error').isHidden()).toBe(true);
    await page.close();
  });
});
