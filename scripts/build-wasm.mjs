#!/usr/bin/env node
// Builds the WebAssembly engine with Emscripten and puts the outputs where they are loaded:
//
//   public/wasm/mt/  engine.mjs engine.wasm engine.worker.js   threads + SIMD
//   public/wasm/st/  engine.mjs engine.wasm                    SIMD only (no cross-origin isolation)
//   build-wasm/node/ digitrain.js digitrain.wasm (+ worker)     the CLI under Node: `npm run cli -- ARGS`
//
// Each folder gets a {"type":"commonjs"} package.json: the pthread worker script uses
// `require`, and the repository root is "type": "module".
//
// Incremental: configures build-wasm/ once, lets make rebuild what changed, and copies only
// files whose bytes differ (so Vite sees no change when there is none).
//
//   node scripts/build-wasm.mjs [--clean] [--simd=sse|plain] [--exceptions=wasm|js] [--jobs=N]
//                               [--target=engine_mt,engine_st,digitrain_node] [--quiet]
//                               [--blocks=RxP|default]   (the dense kernels' register blocks, to measure others)
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build-wasm');

/** @type {{ clean: boolean, simd: string | null, exceptions: string | null, blocks: string | null, jobs: number, target: string[] | null, quiet: boolean }} */
const options = {
  clean: false,
  simd: null,
  exceptions: null,
  blocks: null,
  jobs: Math.max(1, cpus().length),
  target: null,
  quiet: false,
};
for (const arg of process.argv.slice(2)) {
  const [key, value] = arg.replace(/^--/, '').split('=');
  if (key === 'clean') options.clean = true;
  else if (key === 'quiet') options.quiet = true;
  else if (key === 'simd' && (value === 'sse' || value === 'plain')) options.simd = value;
  else if (key === 'exceptions' && (value === 'wasm' || value === 'js')) options.exceptions = value;
  else if (key === 'blocks' && /^([1-8]x[1-8]|default)$/.test(value ?? '')) options.blocks = value;
  else if (key === 'jobs' && Number(value) > 0) options.jobs = Number(value);
  else if (key === 'target' && value) options.target = value.split(',');
  else {
    console.error(
      `build-wasm: unknown option ${arg}\n` +
        'usage: node scripts/build-wasm.mjs [--clean] [--simd=sse|plain] [--exceptions=wasm|js] [--blocks=RxP|default] [--jobs=N] [--target=a,b] [--quiet]',
    );
    process.exit(2);
  }
}

// Debian's emscripten finds acorn (needed by its -O2/-O3 JS optimiser) only through NODE_PATH.
const env = { ...process.env };
env.NODE_PATH = ['/usr/share/nodejs', env.NODE_PATH].filter(Boolean).join(':');

/** @param {string} cmd @param {string[]} args @param {{ fatal?: boolean }} [options] */
function run(cmd, args, { fatal = true } = {}) {
  if (!options.quiet) console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: options.quiet ? ['ignore', 'pipe', 'inherit'] : 'inherit' });
  if (r.error) {
    const { code } = /** @type {NodeJS.ErrnoException} */ (r.error);
    console.error(
      `build-wasm: cannot run ${cmd}: ${r.error.message}` +
        (code === 'ENOENT' ? ' (install Emscripten: apt-get install emscripten)' : ''),
    );
    process.exit(1);
  }
  if (r.status !== 0) {
    console.error(`build-wasm: ${cmd} failed with exit code ${r.status}`);
    if (fatal) process.exit(r.status || 1);
    return false;
  }
  return true;
}

if (options.clean) rmSync(buildDir, { recursive: true, force: true });

const cache = join(buildDir, 'CMakeCache.txt');
const cacheDefs = [];
if (options.simd) cacheDefs.push(`-DDIGITRAIN_WASM_SIMD=${options.simd}`);
if (options.exceptions) cacheDefs.push(`-DDIGITRAIN_WASM_EXCEPTIONS=${options.exceptions}`);
if (options.blocks) cacheDefs.push(`-DDIGITRAIN_DENSE_BLOCKS=${options.blocks === 'default' ? '' : options.blocks}`);
if (!existsSync(cache) || cacheDefs.length) {
  run('emcmake', [
    'cmake',
    '-S',
    '.',
    '-B',
    'build-wasm',
    '-DCMAKE_BUILD_TYPE=Release',
    '-DEigen3_DIR=/usr/share/eigen3/cmake',
    // emcmake sets the emulator to `node --experimental-wasm-threads`, which Node 20 rejects.
    '-DCMAKE_CROSSCOMPILING_EMULATOR=',
    '-DDIGITRAIN_TESTS=OFF',
    ...cacheDefs,
  ]);
}

// The engines first: the page and tests/web need only them. The Node CLI (cpp/tools) after,
// and a failure there is reported without losing the engines.
const targets = options.target ?? ['engine_mt', 'engine_st'];
run('cmake', ['--build', 'build-wasm', '-j', String(options.jobs), '--target', ...targets]);
let cliOk = true;
const hasCli = readdirSync(join(root, 'cpp', 'tools')).some((f) => f.endsWith('.cpp'));
if (!options.target && hasCli)
  cliOk = run('cmake', ['--build', 'build-wasm', '-j', String(options.jobs), '--target', 'digitrain_node'], {
    fatal: false,
  });

// Copies `from` to `to` when the bytes differ; returns true when it copied.
/** @param {string} from @param {string} to */
function sync(from, to) {
  const src = readFileSync(from);
  if (existsSync(to)) {
    const dst = readFileSync(to);
    if (dst.equals(src)) return false;
  }
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  return true;
}

/** @param {string} file @param {string} text */
function writeIfChanged(file, text) {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

const commonjs = '{"type":"commonjs"}\n';
/** @type {[file: string, size: number, gzipped: number | null][]} */
const rows = [];
let copied = 0;
/** @type {[string, string[]][]} */
const builds = [
  ['mt', ['engine.mjs', 'engine.wasm', 'engine.worker.js']],
  ['st', ['engine.mjs', 'engine.wasm']],
];
for (const [build, files] of builds) {
  const out = join(root, 'public', 'wasm', build);
  for (const f of files) {
    const from = join(buildDir, build, f);
    if (!existsSync(from)) continue; // a --target build that skipped it
    if (sync(from, join(out, f))) copied++;
    const bytes = readFileSync(from);
    rows.push([relative(root, join(out, f)), bytes.length, gzipSync(bytes, { level: 9 }).length]);
  }
  writeIfChanged(join(buildDir, build, 'package.json'), commonjs);
  if (existsSync(out)) writeIfChanged(join(out, 'package.json'), commonjs);
}
const nodeDir = join(buildDir, 'node');
if (existsSync(nodeDir)) {
  writeIfChanged(join(nodeDir, 'package.json'), commonjs);
  for (const f of ['digitrain.js', 'digitrain.wasm', 'digitrain.worker.js']) {
    const file = join(nodeDir, f);
    if (existsSync(file)) rows.push([relative(root, file), statSync(file).size, null]);
  }
}

if (!options.quiet) {
  const kb = (/** @type {number} */ n) => (n / 1024).toFixed(1).padStart(8) + ' KB';
  console.log(`\nbuild-wasm: ${copied ? `${copied} file(s) updated` : 'public/wasm is up to date'}`);
  for (const [file, size, gz] of rows)
    console.log(`  ${file.padEnd(34)} ${kb(size)}${gz === null ? '' : ` (${kb(gz).trim()} gzipped)`}`);
}
if (!cliOk) {
  console.error('build-wasm: the engines are built, but the Node CLI (digitrain_node) failed to build');
  process.exit(1);
}
