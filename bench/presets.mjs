// `npm run bench -- --presets`: training samples/s of every preset at its own batch size, for
// every way digitrain runs, each figure the median of --reps repetitions (min and max in the
// table). The presets and their settings come from `digitrain settings --json` (the engine's
// one table), never from a list here. Every preset trains on the same samples: the first
// --limit of the data (its own `limit` and `validation` are overridden to 0, so `lab`'s full
// batch is every one of them), no test set:
//
//   native                 build-native/digitrain train --preset P --threads 1|2|auto (-march=native)
//   native-x86-64-v2       build-x86-64-v2/digitrain train, 1 thread (128-bit SIMD, as wasm)
//   wasm-threads-node      public/wasm/mt under Node (bench/wasm-node.mjs --presets), 1, 2, auto
//   wasm-threads-chromium  public/wasm/mt in a module Worker in headless Chromium, as the page runs it
//   tfjs-wasm[-fit]        TF.js 4.22's wasm backend on the same network, optimiser, dropout and
//                          L2 (bench/browser/bench.js tfjsPresets), for the presets it is written for
//   tfjs-cpu-fit           model.fit of a convnet preset on TF.js's cpu backend (its wasm backend
//                          has no kernel gradient for conv2d; the hand-written step supplies one)
//
// Options (after --presets):
//   --json          one line per figure: {"impl","preset","threads","batch","samples_per_second","data"}
//                   (threads a number or "auto"); nothing else on stdout
//   --data DIR      full MNIST's raw training files in DIR (train-images-idx3-ubyte,
//                   train-labels-idx1-ubyte); default: the demo digits (8,000)
//   --limit N       train on the first N samples (default 20000, or all of the demo digits)
//   --reps N        repetitions per figure (default 3, at least 3)
//   --epochs E      native: epochs per repetition, at least (default 2)
//   --native-seconds S   native: each repetition trains for at least S seconds (default 1): one
//                   unrecorded epoch per preset and thread count sets how many epochs that takes
//   --seconds S     wasm and TF.js: seconds per repetition after a warm-up (default 1)
//   --load          keep one core busy with a plain spin loop (another process) while measuring
//   --only LIST     native,v2,node,chromium,tfjs (default all)
//   --only-presets LIST   some presets only
//   --no-build      measure what is built
//   --paths         instead: plain SGD against momentum, Adam, L2, dropout and biases on one
//                   network, x86-64-v2 and WebAssembly (Node) on one thread (bench/paths.mjs)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeBuild } from '../scripts/native.mjs';
import { nativeCliSteps, runCommand as run } from './lib/command.mjs';
import { jsonLines, markdownTable, note, runGroup } from './lib/groups.mjs';
import { trainingFiles } from './lib/training-files.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const groups = ['native', 'v2', 'node', 'chromium', 'tfjs'];

/** @param {string} message @returns {never} */
function fatal(message) {
  console.error(`bench --presets: ${message}`);
  process.exit(2);
}

/** @typedef {{ impl: string, preset: string, threads: number | 'auto', batch: number, reps: number[],
 *   used: Set<number>, reasons: Set<string> }} Figure */

/** @param {string[]} argv */
export async function runPresets(argv) {
  // What each optimiser path adds to a step of the same network: bench/paths.mjs.
  if (argv.includes('--paths')) return (await import('./paths.mjs')).runPaths(argv);
  const opts = {
    json: false,
    dir: '',
    limit: NaN,
    reps: 3,
    epochs: 2,
    nativeSeconds: 1,
    seconds: 1,
    warmup: 0.3,
    load: false,
    only: groups,
    /** @type {string[] | null} */
    presets: null,
    build: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split('=');
    const value = () => inline ?? argv[++i] ?? '';
    if (key === '--presets') continue;
    else if (key === '--json') opts.json = true;
    else if (key === '--data') opts.dir = value();
    else if (key === '--limit') opts.limit = Number(value());
    else if (key === '--reps') opts.reps = Number(value());
    else if (key === '--epochs') opts.epochs = Number(value());
    else if (key === '--native-seconds') opts.nativeSeconds = Number(value());
    else if (key === '--seconds') opts.seconds = Number(value());
    else if (key === '--load') opts.load = true;
    else if (key === '--only') opts.only = value().split(',');
    else if (key === '--only-presets') opts.presets = value().split(',');
    else if (key === '--no-build') opts.build = false;
    else fatal(`unknown option ${argv[i]} (see the top of bench/presets.mjs)`);
  }
  if (!(Number.isInteger(opts.reps) && opts.reps >= 3)) fatal('--reps must be a whole number, at least 3');
  if (!(Number.isInteger(opts.epochs) && opts.epochs >= 1)) fatal('--epochs must be a whole number, at least 1');
  if (!(opts.seconds > 0)) fatal('--seconds must be above 0');
  if (!(opts.nativeSeconds >= 0)) fatal('--native-seconds must be 0 or more');
  const unknown = opts.only.filter((g) => !groups.includes(g));
  if (unknown.length) fatal(`--only: unknown group ${unknown.join(',')} (groups: ${groups.join(',')})`);

  /** @type {string[]} */
  const problems = [];

  // ---- builds (incremental), as bench/run.mjs makes them
  const builds = { native: nativeBuild({ arch: 'native' }), v2: nativeBuild({ arch: 'x86-64-v2' }) };
  if (opts.build) {
    for (const [name, { dir, args }] of Object.entries(builds)) {
      if (!opts.only.includes(name)) continue;
      note(`• build: ${dir}/`);
      for (const [cmd, cmdArgs] of nativeCliSteps({ dir, args })) run(cmd, cmdArgs);
    }
    if (opts.only.some((g) => ['node', 'chromium'].includes(g))) {
      note('• build: WebAssembly (npm run build:wasm)');
      run('npm', ['run', '--silent', 'build:wasm', '--', '--quiet', '--target=engine_mt']);
    }
  }

  // ---- the presets, from the engine's settings table
  const cli =
    ['native', 'v2']
      .map((n) => join(root, builds[/** @type {'native' | 'v2'} */ (n)].dir, 'digitrain'))
      .find(existsSync) ?? join(root, 'build', 'digitrain');
  if (!existsSync(cli)) fatal(`no digitrain CLI to read the presets from (build one: node scripts/native.mjs build)`);
  /** @type {{ key: string, presets: Record<string, unknown> }[]} */
  const table = JSON.parse(run(cli, ['settings', '--json']));
  /** @type {Record<string, Record<string, any>>} */
  const presetConfigs = {};
  for (const row of table)
    for (const [preset, value] of Object.entries(row.presets)) (presetConfigs[preset] ??= {})[row.key] = value;
  const presets = opts.presets ?? Object.keys(presetConfigs);
  for (const p of presets)
    if (!presetConfigs[p]) fatal(`--only-presets: no preset ${p} (${Object.keys(presetConfigs).join(', ')})`);

  // ---- data
  const files = await trainingFiles(opts.dir).catch((e) => fatal(e.message));
  const dataLabel = opts.dir ? 'mnist' : 'digits';
  if (Number.isNaN(opts.limit)) opts.limit = opts.dir ? 20000 : 0;
  if (!(Number.isInteger(opts.limit) && opts.limit >= 0)) fatal('--limit must be a whole number');

  // ---- the load: one core kept busy by a plain spin loop in another process
  /** @type {import('node:child_process').ChildProcess | null} */
  let spinner = null;
  if (opts.load) {
    spinner = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    note(`• --load: a spin loop (pid ${spinner.pid}) keeps one core busy while measuring`);
  }
  const machine = {
    cpu: (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1]?.trim() ?? 'unknown CPU',
    cores: availableParallelism(),
    load: loadavg()[0].toFixed(1),
    chromium: '',
    tfjs: '',
  };

  /** @type {Figure[]} */
  const figures = [];
  /** @param {string} impl @param {string} preset @param {number | 'auto'} threads @param {number} batch @param {number} sps @param {number} [used] @param {string} [reason] */
  const add = (impl, preset, threads, batch, sps, used, reason) => {
    let f = figures.find((x) => x.impl === impl && x.preset === preset && x.threads === threads);
    if (!f) figures.push((f = { impl, preset, threads, batch, reps: [], used: new Set(), reasons: new Set() }));
    f.reps.push(sps);
    if (used) f.used.add(used);
    if (reason) f.reasons.add(reason);
  };
  const group = (/** @type {string} */ label, /** @type {() => unknown} */ fn) => runGroup(label, fn, problems);

  try {
    // ---- native: `digitrain train`, the samples/s of its epochs (training time only)
    /** @type {[keyof typeof builds, string, (number | 'auto')[]][]} */
    const nativeImpls = [
      ['native', 'native', [1, 2, 'auto']],
      ['v2', 'native-x86-64-v2', [1]],
    ];
    for (const [name, impl, counts] of nativeImpls) {
      if (!opts.only.includes(name)) continue;
      const binary = join(root, builds[name].dir, 'digitrain');
      await group(`${impl} (${builds[name].dir}/digitrain train)`, () => {
        if (!existsSync(binary)) throw new Error(`${binary} is missing`);
        /** The training samples and seconds of one `digitrain train` run. @param {string} preset @param {number | 'auto'} threads @param {number} epochs */
        const train = (preset, threads, epochs) => {
          const out = run(binary, [
            'train',
            '--train-images',
            files.images,
            '--train-labels',
            files.labels,
            '--preset',
            preset,
            '--limit',
            String(opts.limit),
            '--validation',
            '0',
            '--epochs',
            String(epochs),
            '--threads',
            String(threads),
            '--json',
          ]);
          const lines = jsonLines(out);
          return {
            samples: lines.reduce((s, e) => s + e.samples_per_second * e.seconds, 0),
            seconds: lines.reduce((s, e) => s + e.seconds, 0),
          };
        };
        for (const preset of presets) {
          for (const threads of counts) {
            // A native epoch of a fast preset is ~0.1 s: a repetition that short is mostly the
            // run's start (the kernel may first place both threads on one core, while another
            // process holds the other), so each repetition trains at least --native-seconds.
            const probe = opts.nativeSeconds > 0 ? train(preset, threads, 1) : null;
            const epochs = probe
              ? Math.max(opts.epochs, Math.ceil(opts.nativeSeconds / Math.max(probe.seconds, 1e-3)))
              : opts.epochs;
            for (let rep = 0; rep < opts.reps; rep++) {
              const { samples, seconds } = train(preset, threads, epochs);
              const batch = presetConfigs[preset].batch_size || Math.round(samples / epochs);
              add(impl, preset, threads, batch, samples / seconds);
            }
          }
          note(`  ${preset} done`);
        }
      });
    }

    // ---- WebAssembly in Node
    if (opts.only.includes('node')) {
      await group('wasm-threads-node (bench/wasm-node.mjs --presets)', () => {
        const out = run(process.execPath, [
          'bench/wasm-node.mjs',
          '--build',
          'mt',
          '--threads',
          '1,2,auto',
          '--presets',
          presets.join(','),
          '--reps',
          String(opts.reps),
          '--limit',
          String(opts.limit),
          '--seconds',
          String(opts.seconds),
          '--warmup',
          String(opts.warmup),
          ...(opts.dir ? ['--mnist', opts.dir] : ['--data', 'digits']),
        ]);
        for (const r of jsonLines(out))
          add(r.impl, r.preset, r.threads, r.batch, r.samples_per_second, r.threads_used, r.threads_reason);
      });
    }

    // ---- Chromium: ours as the page runs it, and TF.js
    if (opts.only.some((g) => g === 'chromium' || g === 'tfjs')) {
      const { launchChromium } = await import('../scripts/chromium.mjs');
      const { startServer } = await import('./server.mjs');
      const server = await startServer(0, '127.0.0.1', opts.dir);
      const browser = await launchChromium(process.env.BENCH_CHROMIUM);
      machine.chromium = browser.version();
      const openPage = async () => {
        const page = await browser.newPage();
        await page.goto(`${server.url}/bench/index.html`);
        await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30000 });
        machine.tfjs = (await page.evaluate(() => window.bench.info())).tfjs ?? '';
        return page;
      };
      try {
        if (opts.only.includes('chromium')) {
          await group(`wasm-threads-chromium (Chromium ${machine.chromium}, a module Worker)`, async () => {
            for (const preset of presets) {
              const page = await openPage();
              try {
                const rows = await page.evaluate((o) => window.bench.ours(o), {
                  build: 'mt',
                  threads: [1, 2, 'auto'],
                  presets: [preset],
                  reps: opts.reps,
                  limit: opts.limit,
                  seconds: opts.seconds,
                  warmup: opts.warmup,
                  mnist: Boolean(opts.dir),
                  data: dataLabel,
                });
                for (const r of /** @type {import('./browser/globals').PresetFigure[]} */ (
                  /** @type {unknown} */ (rows)
                ))
                  add(
                    'wasm-threads-chromium',
                    r.preset,
                    r.threads,
                    r.batch,
                    r.samples_per_second,
                    r.threads_used,
                    r.threads_reason,
                  );
              } finally {
                await page.close();
              }
              note(`  ${preset} done`);
            }
          });
        }
        if (opts.only.includes('tfjs')) {
          // The presets the TF.js steps are written for; model.fit of a convnet runs on the cpu
          // backend (the wasm one lacks a kernel it needs), in a page of its own (TF.js fixes the
          // backend per page).
          const written = ['best', 'blog', 'tfjs-example'];
          const runs = [
            { backend: 'wasm', ways: ['manual', 'fit'], only: ['best', 'blog'] },
            { backend: 'wasm', ways: ['manual'], only: ['tfjs-example'] },
            { backend: 'cpu', ways: ['fit'], only: ['tfjs-example'] },
          ];
          await group(`TF.js on the presets it is written for (${written.join(', ')})`, async () => {
            for (const run of runs) {
              const chosen = Object.fromEntries(
                presets.filter((p) => run.only.includes(p)).map((p) => [p, presetConfigs[p]]),
              );
              if (!Object.keys(chosen).length) continue;
              const page = await openPage();
              try {
                const rows = await page.evaluate((o) => window.bench.tfjsPresets(o), {
                  presets: chosen,
                  backend: run.backend,
                  ways: run.ways,
                  reps: opts.reps,
                  seconds: opts.seconds,
                  warmup: opts.warmup,
                  mnist: Boolean(opts.dir),
                  limit: opts.limit,
                });
                for (const r of rows)
                  add(r.impl, r.preset, /** @type {number} */ (r.threads), r.batch, r.samples_per_second);
              } finally {
                await page.close();
              }
            }
          });
        }
      } finally {
        await browser.close();
        await server.close();
      }
    }
  } finally {
    spinner?.kill();
  }

  // ---- report
  const median = (/** @type {number[]} */ xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  if (opts.json) {
    for (const f of figures)
      process.stdout.write(
        `${JSON.stringify({ impl: f.impl, preset: f.preset, threads: f.threads, batch: f.batch, samples_per_second: Math.round(median(f.reps)), data: dataLabel })}\n`,
      );
  } else {
    const k = (/** @type {number} */ x) => `${(x / 1000).toFixed(x < 10000 ? 1 : 0)}k`;
    const out = [];
    const dataText = opts.dir
      ? `the first ${opts.limit.toLocaleString('en-US')} full-MNIST training digits`
      : `the demo digits${opts.limit ? ` (first ${opts.limit})` : ''}`;
    out.push(
      `Training samples/s per preset at its own batch size on ${dataText}, median of ${opts.reps} (min–max);` +
        ` native: at least ${opts.epochs} epochs and ${opts.nativeSeconds} s of training per repetition, wasm and TF.js: ${opts.seconds} s after a ${opts.warmup} s warm-up.`,
    );
    out.push(
      `Machine: ${machine.cpu}, ${machine.cores} cores; load average ${machine.load} at the start` +
        (opts.load ? '; one core kept busy by a spin loop (--load)' : '') +
        (machine.chromium ? `; Chromium ${machine.chromium}` : '') +
        (machine.tfjs ? `; TF.js ${machine.tfjs}` : '') +
        '.',
    );
    out.push('');
    /** @type {Figure[]} */
    const rows = [];
    for (const f of figures) if (!rows.some((r) => r.impl === f.impl && r.threads === f.threads)) rows.push(f);
    const shown = presets.filter((p) => figures.some((f) => f.preset === p));
    const head = ['implementation', 'threads', ...shown.map((p) => `${p} (${presetConfigs[p].batch_size || 'full'})`)];
    const body = rows.map((r) => [
      r.impl,
      String(r.threads),
      ...shown.map((p) => {
        const f = figures.find((x) => x.impl === r.impl && x.threads === r.threads && x.preset === p);
        if (!f) return '—';
        const used = f.threads === 'auto' && f.used.size ? ` →${[...f.used].join('/')}` : '';
        return `${k(median(f.reps))} (${k(Math.min(...f.reps))}–${k(Math.max(...f.reps))})${used}`;
      }),
    ]);
    out.push(...markdownTable(head, body));
    out.push('("auto →N": the thread count auto chose; native runs do not report it.)');
    out.push('');
    // Ratios of medians from this run.
    const med = (/** @type {string} */ impl, /** @type {number | 'auto'} */ threads, /** @type {string} */ preset) => {
      const f = figures.find((x) => x.impl === impl && x.threads === threads && x.preset === preset);
      return f ? median(f.reps) : null;
    };
    /** @type {string[]} */
    const ratios = [];
    /** @param {string} label @param {number | null} a @param {number | null} b @param {number} [target] */
    const ratio = (label, a, b, target) => {
      if (a == null || b == null) return;
      const x = a / b;
      ratios.push(
        `  ${label.padEnd(58)} ${x.toFixed(2)}×${target ? `  (target ≥ ${target}×${x >= target ? '' : ': BELOW'})` : ''}`,
      );
    };
    for (const p of shown) {
      const batch = presetConfigs[p].batch_size;
      const big = batch === 0 || batch >= 32;
      for (const impl of ['native', 'wasm-threads-node', 'wasm-threads-chromium']) {
        ratio(`${p}: ${impl} 2T / 1T`, med(impl, 2, p), med(impl, 1, p), big ? 1.6 : undefined);
        const fastest = Math.max(med(impl, 1, p) ?? 0, med(impl, 2, p) ?? 0);
        ratio(`${p}: ${impl} auto / the faster of 1T and 2T`, med(impl, 'auto', p), fastest || null, 0.95);
      }
      ratio(
        `${p}: wasm-threads-node 1T / native x86-64-v2 1T`,
        med('wasm-threads-node', 1, p),
        med('native-x86-64-v2', 1, p),
        0.75,
      );
      ratio(`${p}: native 1T / native x86-64-v2 1T`, med('native', 1, p), med('native-x86-64-v2', 1, p));
      const oursBest = Math.max(
        ...['1', '2', 'auto'].map((t) => med('wasm-threads-chromium', t === 'auto' ? 'auto' : Number(t), p) ?? 0),
      );
      const tfBest = Math.max(...['tfjs-wasm', 'tfjs-wasm-fit', 'tfjs-cpu-fit'].map((i) => med(i, 1, p) ?? 0));
      const conv = presetConfigs[p].layers.some((/** @type {unknown} */ l) => typeof l !== 'number');
      if (tfBest > 0) ratio(`${p}: ours in Chromium (fastest) / TF.js (fastest)`, oursBest, tfBest, conv ? 3 : 4);
    }
    if (ratios.length) out.push('Ratios of medians (same run):', ...ratios, '');
    const autoReasons = figures.filter((f) => f.threads === 'auto' && f.reasons.size);
    if (autoReasons.length) {
      out.push('What auto chose, and why:');
      for (const f of autoReasons) out.push(`  ${f.impl} ${f.preset}: ${[...f.reasons].join(' | ')}`);
    }
    process.stdout.write(out.join('\n') + '\n');
  }
  if (problems.length) {
    note(`\nnot measured:\n  - ${problems.join('\n  - ')}`);
    process.exitCode = 1;
  }
}
