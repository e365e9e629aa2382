#!/usr/bin/env node
// `npm test`: installs what is missing, then runs every suite in turn and ends with one
// plain line, `N passed, N failed`, counted over all of them:
//   1. native C++ (CMake + GoogleTest + CLI checks through CTest)
//   2. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer (clang), and a
//      few seconds of each libFuzzer target                         [when tests/fuzz exists]
//   3. Vitest in Node on the WebAssembly builds (tests/web)          [after npm run build:wasm]
//   4. Playwright in Debian Chromium through Vitest (tests/e2e)
// Each suite runs even when an earlier one failed, so one red line does not hide others.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { setup } from './setup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);  // e.g. `npm test -- native web`
const wanted = (name) => only.length === 0 || only.includes(name);
const totals = { passed: 0, failed: 0 };
const summary = [];

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: opts.capture ? 'pipe' : 'inherit', encoding: 'utf8', ...opts });
  if (opts.capture) {
    process.stdout.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
  }
  return r;
}

function record(name, passed, failed) {
  totals.passed += passed;
  totals.failed += failed;
  summary.push(`${name}: ${passed} passed, ${failed} failed`);
}

function ctest(name, dir, build) {
  const b = run('node', ['scripts/native.mjs', 'build', ...build]);
  if (b.status !== 0) return record(name, 0, 1);
  const r = run('ctest', ['--test-dir', dir, '--output-on-failure', '-j2'], { capture: true });
  const m = /(\d+)% tests passed, (\d+) tests failed out of (\d+)/.exec(r.stdout ?? '');
  if (!m) return record(name, 0, 1);
  const failed = Number(m[2]);
  record(name, Number(m[3]) - failed, failed);
}

function vitest(name, args) {
  mkdirSync(join(root, 'test-results'), { recursive: true });
  const out = join(root, 'test-results', `${name}.json`);
  const r = run('npx', ['vitest', 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  if (!existsSync(out)) return record(name, 0, 1);
  const j = JSON.parse(readFileSync(out, 'utf8'));
  const failed = j.numFailedTests + (r.status !== 0 && j.numFailedTests === 0 ? 1 : 0);
  record(name, j.numPassedTests, failed);
}

const hasTests = (dir) => existsSync(join(root, dir)) && readdirSync(join(root, dir)).some((f) => f.endsWith('.test.ts'));

setup();
if (wanted('native')) ctest('native', 'build', []);
if (wanted('asan') && existsSync(join(root, 'tests/fuzz'))) ctest('asan', 'build-asan', ['--asan']);
if (wanted('fuzz') && existsSync(join(root, 'tests/fuzz'))) {
  const { fuzzSmoke } = await import('./fuzz.mjs');
  const f = fuzzSmoke();
  record('fuzz', f.passed, f.failed);
}
if (wanted('web') || wanted('e2e')) {
  if (existsSync(join(root, 'scripts/build-wasm.mjs'))) {
    const b = run('node', ['scripts/build-wasm.mjs']);
    if (b.status !== 0) record('build:wasm', 0, 1);
  }
}
if (wanted('web') && hasTests('tests/web')) vitest('web', ['tests/web']);
if (wanted('e2e') && hasTests('tests/e2e')) vitest('e2e', ['-c', 'tests/e2e/vitest.e2e.config.ts']);

console.log('\n' + summary.join('\n'));
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 && totals.passed > 0 ? 0 : 1);
