#!/usr/bin/env node
// Builds the libFuzzer targets (tests/fuzz/*.cpp) with clang-14, AddressSanitizer and
// UndefinedBehaviorSanitizer into build-asan/, replays every saved crash in
// tests/fuzz/regressions/<target>/, then fuzzes each target for a while on a copy of its seed
// corpus (tests/fuzz/corpus/<target>/, never written to) with its dictionary
// (tests/fuzz/dict/<target>.dict).
//
//   npm run fuzz                          10 s per target
//   npm run fuzz -- --seconds 60          60 s per target
//   npm run fuzz -- --smoke               ~3 s per target, fixed seed (what `npm test` runs)
//   npm run fuzz -- fuzz_model --seconds 600     one target (or --only a,b)
//
// Prints, per target, the executions run (libFuzzer's stat::number_of_executed_units), the
// coverage reached and whether it crashed, leaked, hit undefined behaviour, ran out of memory
// or timed out; exits non-zero if any did. A failing input is kept under
// build-asan/runs/<target>/artifacts/: fix the bug, then copy the input into
// tests/fuzz/regressions/<target>/ so every later run replays it.
//
// Importable: `fuzzSmoke()` runs the smoke fuzz and returns { passed, failed, results }, one
// test per target, for scripts/test.mjs.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import { nativeBuild } from './native.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fuzzDir = join(root, 'tests', 'fuzz');
const asanBuild = nativeBuild({ asan: true }); // shared with `node scripts/native.mjs test --asan`
const buildDir = join(root, asanBuild.dir);
const runsDir = join(buildDir, 'runs');
const clang = 'clang++-14';
const fuzzerRuntime = '/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a';
const symbolizer = '/usr/lib/llvm-14/bin/llvm-symbolizer';

export const SMOKE_SECONDS = 3;
const SMOKE_SEED = 20261125;
// Each fuzzer runs with a 256 KiB stack (ulimit -s): recursion that grows with the input then
// overflows at input sizes the fuzzer actually tries (a few KB), as it would in the browser,
// where WebAssembly runs on a stack of about 1 MB. The code under test recurses nowhere.
const STACK_KIB = 256;
const RSS_LIMIT_MB = 2048;
const TIMEOUT_S = 20; // per input
// Longer inputs where structure needs room (nested JSON); libFuzzer's default is 4096 bytes.
/** @type {Record<string, string[]>} */
const extraArgs = { fuzz_model: ['-max_len=16384'], fuzz_gzip_idx: ['-max_len=8192'] };

const rel = (/** @type {string} */ p) => relative(root, p) || '.';
const filesIn = (/** @type {string} */ dir) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => !f.startsWith('.'))
        .sort()
    : [];

export function fuzzTargets() {
  return filesIn(fuzzDir)
    .filter((f) => f.endsWith('.cpp'))
    .map((f) => f.slice(0, -4));
}

function preflight() {
  const missing = [];
  if (spawnSync(clang, ['--version'], { stdio: 'ignore' }).status !== 0) missing.push('clang-14 (clang++-14)');
  if (!existsSync(fuzzerRuntime)) missing.push(`libclang-rt-14-dev (${fuzzerRuntime})`);
  if (spawnSync('cmake', ['--version'], { stdio: 'ignore' }).status !== 0) missing.push('cmake');
  return missing.length ? `missing ${missing.join(', ')}: run node scripts/setup.mjs (apt)` : null;
}

// Configures build-asan/ and builds the targets. Every object file, the core's included, is
// compiled with ASan + UBSan (DIGITRAIN_SANITIZE) and with libFuzzer's coverage
// instrumentation (-fsanitize=fuzzer-no-link): without it the fuzzer would see coverage of the
// few lines in tests/fuzz/*.cpp only, and ASan would not check the core's memory accesses.
/** @returns {{ ok: true, message?: undefined } | { ok: false, message: string }} */
export function buildFuzzers(targets = fuzzTargets(), { quiet = false } = {}) {
  const problem = preflight();
  if (problem) return { ok: false, message: problem };
  const stdio = quiet ? 'pipe' : 'inherit';
  const configure = spawnSync('cmake', ['-S', root, '-B', buildDir, ...asanBuild.args], {
    cwd: root,
    encoding: 'utf8',
    stdio: 'pipe',
  });
  if (configure.status !== 0)
    return { ok: false, message: `cmake configure failed:\n${configure.stdout}${configure.stderr}` };
  const jobs = String(Math.max(2, availableParallelism()));
  const build = spawnSync('cmake', ['--build', buildDir, '--target', ...targets, '-j', jobs], {
    cwd: root,
    encoding: 'utf8',
    stdio,
  });
  if (build.status !== 0) {
    const log = quiet ? `\n${(build.stdout ?? '') + (build.stderr ?? '')}`.slice(-6000) : '';
    return { ok: false, message: `building the fuzz targets failed${log}` };
  }
  return { ok: true };
}

/** @param {string} binary @param {string[]} args @param {string} logFile */
function runFuzzer(binary, args, logFile) {
  const env = {
    ...process.env,
    ASAN_OPTIONS: ['detect_leaks=1', 'strict_string_checks=1', 'check_initialization_order=1', process.env.ASAN_OPTIONS]
      .filter(Boolean)
      .join(':'),
    UBSAN_OPTIONS: ['halt_on_error=1', 'print_stacktrace=1', process.env.UBSAN_OPTIONS].filter(Boolean).join(':'),
    ...(existsSync(symbolizer) ? { ASAN_SYMBOLIZER_PATH: symbolizer } : {}),
  };
  const r = spawnSync('bash', ['-c', `ulimit -s ${STACK_KIB} && exec "$@"`, 'fuzz', binary, ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const output = (r.stdout ?? '') + (r.stderr ?? '');
  writeFileSync(logFile, output);
  return { status: r.status, signal: r.signal, output };
}

// What went wrong, from libFuzzer's and the sanitizers' own words; null when nothing did.
/** @param {ReturnType<typeof runFuzzer>} run */
function problemIn(run) {
  /** @type {[RegExp, (m: RegExpExecArray) => string][]} */
  const patterns = [
    [/ERROR: AddressSanitizer: ([\w-]+)/, (m) => `AddressSanitizer: ${m[1]}`],
    [/ERROR: LeakSanitizer: detected memory leaks/, () => 'memory leak (LeakSanitizer)'],
    [/runtime error: ([^\n]*)/, (m) => `undefined behaviour: ${m[1]}`],
    [/ERROR: libFuzzer: out-of-memory \(([^)]*)\)/, (m) => `out of memory (${m[1]})`],
    [/ERROR: libFuzzer: timeout/, () => `an input ran longer than ${TIMEOUT_S} s`],
    [/FUZZ_CHECK failed at ([^\n]*)\n\s*\(([^\n]*)/, (m) => `property broken at ${m[1]}: ${m[2]}`],
    [/ERROR: libFuzzer: ([^\n]*)/, (m) => `libFuzzer: ${m[1]}`],
  ];
  for (const [re, say] of patterns) {
    const m = re.exec(run.output);
    if (m) return say(m);
  }
  if (run.status !== 0) return run.signal ? `killed by ${run.signal}` : `exit status ${run.status}`;
  return null;
}

/** @param {string} output @param {string} name */
function stat(output, name) {
  const m = new RegExp(`stat::${name}:\\s*(\\d+)`).exec(output);
  return m ? Number(m[1]) : null;
}

/**
 * @typedef {{ target: string, ok: boolean, seconds: number, regressions: number, seeds: number, executions: number,
 *   execPerSecond?: number | null, peakRssMb?: number | null, coverage?: number | null, features?: number | null,
 *   corpus?: number | null, seed?: number, artifacts?: string[], log?: string, problem?: string, tail?: string }} FuzzResult
 */

/**
 * One target: replay its regressions, then fuzz it for `seconds` on a fresh copy of its corpus.
 * @param {string} target @param {{ seconds?: number, seed?: number | null }} [options]
 * @returns {FuzzResult}
 */
export function fuzzTarget(target, { seconds = 10, seed = null } = {}) {
  const binary = join(buildDir, target);
  const work = join(runsDir, target);
  const corpus = join(work, 'corpus');
  const artifacts = join(work, 'artifacts');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  mkdirSync(corpus, { recursive: true });
  const seeds = join(fuzzDir, 'corpus', target);
  if (existsSync(seeds)) cpSync(seeds, corpus, { recursive: true });
  /** @type {FuzzResult} */
  const result = { target, ok: false, seconds, regressions: 0, seeds: filesIn(corpus).length, executions: 0 };
  if (!existsSync(binary)) return { ...result, problem: `${rel(binary)} was not built` };

  const common = [`-rss_limit_mb=${RSS_LIMIT_MB}`, `-timeout=${TIMEOUT_S}`, `-artifact_prefix=${artifacts}/`];
  const regressionDir = join(fuzzDir, 'regressions', target);
  const regressions = filesIn(regressionDir).map((f) => join(regressionDir, f));
  result.regressions = regressions.length;
  if (regressions.length) {
    const replay = runFuzzer(binary, [...common, ...regressions], join(work, 'regressions.log'));
    const problem = problemIn(replay);
    if (problem) {
      const before = replay.output.split(/ERROR|FUZZ_CHECK|runtime error/)[0];
      const which = [...before.matchAll(/Running: (\S+)/g)].pop();
      return {
        ...result,
        problem: `regression ${which ? rel(which[1]) : ''} fails again: ${problem}`,
        log: rel(join(work, 'regressions.log')),
        tail: replay.output.slice(-4000),
      };
    }
  }

  const dict = join(fuzzDir, 'dict', `${target}.dict`);
  const args = [
    corpus,
    ...common,
    `-max_total_time=${seconds}`,
    '-print_final_stats=1',
    ...(existsSync(dict) ? [`-dict=${dict}`] : []),
    ...(seed !== null ? [`-seed=${seed}`] : []),
    ...(extraArgs[target] ?? []),
  ];
  const run = runFuzzer(binary, args, join(work, 'fuzz.log'));
  const done = /#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)\/(\S+)/.exec(run.output);
  const lastLine = [...run.output.matchAll(/^#(\d+)\s/gm)].pop();
  result.executions = stat(run.output, 'number_of_executed_units') ?? (lastLine ? Number(lastLine[1]) : 0);
  result.execPerSecond = stat(run.output, 'average_exec_per_sec');
  result.peakRssMb = stat(run.output, 'peak_rss_mb');
  result.coverage = done ? Number(done[2]) : null;
  result.features = done ? Number(done[3]) : null;
  result.corpus = done ? Number(done[4]) : null;
  result.seed = Number(/INFO: Seed: (\d+)/.exec(run.output)?.[1] ?? NaN);
  result.artifacts = filesIn(artifacts).map((f) => rel(join(artifacts, f)));
  result.log = rel(join(work, 'fuzz.log'));
  const problem = problemIn(run) ?? (result.artifacts.length ? `left ${result.artifacts.join(', ')}` : null);
  if (problem) return { ...result, problem, tail: run.output.slice(-4000) };
  if (!done)
    return { ...result, problem: 'libFuzzer did not report its final statistics', tail: run.output.slice(-4000) };
  return { ...result, ok: true };
}

/** @param {FuzzResult} r */
function describe(r) {
  const execs = `${r.executions.toLocaleString('en-US')} executions`;
  const rate = r.execPerSecond ? ` (${r.execPerSecond.toLocaleString('en-US')}/s)` : '';
  const cov =
    r.coverage !== null && r.coverage !== undefined
      ? `, cov ${r.coverage}, ft ${r.features}, corpus ${r.seeds}→${r.corpus}`
      : '';
  const reg = r.regressions ? `, ${r.regressions} regression input${r.regressions === 1 ? '' : 's'} replayed` : '';
  if (r.ok) return `  ok    ${r.target}: ${execs}${rate} in ${r.seconds} s${cov}${reg}, 0 crashes`;
  return (
    `  FAIL  ${r.target}: ${r.problem}\n        ${execs}${reg}; log: ${r.log ?? '-'}` +
    (r.artifacts?.length
      ? `\n        failing input: ${r.artifacts.join(', ')} → fix, then add it to tests/fuzz/regressions/${r.target}/`
      : '')
  );
}

/**
 * Builds, then runs each target in turn (one at a time, so the execution counts are fair).
 * @param {{ seconds?: number, smoke?: boolean, only?: string[], quietBuild?: boolean }} [options]
 * @returns {{ passed: number, failed: number, results: FuzzResult[] }}
 */
export function runFuzz({ seconds = 10, smoke = false, only = [], quietBuild = false } = {}) {
  const secs = smoke ? SMOKE_SECONDS : seconds;
  const all = fuzzTargets();
  const unknown = only.filter((t) => !all.includes(t));
  if (unknown.length) {
    console.error(`fuzz: no target ${unknown.join(', ')} (targets: ${all.join(', ')})`);
    return { passed: 0, failed: 1, results: [] };
  }
  const targets = only.length ? only : all;
  if (targets.length === 0) {
    console.error('fuzz: no targets in tests/fuzz');
    return { passed: 0, failed: 1, results: [] };
  }
  console.log(`fuzz: building ${targets.join(', ')} in ${rel(buildDir)}/ (clang-14, ASan + UBSan + libFuzzer)`);
  const built = buildFuzzers(targets, { quiet: quietBuild });
  if (!built.ok) {
    console.error(`fuzz: ${built.message}`);
    const problem = built.message;
    const results = targets.map((target) => ({
      target,
      ok: false,
      seconds: 0,
      regressions: 0,
      seeds: 0,
      executions: 0,
      problem,
    }));
    return { passed: 0, failed: targets.length, results };
  }
  console.log(
    `fuzz: ${secs} s per target${smoke ? ' (smoke, fixed seed)' : ''}, ${STACK_KIB} KiB stack, ` +
      `rss limit ${RSS_LIMIT_MB} MB; seed corpora copied to ${rel(runsDir)}/<target>/corpus`,
  );
  /** @type {FuzzResult[]} */
  const results = [];
  for (const target of targets) {
    const r = fuzzTarget(target, { seconds: secs, seed: smoke ? SMOKE_SEED : null });
    console.log(describe(r));
    if (!r.ok && r.tail)
      console.log(
        r.tail
          .split('\n')
          .slice(-40)
          .map((l) => `        | ${l}`)
          .join('\n'),
      );
    results.push(r);
  }
  mkdirSync(runsDir, { recursive: true });
  writeFileSync(
    join(runsDir, 'summary.json'),
    JSON.stringify(
      results.map(({ tail, ...r }) => r),
      null,
      2,
    ) + '\n',
  );
  const failed = results.filter((r) => !r.ok).length;
  const total = results.reduce((n, r) => n + (r.executions || 0), 0);
  console.log(
    `fuzz: ${results.length - failed} passed, ${failed} failed; ${total.toLocaleString('en-US')} executions in all` +
      ` (details: ${rel(join(runsDir, 'summary.json'))})`,
  );
  return { passed: results.length - failed, failed, results };
}

// For scripts/test.mjs: a few seconds per target, each counted as one test.
export function fuzzSmoke() {
  return runFuzz({ smoke: true });
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ seconds: number, smoke: boolean, only: string[], help?: boolean }} */
  const opts = { seconds: 10, smoke: false, only: [] };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--smoke') opts.smoke = true;
    else if (a === '--seconds' || a.startsWith('--seconds=')) {
      opts.seconds = Number(value());
      if (!Number.isInteger(opts.seconds) || opts.seconds < 1) throw new Error('--seconds must be a whole number ≥ 1');
    } else if (a === '--only' || a.startsWith('--only=')) opts.only.push(...value().split(',').filter(Boolean));
    else if (a === '--help' || a === '-h') opts.help = true;
    else if (!a.startsWith('-')) opts.only.push(a);
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`fuzz: ${/** @type {Error} */ (e).message}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log(
      'usage: node scripts/fuzz.mjs [--seconds N | --smoke] [--only a,b | target ...]\n' +
        `targets: ${fuzzTargets().join(', ')}`,
    );
    process.exit(0);
  }
  const { failed, passed } = runFuzz(opts);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}
