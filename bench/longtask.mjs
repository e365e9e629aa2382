#!/usr/bin/env node
// The page's main thread while the worker trains: every main-thread task over 50 ms that
// Chromium reports (PerformanceObserver 'longtask'), in the real page (a Vite build served
// cross-origin isolated, so the threaded engine trains), on the demo digits.
//
//   node bench/longtask.mjs [--preset P] [--epochs N] [--json] [--profile] [--memory] [--no-build]
//
// Prints the count of long tasks, the longest ones, and the figure the page is held to: the
// longest main-thread task while training (target: ≤ 100 ms). --json prints one line,
// {"impl":"page-main-thread","preset":...,"longest_task_ms":...,"long_tasks":...,"training_seconds":...}.
// --profile also records a Chromium trace and names what ran inside each long task (script by
// function, style, layout, paint, garbage collection); tracing slows the page a little, so
// measure without it.
// --memory first prints what Chromium counts for the page with the demo digits loaded
// (performance.measureUserAgentSpecificMemory(), by context: the page, the training worker,
// the engine's pthread workers; it resolves after a garbage collection, which can take 20 s).
// A figure, never an assertion: this 2-core machine moves ±15–30 % between runs.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { servePage } from './lib/page-server.mjs';

/** @typedef {{ start: number, duration: number }} LongTask a main-thread task over 50 ms, as the page's PerformanceObserver saw it */
/** @typedef {typeof globalThis & { __longTasks: LongTask[] }} LongTaskGlobal the page, with the long tasks the init script collects */
/**
 * The line --json prints for the training run.
 * @typedef {{ impl: 'page-main-thread', build: string | null, preset: string, longest_task_ms: number, long_tasks: number,
 *   over_100ms: number, training_seconds: number }} LongTaskFigure
 */
/**
 * What performance.measureUserAgentSpecificMemory() resolves to (Chromium only, cross-origin isolated pages;
 * not in TypeScript's DOM lib).
 * @typedef {{ bytes: number, breakdown: { bytes: number, types: string[],
 *   attribution: { url: string, scope: string, container?: { id: string, src: string } }[] }[] }} MemoryMeasurement
 */
/** @typedef {Performance & { measureUserAgentSpecificMemory(): Promise<MemoryMeasurement> }} ChromiumPerformance */
/**
 * One event of a Chromium trace (the Trace Event Format's fields read here); `dur` is on the complete ('X') events.
 * @typedef {{ ph: string, name: string, pid: number, tid: number, ts: number, dur?: number,
 *   args?: { name?: string, data?: { functionName?: string, url?: string, lineNumber?: number, columnNumber?: number } } }} TraceEvent
 */
/** @typedef {TraceEvent & { dur: number }} CompleteEvent */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const opts = { preset: 'best', epochs: 2, json: false, profile: false, memory: false, build: true };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const [key, inline] = argv[i].replace(/^--/, '').split('=');
  const value = () => inline ?? argv[++i];
  if (key === 'preset') opts.preset = value();
  else if (key === 'epochs') opts.epochs = Number(value());
  else if (key === 'json') opts.json = true;
  else if (key === 'profile') opts.profile = true;
  else if (key === 'memory') opts.memory = true;
  else if (key === 'no-build') opts.build = false;
  else {
    console.error(
      `longtask: unknown option ${argv[i]}\nusage: node bench/longtask.mjs [--preset P] [--epochs N] [--json] [--profile] [--memory] [--no-build]`,
    );
    process.exit(2);
  }
}
const say = (/** @type {string} */ s) => process.stderr.write(`${s}\n`);

const served = await servePage({
  name: 'longtask',
  outDir: join(root, 'build-bench', 'page'),
  build: opts.build,
  say,
}).catch((/** @type {Error} */ e) => {
  console.error(`longtask: ${e.message}`);
  process.exit(1);
});
const { server } = served;
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({
  executablePath: process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
let failed = false;
try {
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  // Observing from the first moment: buffered entries before the page's scripts would be lost.
  await page.addInitScript(() => {
    const w = /** @type {LongTaskGlobal} */ (globalThis);
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  const url = `${served.url}?preset=${encodeURIComponent(opts.preset)}&epochs=${opts.epochs}`;
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  const build = await page.locator('#engine-status').getAttribute('data-build');
  if (opts.memory) await pageMemory(page);
  if (opts.profile)
    await browser.startTracing(page, {
      categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink.user_timing'],
    });
  const t0 = await page.evaluate(() => performance.now());
  await page.click('#train-button');
  await page.waitForSelector('body[data-train-state="finished"]', { timeout: 600_000 });
  const t1 = await page.evaluate(() => performance.now());
  const tasks = (await page.evaluate(() => /** @type {LongTaskGlobal} */ (globalThis).__longTasks)).filter(
    (t) => t.start >= t0 && t.start <= t1,
  );
  tasks.sort((a, b) => b.duration - a.duration);
  const longest = tasks[0]?.duration ?? 0;
  const seconds = (t1 - t0) / 1000;

  /** @type {Map<LongTask, string>} */
  let why = new Map();
  if (opts.profile)
    why = attribute(JSON.parse((await browser.stopTracing()).toString()).traceEvents, tasks.slice(0, 5));
  if (opts.json) {
    /** @type {LongTaskFigure} */
    const figure = {
      impl: 'page-main-thread',
      build,
      preset: opts.preset,
      longest_task_ms: Math.round(longest),
      long_tasks: tasks.length,
      over_100ms: tasks.filter((t) => t.duration > 100).length,
      training_seconds: Number(seconds.toFixed(1)),
    };
    process.stdout.write(`${JSON.stringify(figure)}\n`);
  } else {
    console.log(
      `Main thread while the worker trains ${opts.preset} on the demo digits (${build} build, ${opts.epochs} epochs, ${seconds.toFixed(1)} s):`,
    );
    console.log(
      `  longest task ${longest.toFixed(0)} ms (target ≤ 100 ms); ${tasks.length} tasks over 50 ms, ${tasks.filter((t) => t.duration > 100).length} over 100 ms`,
    );
    for (const t of tasks.slice(0, 5)) {
      console.log(
        `  ${t.duration.toFixed(0).padStart(5)} ms at +${((t.start - t0) / 1000).toFixed(2)} s` +
          (why.has(t) ? `: ${why.get(t)}` : ''),
      );
    }
  }
} catch (e) {
  failed = true;
  console.error(`longtask: ${/** @type {Error} */ (e).message}`);
} finally {
  await browser.close();
  await server.close();
}
process.exit(failed ? 1 : 0);

/** Chromium's own count of the page's memory, by context. @param {import('playwright-core').Page} page */
async function pageMemory(page) {
  // An element's textContent is a string (null only for a document or a doctype).
  const engineLine = /** @type {string} */ (await page.locator('#engine-status').textContent());
  const m = await page.evaluate(async () => {
    const r = await /** @type {ChromiumPerformance} */ (performance).measureUserAgentSpecificMemory();
    return {
      bytes: r.bytes,
      breakdown: r.breakdown.map((b) => ({
        bytes: b.bytes,
        types: b.types,
        where: b.attribution.map((a) => `${a.scope} ${a.url.replace(/^.*\//, '') || '(page)'}`),
      })),
    };
  });
  const mb = (/** @type {number} */ n) => `${(n / 2 ** 20).toFixed(1)} MB`;
  const lines = [`Page memory with the demo digits loaded (measureUserAgentSpecificMemory): ${mb(m.bytes)}`];
  for (const b of m.breakdown.filter((b) => b.bytes > 0).sort((a, b) => b.bytes - a.bytes))
    lines.push(`  ${mb(b.bytes).padStart(9)}  ${b.types.join('+') || '—'}  ${b.where.join(', ') || '(unattributed)'}`);
  lines.push(`  the page says: ${engineLine.replace(/^.*Engine memory/, 'Engine memory')}`);
  if (opts.json)
    process.stdout.write(`${JSON.stringify({ impl: 'page-memory', bytes: m.bytes, breakdown: m.breakdown })}\n`);
  else console.log(lines.join('\n'));
}

/** What each long task was: the trace's top-level main-thread tasks (RunTask) are matched to
 *  the observed ones by duration (±2 ms), and the work inside each is summed by kind — script
 *  by the function the task called, style, layout, paint, garbage collection.
 *  @param {TraceEvent[]} events @param {LongTask[]} tasks @returns {Map<LongTask, string>} */
function attribute(events, tasks) {
  const main = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const onMain = events.filter(
    /** @returns {e is CompleteEvent} */ (e) => e.ph === 'X' && main.has(`${e.pid}:${e.tid}`),
  );
  const runs = onMain.filter((e) => e.name === 'RunTask' && e.dur > 45_000);
  /** @type {Record<string, (e: TraceEvent) => string>} */
  const kinds = {
    FunctionCall: (e) =>
      `script ${e.args?.data?.functionName || '(anonymous)'} ${(e.args?.data?.url ?? '').replace(/^.*\//, '')}:${e.args?.data?.lineNumber ?? ''}:${e.args?.data?.columnNumber ?? ''}`,
    EvaluateScript: () => 'script (evaluate)',
    'v8.compile': () => 'compile',
    'v8.compileModule': () => 'compile',
    UpdateLayoutTree: () => 'style',
    Layout: () => 'layout',
    PrePaint: () => 'paint',
    Paint: () => 'paint',
    Layerize: () => 'paint',
    MajorGC: () => 'garbage collection',
    MinorGC: () => 'garbage collection',
    'V8.GC_MARK_COMPACTOR': () => 'garbage collection',
    ParseHTML: () => 'parse HTML',
    'Decode Image': () => 'decode image',
  };
  /** @type {Map<LongTask, string>} */
  const out = new Map();
  /** @type {Set<CompleteEvent>} */
  const used = new Set();
  for (const task of tasks) {
    const run = runs.find((r) => !used.has(r) && Math.abs(r.dur / 1000 - task.duration) <= 2);
    if (!run) continue;
    used.add(run);
    /** @type {Map<string, number>} */
    const sums = new Map();
    for (const e of onMain) {
      const kind = kinds[e.name];
      if (!kind || e.ts < run.ts || e.ts + e.dur > run.ts + run.dur) continue;
      const k = kind(e);
      sums.set(k, (sums.get(k) ?? 0) + e.dur / 1000);
    }
    out.set(
      task,
      [...sums]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([k, ms]) => `${k} ${ms.toFixed(0)} ms`)
        .join(', ') || 'nothing traced inside',
    );
  }
  return out;
}
