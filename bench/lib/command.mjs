// How the benchmarks run a command to completion (bench/run.mjs, bench/presets.mjs): in the
// repository, its stdout returned, and a failure turned into an error that quotes the
// command's last lines.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Runs a command in the repository; its output goes to stderr only when it fails (or always
 * with `show`). Returns its stdout.
 * @param {string} cmd @param {string[]} args
 * @param {{ env?: Record<string, string>, show?: boolean, input?: string }} [options]
 */
export function runCommand(cmd, args, { env = {}, show = false, input } = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    input,
    maxBuffer: 64 << 20,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (r.error) throw new Error(`cannot run ${cmd}: ${r.error.message}`);
  if (show || r.status !== 0) process.stderr.write((r.stdout ?? '') + (r.stderr ?? ''));
  if (r.status !== 0) {
    const err = (r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}${err ? `: ${err}` : ''}`);
  }
  return r.stdout;
}

/**
 * The commands that build a native build's CLI: configure it first when it never was (without
 * the tests, unless `tests`), then build the `digitrain` target.
 * @param {{ dir: string, args: string[] }} build as scripts/native.mjs's nativeBuild gives it
 * @param {{ tests?: boolean }} [options]
 * @returns {[string, string[]][]}
 */
export function nativeCliSteps({ dir, args }, { tests = false } = {}) {
  /** @type {[string, string[]][]} */
  const steps = [];
  if (!existsSync(join(root, dir, 'CMakeCache.txt')))
    steps.push(['cmake', ['-S', '.', '-B', dir, ...args, ...(tests ? [] : ['-DDIGITRAIN_TESTS=OFF'])]]);
  steps.push(['cmake', ['--build', dir, '--target', 'digitrain', `-j${Math.max(2, availableParallelism())}`]]);
  return steps;
}
