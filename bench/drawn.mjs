#!/usr/bin/env node
// How well a trained network reads digits drawn on the page: the real page (a Vite build served
// cross-origin isolated) in headless Chromium trains a preset, then every digit of one part of
// the committed drawn-digit set (tests/fixtures/drawn/digits.json: hand-made stroke skeletons
// under systematic variations — tiny, off-centre, thick, thin, slanted) is drawn with the mouse
// on the draw pad, and the page's prediction is compared with the digit meant.
//
//   node bench/drawn.mjs [--preset P] [--epochs N] [--set KEY=VALUE]... [--part tune|holdout]
//                        [--data demo|full] [--max N] [--json] [--out FILE] [--url URL] [--no-build]
//
//   --preset, --epochs   what to train (default: best, its own epochs)
//   --set KEY=VALUE      any other setting the page's address takes (repeatable), e.g.
//                        --set learning_rate=0.02; also view parameters
//   --part               tune (default) or holdout, or both as tune,holdout: one training, then
//                        each part drawn in turn. The holdout part (other skeletons, other
//                        variation values) is for final figures only: never choose settings by it
//   --data               demo (default: the demo digits) or full (full MNIST: the page's button,
//                        from a build with --full-mnist; scripts/full-mnist.mjs fetches it once)
//   --max N              only N drawings, spread over each part (a quick check of the mechanics)
//   --json               one line on stdout per part: {"impl":"drawn","preset":…,"part":…,"drawings":N,
//                        "accuracy":…,"groups":{"tiny":{"drawings","correct","accuracy"},…},…}
//   --out FILE           every drawing with its prediction, as JSON (an array of one such object
//                        per part when several parts are drawn)
//   --url URL            use the page already served there (no build, no server of its own)
//   --no-build           reuse build-bench/drawn(-full)/ when it is there
// Prints accuracy overall, per variation group and per digit. A figure, never an assertion.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { servePage } from './lib/page-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SPEC_FILE = join(root, 'tests', 'fixtures', 'drawn', 'digits.json');

/** @typedef {[number, number]} Point */
/** @typedef {(Point | { arc: [number, number, number, number, number, number] })[]} StrokeSpec */
/** @typedef {{ name: string, group: string, size: number, dx?: number, dy?: number, slant?: number, thicken?: number }} Variation */
/** @typedef {{ format: string, version: number, parts: Record<string, { skeletons: string[], variations: Variation[] }>,
 *   digits: Record<string, Record<string, StrokeSpec[]>> }} DrawnSpec */
/** @typedef {{ digit: number, skeleton: string, variation: string, group: string, strokes: Point[][] }} Drawing */
/** @typedef {{ digit: number, skeleton: string, variation: string, group: string, predicted: number | null }} DrawnResult */
/** @typedef {{ drawings: number, correct: number, accuracy: number }} Tally */

/** @param {string} [file] @returns {DrawnSpec} */
export function loadSpec(file = SPEC_FILE) {
  const spec = JSON.parse(readFileSync(file, 'utf8'));
  if (spec.format !== 'digitrain-drawn-digits' || spec.version !== 1)
    throw new Error(`${file}: not a digitrain-drawn-digits file of version 1`);
  return spec;
}

/** A stroke's points in its digit's unit box: arcs become points every 10°. @param {StrokeSpec} stroke */
function points(stroke) {
  /** @type {Point[]} */
  const out = [];
  for (const piece of stroke) {
    if (Array.isArray(piece)) out.push(piece);
    else {
      const [cx, cy, rx, ry, from, to] = piece.arc;
      const n = Math.max(2, Math.ceil(Math.abs(to - from) / 10));
      for (let k = 0; k <= n; k++) {
        const a = ((from + ((to - from) * k) / n) * Math.PI) / 180;
        out.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
      }
    }
  }
  return out;
}

/**
 * Every drawing of a part: each digit's skeletons of that part under each of its variations,
 * as strokes in fractions of the pad. The digit's box is a square of `size` × the pad, centred
 * then moved by (dx, dy); `slant` shears it (positive: the top leans right); `thicken` draws
 * each stroke four more times, moved by that much left, right, up and down (the pad's pen has
 * one width, a fourteenth of the pad: "thin" is a large digit, whose strokes are thin beside it).
 * @param {DrawnSpec} spec @param {string} part @returns {Drawing[]}
 */
export function drawingsOf(spec, part) {
  const p = spec.parts[part];
  if (!p) throw new Error(`no part "${part}" (parts: ${Object.keys(spec.parts).join(', ')})`);
  const clamp = (/** @type {number} */ v) => Math.min(0.995, Math.max(0.005, v));
  /** @type {Drawing[]} */
  const out = [];
  for (const [digit, skeletons] of Object.entries(spec.digits))
    for (const skeleton of p.skeletons)
      for (const v of p.variations) {
        const strokes = skeletons[skeleton];
        if (!strokes) throw new Error(`digit ${digit} has no skeleton "${skeleton}"`);
        /** @param {Point} q @param {number} ox @param {number} oy @returns {Point} */
        const place = ([u, w], ox, oy) => [
          clamp(0.5 + (v.dx ?? 0) + v.size * (u - 0.5 - (v.slant ?? 0) * (w - 0.5)) + ox),
          clamp(0.5 + (v.dy ?? 0) + v.size * (w - 0.5) + oy),
        ];
        const t = v.thicken ?? 0;
        const offsets = t
          ? [
              [0, 0],
              [t, 0],
              [-t, 0],
              [0, t],
              [0, -t],
            ]
          : [[0, 0]];
        out.push({
          digit: Number(digit),
          skeleton,
          variation: v.name,
          group: v.group,
          strokes: offsets.flatMap(([ox, oy]) => strokes.map((s) => points(s).map((q) => place(q, ox, oy)))),
        });
      }
  return out;
}

/** Accuracy overall, by variation group and by digit. @param {DrawnResult[]} results */
export function summarise(results) {
  /** @param {DrawnResult[]} rs @returns {Tally} */
  const tally = (rs) => {
    const correct = rs.filter((r) => r.predicted === r.digit).length;
    return { drawings: rs.length, correct, accuracy: rs.length ? correct / rs.length : 0 };
  };
  /** @param {(r: DrawnResult) => string} key */
  const by = (key) =>
    Object.fromEntries([...new Set(results.map(key))].map((k) => [k, tally(results.filter((r) => key(r) === k))]));
  return { ...tally(results), groups: by((r) => r.group), digits: by((r) => String(r.digit)) };
}

/**
 * Draws each drawing on a cleared pad and reads the page's prediction (null when the page
 * read none, e.g. a drawing too small).
 * @param {import('playwright-core').Page} page @param {Drawing[]} drawings
 * @param {(r: DrawnResult, k: number) => void} [onEach] @returns {Promise<DrawnResult[]>}
 */
export async function drawAll(page, drawings, onEach = () => {}) {
  const { drawStrokes } = await import('../scripts/draw-pad.mjs');
  /** @type {DrawnResult[]} */
  const results = [];
  for (const [k, d] of drawings.entries()) {
    await page.click('#clear-button');
    await drawStrokes(page, d.strokes);
    const digit = await page.getAttribute('#prediction', 'data-digit');
    const r = {
      digit: d.digit,
      skeleton: d.skeleton,
      variation: d.variation,
      group: d.group,
      predicted: digit === null ? null : Number(digit),
    };
    results.push(r);
    onEach(r, k);
  }
  return results;
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ preset: string, epochs: number | null, set: string[], part: string, data: string, max: number,
   *   json: boolean, out: string | null, url: string | null, build: boolean }} */
  const opts = {
    preset: 'best',
    epochs: null,
    set: [],
    part: 'tune',
    data: 'demo',
    max: Infinity,
    json: false,
    out: null,
    url: null,
    build: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split(/=(.*)/s);
    const value = () => inline ?? argv[++i] ?? '';
    if (key === '--preset') opts.preset = value();
    else if (key === '--epochs') opts.epochs = Number(value());
    else if (key === '--set') opts.set.push(value());
    else if (key === '--part') opts.part = value();
    else if (key === '--data') opts.data = value();
    else if (key === '--max') opts.max = Number(value());
    else if (key === '--json') opts.json = true;
    else if (key === '--out') opts.out = value();
    else if (key === '--url') opts.url = value();
    else if (key === '--no-build') opts.build = false;
    else throw new Error(`unknown option ${argv[i]} (see the top of bench/drawn.mjs)`);
  }
  if (opts.epochs !== null && !(Number.isInteger(opts.epochs) && opts.epochs > 0))
    throw new Error('--epochs must be a positive integer');
  if (!(opts.max > 0)) throw new Error('--max must be a positive number');
  if (!['demo', 'full'].includes(opts.data)) throw new Error(`--data must be demo or full, got ${opts.data}`);
  for (const s of opts.set) if (!/^[a-z_]+=./.test(s)) throw new Error(`--set takes KEY=VALUE, got ${s}`);
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const say = (/** @type {string} */ s) => process.stderr.write(`${s}\n`);
  const spec = loadSpec();
  const parts = opts.part.split(',').map((part) => {
    const all = drawingsOf(spec, part);
    // --max spreads its drawings over the whole part (every digit and variation gets a turn).
    const drawings =
      opts.max < all.length
        ? Array.from({ length: opts.max }, (_, k) => all[Math.floor((k * all.length) / opts.max)])
        : all;
    return { part, drawings };
  });
  if (parts.some((p) => p.part === 'holdout'))
    say('drawn: the holdout part — for final figures only, never for choosing settings');

  /** @type {{ close(): Promise<void> } | null} */
  let server = null;
  let url = opts.url;
  if (!url) {
    const outDir = join(root, 'build-bench', opts.data === 'full' ? 'drawn-full' : 'drawn');
    ({ server, url } = await servePage({
      name: 'drawn',
      outDir,
      build: opts.build,
      fullMnist: opts.data === 'full',
      say,
    }));
  }
  const query = new URLSearchParams({ preset: opts.preset });
  if (opts.epochs) query.set('epochs', String(opts.epochs));
  for (const s of opts.set) {
    const [k, v] = s.split(/=(.*)/s);
    query.set(k, v);
  }
  const { launchChromium } = await import('../scripts/chromium.mjs');
  const browser = await launchChromium(process.env.BENCH_CHROMIUM);
  try {
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    /** @type {string[]} */
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${new URL(`?${query}`, url)}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    // A setting the page refuses (a misspelt key, a value out of range) must not go unnoticed.
    const refused = (await page.locator('#config-error').textContent())?.trim();
    if (refused && (await page.locator('#config-error').isVisible()))
      throw new Error(`the page refused the settings: ${refused}`);
    if (opts.data === 'full') {
      if (!(await page.locator('#full-mnist-button').isVisible()))
        throw new Error('this page offers no full MNIST (build it with --data full, or serve a --full-mnist build)');
      await page.click('#full-mnist-button');
      await page.waitForSelector('#data-status[data-source="mnist"]', { timeout: 300_000 });
    }
    const dataText = (await page.locator('#data-status').textContent()) ?? '';
    say(`drawn: training ${query} — ${dataText.replace(/^.*?(Training:)/s, '$1')}`);
    const t0 = Date.now();
    await page.click('#train-button');
    await page.waitForSelector('body[data-train-state="finished"]', { timeout: 3_600_000 });
    const history = await page.evaluate(
      () =>
        /** @type {{ digitrain: { history: { test_error: number | null }[] } }} */ (/** @type {unknown} */ (globalThis))
          .digitrain.history,
    );
    const testError = history.at(-1)?.test_error ?? null;
    say(
      `drawn: trained in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${history.length} epochs, test error ${testError === null ? '—' : (100 * testError).toFixed(2) + ' %'}`,
    );
    if (errors.length) throw new Error(`the page reported errors: ${errors.join('; ')}`);
    /** @type {object[]} */
    const saved = [];
    for (const { part, drawings } of parts) {
      say(`drawn: drawing ${drawings.length} digits (${part})…`);
      const results = await drawAll(page, drawings, (r, k) => {
        if (!opts.json && (k + 1) % 20 === 0) say(`  ${k + 1}/${drawings.length}`);
      });
      if (errors.length) throw new Error(`the page reported errors: ${errors.join('; ')}`);
      const summary = summarise(results);
      const figure = {
        impl: 'drawn',
        preset: opts.preset,
        settings: query.toString(),
        data: opts.data,
        part,
        epochs: history.length,
        test_error: testError,
        drawings: summary.drawings,
        accuracy: summary.accuracy,
        groups: summary.groups,
        digits: summary.digits,
      };
      saved.push({ ...figure, results });
      if (opts.json) process.stdout.write(`${JSON.stringify(figure)}\n`);
      else {
        const pct = (/** @type {Tally} */ t) =>
          `${(100 * t.accuracy).toFixed(1).padStart(5)} %  (${t.correct}/${t.drawings})`;
        const lines = [
          `Drawn digits read correctly (${part} part, ${query}, ${opts.data} data):`,
          `  overall     ${pct(summary)}`,
        ];
        for (const [g, t] of Object.entries(summary.groups)) lines.push(`  ${g.padEnd(11)} ${pct(t)}`);
        lines.push(
          `  by digit: ${Object.entries(summary.digits)
            .map(([d, t]) => `${d} ${t.correct}/${t.drawings}`)
            .join(', ')}`,
        );
        process.stdout.write(lines.join('\n') + '\n');
      }
    }
    if (opts.out) writeFileSync(opts.out, JSON.stringify(saved.length === 1 ? saved[0] : saved, null, 1) + '\n');
  } finally {
    await browser.close();
    await server?.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  main().catch((e) => {
    console.error(`drawn: ${e.message}`);
    process.exit(1);
  });
