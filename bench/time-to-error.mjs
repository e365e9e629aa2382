#!/usr/bin/env node
// How long the page takes, from pressing Train, to reach a test error: the real page (a Vite
// build with full MNIST, served cross-origin isolated, so the threaded engine trains in its
// Worker with the page's own thread count) in headless Chromium loads full MNIST with its
// "Full MNIST" button, trains a preset, and the script watches the page's epoch history.
//
//   node bench/time-to-error.mjs [--preset P] [--target PERCENT] [--set KEY=VALUE]... [--mnist DIR]
//                                [--json] [--no-build]
//
//   --preset P        what to train (default best, with its own epochs)
//   --target PERCENT  the test error to reach (default 2.0)
//   --set KEY=VALUE   any other setting the page's address takes (repeatable), e.g. --set threads=1
//   --mnist DIR       full MNIST's four uncompressed files in DIR (train-images-idx3-ubyte, …),
//                     gzipped for the page; default: scripts/full-mnist.mjs fetches them once
//   --json            one line: {"impl":"page-time-to-error","preset":…,"target":…,"epoch":E,
//                     "seconds":S,"epochs_seconds":[…],"samples_per_second":[…],"test_error":[…],
//                     "threads":"Threads — …","load":…}
//   --no-build        reuse build-bench/time-to-error/ when it is there
//
// Prints the first epoch whose test error is at or below the target and the wall time from the
// Train click until the page had that epoch's figures (loading the files is not counted), each
// epoch's test error and training rate as the page reports them, and its Threads line. A
// figure, never an assertion: this 2-core machine moves ±15–30 % between runs, and more under
// other load.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DEMO_FILES } from '../web/data/demo-files.js';
import { servePage } from './lib/page-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const usage =
  'usage: node bench/time-to-error.mjs [--preset P] [--target PERCENT] [--set KEY=VALUE]... [--mnist DIR] [--json] [--no-build]';

/** @typedef {{ epoch: number, test_error: number | null, seconds: number | null, samples_per_second: number | null }} Epoch */
/** @typedef {typeof globalThis & { digitrain: { history: Epoch[] } }} PageGlobal */

/** @type {{ preset: string, target: number, set: string[], mnist: string, json: boolean, build: boolean }} */
const opts = { preset: 'best', target: 2.0, set: [], mnist: '', json: false, build: true };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const [key, inline] = argv[i].replace(/^--/, '').split(/=(.*)/s);
  const value = () => inline ?? argv[++i];
  if (key === 'preset') opts.preset = value();
  else if (key === 'target') opts.target = Number(value());
  else if (key === 'set') opts.set.push(value());
  else if (key === 'mnist') opts.mnist = value();
  else if (key === 'json') opts.json = true;
  else if (key === 'no-build') opts.build = false;
  else {
    console.error(`time-to-error: unknown option ${argv[i]}\n${usage}`);
    process.exit(2);
  }
}
if (!(opts.target > 0 && opts.target < 100)) {
  console.error(`time-to-error: --target must be a percentage between 0 and 100\n${usage}`);
  process.exit(2);
}
const say = (/** @type {string} */ s) => process.stderr.write(`${s}\n`);

// The page's build serves full MNIST gzipped, from the folder scripts/full-mnist.mjs names.
let gzDir = '';
if (opts.mnist) {
  const { OVERRIDE_ENV } = await import('../scripts/full-mnist.mjs');
  gzDir = mkdtempSync(join(tmpdir(), 'digitrain-time-to-error-'));
  for (const gz of Object.values(DEMO_FILES))
    writeFileSync(join(gzDir, gz), gzipSync(readFileSync(join(opts.mnist, gz.replace(/\.gz$/, '')))));
  process.env[OVERRIDE_ENV] = gzDir;
}

let failed = false;
/** @type {{ close(): Promise<void> } | null} */
let server = null;
/** @type {import('playwright-core').Browser | null} */
let browser = null;
try {
  const served = await servePage({
    name: 'time-to-error',
    outDir: join(root, 'build-bench', 'time-to-error'),
    build: opts.build,
    fullMnist: true,
    say,
  });
  server = served.server;
  const query = new URLSearchParams({ preset: opts.preset });
  for (const s of opts.set) {
    const [k, v] = s.split(/=(.*)/s);
    query.set(k, v);
  }
  const { launchChromium } = await import('../scripts/chromium.mjs');
  browser = await launchChromium(process.env.BENCH_CHROMIUM);
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  await page.goto(`${new URL(`?${query}`, served.url)}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  const refused = (await page.locator('#config-error').textContent())?.trim();
  if (refused && (await page.locator('#config-error').isVisible()))
    throw new Error(`the page refused the settings: ${refused}`);
  if (!(await page.locator('#full-mnist-button').isVisible())) throw new Error('this page offers no full MNIST');
  await page.click('#full-mnist-button');
  await page.waitForSelector('#data-status[data-source="mnist"]', { timeout: 300_000 });
  say(`time-to-error: training ${query} on full MNIST (load average ${loadavg()[0].toFixed(1)})`);

  const target = opts.target / 100;
  const t0 = Date.now();
  await page.click('#train-button');
  // Reached, or the run ended without reaching it (its epochs are over, or it stopped).
  await page.waitForFunction(
    (t) =>
      /** @type {PageGlobal} */ (/** @type {unknown} */ (globalThis)).digitrain.history.some(
        (m) => m.test_error !== null && m.test_error <= t,
      ) || document.body.dataset.trainState === 'finished',
    target,
    { timeout: 3_600_000, polling: 20 },
  );
  const seconds = (Date.now() - t0) / 1000;
  const history = await page.evaluate(
    () => /** @type {PageGlobal} */ (/** @type {unknown} */ (globalThis)).digitrain.history,
  );
  // The page's own line: how many threads train, and why (auto may move while training).
  const threads = ((await page.locator('#train-threads').textContent()) ?? '').trim();
  const reached = history.find((m) => m.test_error !== null && m.test_error <= target);
  const pct = (/** @type {number | null} */ e) => (e === null ? '—' : `${(100 * e).toFixed(2)} %`);
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({
        impl: 'page-time-to-error',
        preset: opts.preset,
        settings: Object.fromEntries(query),
        target: opts.target,
        epoch: reached?.epoch ?? null,
        seconds: reached ? Number(seconds.toFixed(1)) : null,
        epochs_seconds: history.map((m) => m.seconds),
        samples_per_second: history.map((m) => m.samples_per_second),
        test_error: history.map((m) => m.test_error),
        threads,
        load: Number(loadavg()[0].toFixed(1)),
      })}\n`,
    );
  } else {
    console.log(
      reached
        ? `${opts.preset} on full MNIST in Chromium: test error ${pct(reached.test_error)} ≤ ${opts.target} % after epoch ${reached.epoch}, ${seconds.toFixed(1)} s from pressing Train`
        : `${opts.preset} on full MNIST in Chromium: never reached ${opts.target} % in ${history.length} epochs (${seconds.toFixed(1)} s)`,
    );
    for (const m of history)
      console.log(
        `  epoch ${String(m.epoch).padStart(2)}: test error ${pct(m.test_error).padStart(7)}, ` +
          `${m.samples_per_second === null ? '—' : Math.round(m.samples_per_second).toLocaleString('en')} samples/s`,
      );
    console.log(`  ${threads || 'Threads — (not shown)'} (load average ${loadavg()[0].toFixed(1)} at the end)`);
  }
  if (!reached) failed = true;
} catch (e) {
  failed = true;
  console.error(`time-to-error: ${/** @type {Error} */ (e).message}`);
} finally {
  await browser?.close();
  await server?.close();
  if (gzDir) rmSync(gzDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
