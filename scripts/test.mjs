#!/usr/bin/env node
// `npm test`: installs what is missing, then runs every suite in turn and ends with one
// plain line, `N passed, N failed`, counted over all of them:
//   typecheck  tsc over the repository, then the page and the worker in their own environments
//   lint       ESLint                                       (each of these three counts as one test)
//   format     Prettier and clang-format agree with the files (npm run format:check)
//   native     C++ (CMake + GoogleTest + CLI checks through CTest)
//   asan       the same suite under AddressSanitizer + UndefinedBehaviorSanitizer (clang)
//   fuzz       a few seconds of each libFuzzer target
//   unit       Vitest in Node on the page's logic (tests/e2e/unit)   [after npm run build:wasm]
//   web        Vitest in Node on the WebAssembly builds (tests/web)
//   e2e        Playwright in Debian Chromium through Vitest (tests/e2e)
// `npm test -- native unit` runs the named suites only (`npm run test:unit` is native, unit, web).
// Each suite runs even when an earlier one failed, so one red line does not hide others.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { setup } from './setup.mjs';
import { fuzzSmoke } from './fuzz.mjs';
import { nativeBuild } from './native.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const suites = ['typecheck', 'lint', 'format', 'native', 'asan', 'fuzz', 'unit', 'web', 'e2e'];
const only = process.argv.slice(2);
const unknown = only.filter((s) => !suites.includes(s));
if (unknown.length) {
  console.error(`test: unknown suite ${unknown.join(', ')} (suites: ${suites.join(', ')})`);
  process.exit(2);
}
const wanted = (/** @type {string} */ name) => only.length === 0 || only.includes(name);
const totals = { passed: 0, failed: 0 };
/** @type {string[]} */
const summary = [];

/**
 * Runs a command in the repository, its output shown (and also returned with `capture`).
 * @param {string} cmd @param {string[]} args @param {{ capture?: boolean }} [opts]
 */
function run(cmd, args, { capture = false } = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: capture ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (capture) {
    process.stdout.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
  }
  return r;
}

/** @param {string} name @param {number} passed @param {number} failed */
function record(name, passed, failed) {
  totals.passed += passed;
  totals.failed += failed;
  summary.push(`${name}: ${passed} passed, ${failed} failed`);
}

/** A suite that is one command: one test, passed when the command exits with 0. */
function check(/** @type {string} */ name, /** @type {string} */ cmd, /** @type {string[]} */ args) {
  const ok = run(cmd, args).status === 0;
  record(name, ok ? 1 : 0, ok ? 0 : 1);
}

/** @param {string} name @param {{ asan?: boolean }} build */
function ctest(name, build) {
  const b = run('node', ['scripts/native.mjs', 'build', ...(build.asan ? ['--asan'] : [])]);
  if (b.status !== 0) return record(name, 0, 1);
  const r = run('ctest', ['--test-dir', nativeBuild(build).dir, '--output-on-failure', '-j2'], { capture: true });
  const m = /(\d+)% tests passed, (\d+) tests failed out of (\d+)/.exec(r.stdout ?? '');
  if (!m) return record(name, 0, 1);
  const failed = Number(m[2]);
  record(name, Number(m[3]) - failed, failed);
}

/** @param {string} name @param {string[]} args */
function vitest(name, args) {
  mkdirSync(join(root, 'test-results'), { recursive: true });
  const out = join(root, 'test-results', `${name}.json`);
  const r = run('npx', ['vitest', 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  if (!existsSync(out)) return record(name, 0, 1);
  const j = JSON.parse(readFileSync(out, 'utf8'));
  // A run that fails outside any test (a setup error, an unhandled rejection) counts once.
  const failed = j.numFailedTests + (r.status !== 0 && j.numFailedTests === 0 ? 1 : 0);
  record(name, j.numPassedTests, failed);
}

setup();
if (wanted('typecheck')) check('typecheck', 'npm', ['run', '--silent', 'typecheck']);
if (wanted('lint')) check('lint', 'npm', ['run', '--silent', 'lint']);
if (wanted('format')) check('format', 'npm', ['run', '--silent', 'format:check']);
if (wanted('native')) ctest('native', {});
if (wanted('asan')) ctest('asan', { asan: true });
if (wanted('fuzz')) {
  const f = fuzzSmoke();
  record('fuzz', f.passed, f.failed);
}
if (wanted('unit') || wanted('web') || wanted('e2e')) {
  if (run('node', ['scripts/build-wasm.mjs']).status !== 0) record('build:wasm', 0, 1);
}
const e2eConfig = ['-c', 'tests/e2e/vitest.e2e.config.ts'];
if (wanted('unit')) vitest('unit', [...e2eConfig, '--project', 'unit']);
if (wanted('web')) vitest('web', ['tests/web']);
if (wanted('e2e')) vitest('e2e', [...e2eConfig, '--project', 'browser']);

console.log('\n' + summary.join('\n'));
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 && totals.passed > 0 ? 0 : 1);
