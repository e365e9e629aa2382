// A student's first minutes on the page, driven as a student meets them: results that must not
// read as right when they are not (a test set from other data, raw outputs shown as
// probabilities), the first screen and its defaults, keyboard use, a phone, and the data and
// run panels.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { ONE, SEVEN, drawStrokes, openPage, root, shot, tpQuery, useBrowser, usePage } from './browser';
import { axeViolations, focused, tabTo, trainState, setField, trainToEnd } from './page-actions';

const fixtures = `${root}tests/fixtures`;
const browser = useBrowser();

type Digitrain = { state: string; history: { test_error: number | null; validation_error: number | null }[] };
const trainer = (page: Page) => page.evaluate(() => (globalThis as unknown as { digitrain: Digitrain }).digitrain);

describe('wrong results are not shown as right', () => {
  const page = usePage(browser, tpQuery(1));

  it('drops the demo test set when only a training pair is loaded, says so, and trains without a test curve', async () => {
    expect(await page().textContent('#data-status')).toMatch(/test: 2,000 digits/);
    await page().setInputFiles('#file-input', [
      `${fixtures}/digits/train-images-idx3-ubyte.gz`,
      `${fixtures}/digits/train-labels-idx1-ubyte.gz`,
    ]);
    await expect
      .poll(() => page().textContent('#data-status'), { timeout: 10_000 })
      .toMatch(/Training: 3,000 .*; test: none\./);
    expect(await page().textContent('#data-warning')).toMatch(
      /the test set loaded before \(t10k-images-idx3-ubyte\.gz\) was dropped/,
    );
    await trainToEnd(page());
    const history = (await trainer(page())).history;
    expect(history.length).toBe(1);
    expect(history[0].test_error).toBeNull();
    expect(await page().textContent('#train-status')).not.toMatch(/test error/);
  });

  it("shows a non-softmax network's outputs as scores, not percentages", async () => {
    await page().click('#demo-button');
    await expect
      .poll(() => page().locator('#data-status').getAttribute('data-source'), { timeout: 10_000 })
      .toBe('demo');
    await page().selectOption('#preset', 'numpy-tutorial');
    await page().click('#settings summary');
    // The tutorial's own loss: its printed Σ(y − o)², not half of it.
    expect(await page().inputValue('#field-loss')).toBe('total-squared-error');
    await page().fill('#field-epochs', '1');
    await page().dispatchEvent('#field-epochs', 'change');
    await trainToEnd(page());
    await drawStrokes(page(), SEVEN);
    const prediction = (await page().textContent('#prediction')) ?? '';
    expect(prediction).toMatch(/^Prediction: \d \(largest output, -?\d+\.\d{3}\)$/);
    expect(prediction).not.toMatch(/%/);
    expect(await page().isVisible('#bars-note')).toBe(true);
    expect(await page().textContent('#bars-note')).toMatch(/identity output layer: scores, not probabilities/);
    const values = await page().locator('#probabilities .bar-value').allTextContents();
    expect(values).toHaveLength(10);
    for (const v of values) expect(v).toMatch(/^-?\d+\.\d{3}$/);
    // Bars scaled to the largest magnitude: the widest is full, none is wider.
    const widths = await page()
      .locator('#probabilities .bar-fill')
      .evaluateAll((fills) => fills.map((f) => parseFloat((f as HTMLElement).style.width)));
    expect(Math.max(...widths)).toBeCloseTo(100, 5);
    await shot(page(), 'first-minutes-outputs');
    // The mistakes gallery says "output", not "p=", for these scores too.
    await page().locator('#confusion button:not([disabled])').first().click();
    await expect.poll(() => page().locator('#mistakes figcaption').count()).toBeGreaterThan(0);
    expect(await page().locator('#mistakes figcaption').first().textContent()).toMatch(
      /^#\d+: \d → \d \(output -?\d+\.\d\d\)$/,
    );
    // Back to a softmax preset: percentages again, the note gone.
    await page().selectOption('#preset', 'tp');
    await page().fill('#field-epochs', '1');
    await page().dispatchEvent('#field-epochs', 'change');
    await trainToEnd(page());
    await drawStrokes(page(), SEVEN);
    expect(await page().textContent('#prediction')).toMatch(/^Prediction: \d \(\d+\.\d%\)$/);
    expect(await page().isVisible('#bars-note')).toBe(false);
  });
});

/** Every state the training status line showed, recorded in the page from now on. */
const recordStatus = (page: Page) =>
  page.evaluate(() => {
    const seen: string[] = [];
    (globalThis as unknown as { statusSeen: string[] }).statusSeen = seen;
    const status = document.querySelector('#train-status')!;
    new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
const statusSeen = (page: Page) => page.evaluate(() => (globalThis as unknown as { statusSeen: string[] }).statusSeen);

describe('the first screen and its defaults', () => {
  const page = usePage(browser, tpQuery(2));

  it('shows the engine in one short line, with why on demand', async () => {
    const line = page().locator('#engine-status');
    const lineHeight = await line.evaluate((e) => parseFloat(getComputedStyle(e).lineHeight));
    expect((await line.boundingBox())!.height).toBeLessThan(2.5 * lineHeight);
    expect(await page().textContent('#engine-summary')).toMatch(
      /^Engine .*: threads \+ SIMD build, up to \d+ threads? \(\d+ cores\)\.$/,
    );
    expect(await page().isVisible('#engine-reason')).toBe(false);
    await page().click('#engine-details summary');
    expect(await page().isVisible('#engine-reason')).toBe(true);
    expect(((await page().textContent('#engine-reason')) ?? '').length).toBeGreaterThan(10);
  });

  it('says what each preset is and which one to use for drawing', async () => {
    const options = await page().locator('#preset option').allTextContents();
    expect(options.find((o) => o.startsWith('tp — '))).toMatch(/^tp — TP 4-6/);
    expect(options.find((o) => o.startsWith('best — '))).toBe('best — best for drawing');
    expect(await page().isVisible('#preset-advice')).toBe(true);
    expect(await page().textContent('#preset-advice')).toMatch(/To draw your own digits, choose best/);
  });

  it('offers Pause, not Resume, before any run; estimates the time left only once measured; ends with what was done', async () => {
    expect(await page().textContent('#pause-button')).toBe('Pause');
    expect(await page().isDisabled('#pause-button')).toBe(true);
    await recordStatus(page());
    await trainToEnd(page());
    const running = (await statusSeen(page())).filter((t) => t.startsWith('Training — '));
    expect(running.length).toBeGreaterThan(0);
    // No estimate from the first instants of a run: they are mostly start-up.
    expect(running[0]).toMatch(/estimating the time left…/);
    const status = (await page().textContent('#train-status')) ?? '';
    expect(status).toMatch(/^Finished — 2\/2 epochs done \(500 batches in this run\)/);
    expect(status).not.toMatch(/batch 0\/|left/);
    expect(await page().textContent('#pause-button')).toBe('Pause');
  });

  it('leaves series that were not measured out of the legend', async () => {
    const legend = await page().evaluate(
      () => (globalThis as unknown as { digitrain: { chartLegend: string[] } }).digitrain.chartLegend,
    );
    expect(legend).toEqual(['train', 'test']);
  });

  it('asks for a larger drawing instead of reading a small blob', async () => {
    const tiny = SEVEN.map((stroke) =>
      stroke.map(([x, y]) => [0.45 + (x - 0.5) * 0.25, 0.45 + (y - 0.5) * 0.25] as [number, number]),
    );
    await drawStrokes(page(), tiny);
    expect(await page().textContent('#prediction')).toMatch(
      /^Draw larger: fill most of the box \(this spans \d+%\)\.$/,
    );
    expect(await page().getAttribute('#prediction', 'data-digit')).toBeNull();
    await page().click('#clear-button');
    await drawStrokes(page(), SEVEN);
    expect(await page().textContent('#prediction')).toMatch(/^Prediction: \d/);
  });
});

describe('keyboard only, and accessibility', () => {
  const page = usePage(browser, '?preset=tp&epochs=10');

  it('keeps the focus on a control when Train disables itself', async () => {
    await page().focus('#preset');
    await tabTo(page(), 'train-button');
    await page().keyboard.press('Enter');
    await expect.poll(() => trainState(page())).toBe('running');
    expect(await focused(page())).toBe('pause-button');
    await page().keyboard.press('Enter'); // Pause
    await expect.poll(() => trainState(page())).toBe('paused');
    expect(await page().textContent('#pause-button')).toBe('Resume');
    expect(await focused(page())).toBe('pause-button');
    await page().keyboard.press('Enter'); // Resume
    await expect.poll(() => trainState(page()), { timeout: 40_000 }).toBe('finished');
    // Pause and Stop are disabled now: the focus went on to a control, never to <body>.
    expect(await focused(page())).toBe('train-button');
  });

  it('classifies a chosen test digit without drawing', async () => {
    await tabTo(page(), 'test-index');
    await page().keyboard.press('Control+A');
    await page().keyboard.type('3');
    await page().keyboard.press('Enter');
    await expect
      .poll(() => page().textContent('#prediction'))
      .toMatch(/^Test digit #3 \(labelled \d\): Prediction: \d \(\d+\.\d%\)$/);
    await page().keyboard.press('Control+A');
    await page().keyboard.type('99999');
    await page().keyboard.press('Enter');
    await expect.poll(() => page().textContent('#prediction')).toBe('Choose a test digit from 0 to 1,999.');
  });

  it('gives the charts a data table', async () => {
    await tabTo(page(), 'error-data-summary');
    await page().keyboard.press('Enter');
    const head = await page().locator('#error-table thead th').allTextContents();
    expect(head).toEqual(['epoch', 'training error', 'test error', 'training loss', 'learning rate']);
    const rows = await page().locator('#error-table tbody tr').allTextContents();
    expect(rows).toHaveLength(10);
    expect(rows[1]).toMatch(/^2\d+\.\d\d%\d+\.\d\d%/);
  });

  it('has targets of at least 24×24 px and no axe-core violation of any impact with every panel open', async () => {
    for (const id of ['#preview', '#from-url', '#settings', '#inspector', '#compare-data', '#engine-details'])
      await page().evaluate((sel) => ((document.querySelector(sel) as HTMLDetailsElement).open = true), id);
    await page().click('#inspector-example-lab');
    await page().waitForSelector('#inspector-results [data-name="output_before[1]"]');
    await page().waitForSelector('#confusion table');
    for (const selector of ['input[type="checkbox"]', 'input[type="url"]']) {
      const boxes = await page()
        .locator(selector)
        .evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.width, r.height]));
      expect(boxes.length).toBeGreaterThan(0);
      for (const [w, h] of boxes) expect(Math.min(w, h), selector).toBeGreaterThanOrEqual(24);
    }
    const violations = await axeViolations(page());
    expect(violations).toEqual([]);
  });
});

describe('on a phone (375×667, touch)', () => {
  const page = usePage(browser, tpQuery(2), { viewport: { width: 375, height: 667 }, hasTouch: true, isMobile: true });

  /** One finger stroke on the pad (touch events, as a phone sends them), points in pad fractions. */
  async function touchStroke(points: [number, number][]): Promise<void> {
    const box = (await page().locator('#draw-canvas').boundingBox())!;
    const cdp = await page().context().newCDPSession(page());
    const at = ([x, y]: [number, number]) => [{ x: box.x + x * box.width, y: box.y + y * box.height }];
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(points[0]) });
    for (let i = 1; i < points.length; i++)
      for (let k = 1; k <= 10; k++) {
        const [x0, y0] = points[i - 1],
          [x1, y1] = points[i];
        await cdp.send('Input.dispatchTouchEvent', {
          type: 'touchMove',
          touchPoints: at([x0 + ((x1 - x0) * k) / 10, y0 + ((y1 - y0) * k) / 10]),
        });
      }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await cdp.detach();
  }

  it('reaches Train within the first two screens and trains', async () => {
    const train = (await page()
      .locator('#train-button')
      .evaluate((b) => b.getBoundingClientRect().top + scrollY)) as number;
    expect(train).toBeLessThan(2 * 667);
    await page().tap('#train-button');
    await expect.poll(() => trainState(page()), { timeout: 30_000 }).toBe('finished');
  });

  it('reads a drawing without scrolling: the prediction is in view with the pad', async () => {
    await page().locator('#draw-canvas').scrollIntoViewIfNeeded();
    const revision = await page().getAttribute('#draw-canvas', 'data-revision');
    await touchStroke(SEVEN[0]);
    await expect.poll(() => page().getAttribute('#draw-canvas', 'data-revision')).not.toBe(revision);
    await page().waitForFunction(
      () =>
        document.querySelector<HTMLElement>('#prediction')!.dataset.revision ===
        document.querySelector<HTMLElement>('#draw-canvas')!.dataset.revision,
    );
    expect(await page().textContent('#prediction')).toMatch(/^Prediction: \d \(\d+\.\d%\)$/);
    const inView = async (selector: string) => {
      const r = await page()
        .locator(selector)
        .evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect);
      return r.top >= 0 && r.bottom <= 667 && r.left >= 0 && r.right <= 375;
    };
    expect(await inView('#draw-canvas')).toBe(true);
    expect(await inView('#prediction')).toBe(true);
    await page().screenshot({ path: `${root}test-results/screenshots/first-minutes-phone-draw.png` });
  });

  it("keeps the inspector within the screen's width", async () => {
    await page().evaluate(() => ((document.querySelector('#inspector') as HTMLDetailsElement).open = true));
    await page().tap('#inspector-example-lab');
    await page().waitForSelector('#inspector-results [data-name="output_before[1]"]');
    expect(await page().evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  });
});

describe("the README's first embed snippet", () => {
  it('gives a network that reads drawings', async () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('## Embed it in your course page'));
    const tag = /<digitrain-trainer ([^>]*)>/.exec(section)![1];
    const attributes = [...tag.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]);
    expect(Object.fromEntries(attributes).preset).toBe('best');
    // embed.js passes the element's attributes to the page as its query, as here.
    const { page } = await openPage(
      browser(),
      `${inject('isolatedUrl')}?${new URLSearchParams([...attributes, ['embed', '1']])}`,
    );
    await trainToEnd(page, 60_000);
    const ZERO: [number, number][][] = [
      Array.from(
        { length: 25 },
        (_, k) =>
          [0.5 + 0.22 * Math.sin((k / 24) * 2 * Math.PI), 0.5 - 0.3 * Math.cos((k / 24) * 2 * Math.PI)] as [
            number,
            number,
          ],
      ),
    ];
    for (const [digit, strokes] of [
      ['7', SEVEN],
      ['1', ONE],
      ['0', ZERO],
    ] as const) {
      await page.click('#clear-button');
      await drawStrokes(page, strokes);
      expect(await page.getAttribute('#prediction', 'data-digit'), `a drawn ${digit}`).toBe(digit);
    }
    await page.close();
  }, 90_000);
});

describe('the data panel says what it holds, and how sure it is', () => {
  const page = usePage(browser, tpQuery(1));

  it('calls unknown data neutrally, and shows success, warning and error apart, the failure first', async () => {
    await page().setInputFiles('#file-input', [
      `${fixtures}/digits/train-images-idx3-ubyte.gz`,
      `${fixtures}/digits/train-labels-idx1-ubyte.gz`,
    ]);
    await expect
      .poll(() => page().textContent('#data-status'), { timeout: 10_000 })
      .toMatch(/^Your files are loaded\. Training: 3,000 images of 28×28; test: none\.$/);
    expect(await page().getAttribute('#data-status', 'class')).toBe('ok');
    expect(await page().isVisible('#data-warning')).toBe(true);
    expect(await page().textContent('#data-warning')).toMatch(
      /test set loaded before \(t10k-images-idx3-ubyte\.gz\) was dropped/,
    );
    await page().setInputFiles('#file-input', [`${fixtures}/digits/t10k-images-idx3-ubyte.gz`]);
    await expect.poll(() => page().isVisible('#data-error'), { timeout: 10_000 }).toBe(true);
    expect(await page().textContent('#data-status')).toMatch(/^Still in use, from before: Training: 3,000 images/);
    expect(await page().getAttribute('#data-status', 'class')).not.toMatch(/ok/);
    // The failure is read first; the three kinds of message differ in colour, not only in words.
    const order = await page().evaluate(() =>
      ['#data-error', '#data-status', '#data-warning'].map(
        (s) => document.querySelector(s)!.getBoundingClientRect().top,
      ),
    );
    expect(order[0]).toBeLessThan(order[1]);
    expect(order[1]).toBeLessThan(order[2]);
    const look = (s: string) =>
      page()
        .locator(s)
        .evaluate((e) => `${getComputedStyle(e).borderLeftColor} ${getComputedStyle(e).backgroundColor}`);
    await page().setInputFiles('#file-input', [
      `${fixtures}/digits/train-images-idx3-ubyte.gz`,
      `${fixtures}/digits/train-labels-idx1-ubyte.gz`,
    ]);
    await expect.poll(() => page().getAttribute('#data-status', 'class'), { timeout: 10_000 }).toBe('ok');
    await page().setInputFiles('#file-input', [`${fixtures}/digits/t10k-images-idx3-ubyte.gz`]);
    await expect.poll(() => page().isVisible('#data-error'), { timeout: 10_000 }).toBe(true);
    const [error, warning] = [await look('#data-error'), await look('#data-warning')];
    expect(new Set([error, warning]).size).toBe(2);
  });

  it('recognises Fashion-MNIST by its file names, says so, and names its classes', async () => {
    const dir = `${root}test-results/fashion`;
    mkdirSync(dir, { recursive: true });
    // The content is the digits fixture: recognition is by name, and the page says so.
    const names = [
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ];
    for (const n of names) copyFileSync(`${fixtures}/digits/${n}`, `${dir}/fashion-${n}`);
    await page().setInputFiles(
      '#file-input',
      names.map((n) => `${dir}/fashion-${n}`),
    );
    await expect
      .poll(() => page().textContent('#data-status'), { timeout: 10_000 })
      .toMatch(
        /^Your files are loaded\. Recognised as Fashion-MNIST by file name \(.*fashion-train-images-idx3-ubyte\.gz.* says "fashion"\)\. Training: 3,000 images/,
      );
    expect(await page().textContent('#histogram-caption')).toMatch(
      /^Training images per class: 0 T-shirt\/top: \d+, 1 Trouser: \d+/,
    );
    expect(await page().textContent('#sample-caption')).toMatch(/Labels: 0 T-shirt\/top, 1 Trouser, .*9 Ankle boot\./);
    await trainToEnd(page());
    await page().fill('#test-index', '0');
    await page().click('#classify-test');
    await expect
      .poll(() => page().textContent('#prediction'))
      .toMatch(/^Test image #0 \(labelled \d [A-Z][\w/ -]+\): Prediction: \d [A-Z][\w/ -]+ \(\d+\.\d%\)$/);
  });
});

describe('comparing runs', () => {
  const page = usePage(browser, tpQuery(2));
  const view = () =>
    page().evaluate(
      () =>
        (globalThis as unknown as { digitrain: { compareView: { legend: string[]; yMin: number } } }).digitrain
          .compareView,
    );

  it("labels a run that keeps the preset's value among runs that change it", async () => {
    await trainToEnd(page());
    await page().click('#settings summary');
    await setField(page(), 'learning_rate', '0.001');
    await page().click('#train-button');
    await expect.poll(() => page().locator('#runs li').count(), { timeout: 30_000 }).toBe(2);
    const runs = await page().locator('#runs li').allTextContents();
    expect(runs[0]).toMatch(/^#1 tp learning_rate=0\.01 batch_size=32 epochs=2:/);
    expect(runs[1]).toMatch(/^#2 tp learning_rate=0\.001 \(preset\) batch_size=32 epochs=2:/);
  });

  it('draws a seed repeat as its mean in a ± std band, fits the y-axis to the runs, and saves the overlay', async () => {
    await page().fill('#seed-count', '2');
    await page().click('#seeds-button');
    await expect
      .poll(() => page().locator('#groups p').first().getAttribute('data-runs'), { timeout: 40_000 })
      .toBe('2');
    await expect.poll(() => trainState(page())).toBe('finished');
    const { legend, yMin } = await view();
    expect(legend).toHaveLength(3);
    expect(legend[2]).toMatch(/^2 seeds .*: mean ± std of 2 seeds$/);
    expect(yMin).toBeGreaterThan(0);
    expect(await page().locator('#compare-table thead th').count()).toBe(1 + 4);
    const [png] = await Promise.all([page().waitForEvent('download'), page().click('#export-compare-png')]);
    const path = `${root}test-results/compare.png`;
    await png.saveAs(path);
    expect(readFileSync(path).subarray(1, 4).toString()).toBe('PNG');
    await page()
      .locator('#models')
      .screenshot({ path: `${root}test-results/screenshots/first-minutes-compare.png` });
  });
});

describe('the inspector', () => {
  it('says why a softmax output of one unit shows loss 0 → 0', async () => {
    const { page } = await openPage(browser(), inject('isolatedUrl'));
    await page.click('#inspector summary');
    await page.click('#inspector-example-lab');
    await page.waitForSelector('#inspector-results [data-name="output_before[1]"]');
    expect(await page.textContent('#inspector-status')).not.toMatch(/softmax/);
    await page.selectOption('#inspector-act-2', 'softmax');
    await expect
      .poll(() => page.textContent('#inspector-status'))
      .toMatch(/The output is a softmax over one unit: it is exactly 1 whatever the weights, so every gradient is 0/);
    await page.close();
  });
});
