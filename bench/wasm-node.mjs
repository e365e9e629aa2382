#!/usr/bin/env node
// Training samples/s of the WebAssembly engine under Node (one process per build):
//   node bench/wasm-node.mjs --build st|mt [--threads 1,2] [--batches 32,128] [--seconds S] [--warmup W]
//                            [--data random|digits]
// Prints one JSON object per measurement and line:
//   {"impl":"wasm-simd-node","threads":1,"batch":32,"samples_per_second":...,"data":"random"}
// (`wasm-simd-node` for public/wasm/st, `wasm-threads-node` for public/wasm/mt.)
// With --presets tp,best,... (bench/presets.mjs) each preset trains at its own batch size on
// the first --limit samples of --data digits (the demo set) or --mnist DIR (full MNIST's raw
// training files), --reps times per thread count (`auto` allowed: --threads 1,2,auto); each
// line then also has "preset", "rep", "threads_used" and "threads_reason".
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchData, benchPresets, benchTrain, mnistData } from './lib/engine-bench.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** @type {{ build: string, threads: (number | 'auto')[], batches: number[], seconds: number, warmup: number,
 *   data: string, presets: string[], mnist: string, limit: number, reps: number }} */
const opts = {
  build: 'st',
  threads: [1],
  batches: [32, 128],
  seconds: 1.5,
  warmup: 0.3,
  data: 'random',
  presets: [],
  mnist: '',
  limit: 0,
  reps: 1,
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const [key, inline] = argv[i].replace(/^--/, '').split('=');
  const value = () => inline ?? argv[++i];
  if (key === 'build') opts.build = value();
  else if (key === 'threads')
    opts.threads = value()
      .split(',')
      .map((t) => (t === 'auto' ? 'auto' : Number(t)));
  else if (key === 'presets') opts.presets = value().split(',');
  else if (key === 'mnist') opts.mnist = value();
  else if (key === 'limit') opts.limit = Number(value());
  else if (key === 'reps') opts.reps = Number(value());
  else if (key === 'batches') opts.batches = value().split(',').map(Number);
  else if (key === 'seconds') opts.seconds = Number(value());
  else if (key === 'warmup') opts.warmup = Number(value());
  else if (key === 'data') opts.data = value();
  else {
    console.error(`wasm-node: unknown option ${argv[i]}`);
    process.exit(2);
  }
}
if (opts.build !== 'st' && opts.build !== 'mt') {
  console.error('wasm-node: --build must be st or mt');
  process.exit(2);
}

const dir = join(root, 'public', 'wasm', opts.build);
// The threaded ES6 glue (and its pthread workers) use require/__dirname under Node.
globalThis.require = createRequire(join(dir, 'engine.mjs'));
globalThis.__dirname = dir;
const bytes = readFileSync(join(dir, 'engine.wasm'));
const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const createEngine = (await import(pathToFileURL(join(dir, 'engine.mjs')).href)).default;
const maxThreads = Math.max(...opts.threads.map((t) => (t === 'auto' ? Math.min(8, availableParallelism()) : t)));
const engine = await createEngine({
  wasmBinary,
  ...(opts.build === 'mt' ? { pthreadPoolSize: Math.max(1, maxThreads - 1) } : {}),
  print: (/** @type {string} */ s) => process.stderr.write(`${s}\n`),
  printErr: (/** @type {string} */ s) => process.stderr.write(`${s}\n`),
});

const impl = opts.build === 'mt' ? 'wasm-threads-node' : 'wasm-simd-node';
const data = opts.mnist
  ? await mnistData((/** @type {string} */ name) => readFileSync(join(opts.mnist, name)))
  : await benchData(opts.data, (/** @type {string} */ name) => readFileSync(join(root, 'public', 'data', name)));
for (const r of benchPresets(engine, { ...opts, data })) {
  const row = {
    impl,
    preset: r.preset,
    threads: r.threads,
    batch: r.batch,
    samples_per_second: Math.round(r.samples_per_second),
    data: opts.mnist ? 'mnist' : opts.data,
    rep: r.rep,
    threads_used: r.threads_used,
    threads_reason: r.threads_reason,
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}
if (opts.presets.length) process.exit(0);
for (const threads of opts.threads) {
  if (threads === 'auto') throw new Error('--threads auto needs --presets');
  for (const batch of opts.batches) {
    const r = benchTrain(engine, { threads, batch, seconds: opts.seconds, warmup: opts.warmup, data });
    process.stdout.write(
      `${JSON.stringify({ impl, threads, batch, samples_per_second: Math.round(r.samples_per_second), data: opts.data })}\n`,
    );
  }
}
// The pthread pool keeps the event loop alive.
process.exit(0);
