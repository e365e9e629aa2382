#!/usr/bin/env node
// Training samples/s of the WebAssembly engine under Node (one process per build):
//   node bench/wasm-node.mjs --build st|mt [--threads 1,2] [--batches 32,128] [--seconds S] [--warmup W]
//                            [--data random|digits]
// Prints one JSON object per measurement and line:
//   {"impl":"wasm-simd-node","threads":1,"batch":32,"samples_per_second":...,"data":"random"}
// (`wasm-simd-node` for public/wasm/st, `wasm-threads-node` for public/wasm/mt.)
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchData, benchTrain } from './lib/engine-bench.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const opts = { build: 'st', threads: [1], batches: [32, 128], seconds: 1.5, warmup: 0.3, data: 'random' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const [key, inline] = argv[i].replace(/^--/, '').split('=');
  const value = () => inline ?? argv[++i];
  if (key === 'build') opts.build = value();
  else if (key === 'threads') opts.threads = value().split(',').map(Number);
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
const maxThreads = Math.max(...opts.threads);
const engine = await createEngine({
  wasmBinary,
  ...(opts.build === 'mt' ? { pthreadPoolSize: Math.max(1, maxThreads - 1) } : {}),
  print: (/** @type {string} */ s) => process.stderr.write(`${s}\n`),
  printErr: (/** @type {string} */ s) => process.stderr.write(`${s}\n`),
});

const impl = opts.build === 'mt' ? 'wasm-threads-node' : 'wasm-simd-node';
const data = await benchData(opts.data, (/** @type {string} */ name) =>
  readFileSync(join(root, 'public', 'data', name)),
);
for (const threads of opts.threads) {
  for (const batch of opts.batches) {
    const r = benchTrain(engine, { threads, batch, seconds: opts.seconds, warmup: opts.warmup, data });
    process.stdout.write(
      `${JSON.stringify({ impl, threads, batch, samples_per_second: Math.round(r.samples_per_second), data: opts.data })}\n`,
    );
  }
}
// The pthread pool keeps the event loop alive.
process.exit(0);
