// Shared by the tests/web suites: loading each engine build the way the page's worker does
// (web/core/loadEngine.ts, here from public/wasm/ on the file system) and the fixtures.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Engine } from '../../web/core/engine';
import type { TrainConfig } from '../../web/core/session';
import { loadEngine, type BuildKind } from '../../web/core/loadEngine';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const BUILDS: BuildKind[] = ['mt', 'st'];

const engines = new Map<BuildKind, Promise<Engine>>();

/** One engine per build for the whole test file (the threaded one owns a pthread pool). */
export function engineFor(build: BuildKind): Promise<Engine> {
  let p = engines.get(build);
  if (!p) {
    const wasm = join(root, 'public', 'wasm', build, 'engine.wasm');
    if (!existsSync(wasm)) throw new Error(`${wasm} is missing: run \`npm run build:wasm\` first`);
    // Two pool workers are enough for the tests and start faster than the default.
    p = loadEngine({ build, moduleOptions: build === 'mt' ? { pthreadPoolSize: 3 } : {} }).then((l) => {
      if (l.build !== build) throw new Error(`asked for ${build}, got ${l.build}: ${l.reason}`);
      return l.engine;
    });
    engines.set(build, p);
  }
  return p;
}

export function fixturePath(...parts: string[]): string {
  return join(root, 'tests', 'fixtures', ...parts);
}

/** A fixture file's bytes, gunzipped when it is .gz (the page does this with DecompressionStream). */
export function fixture(...parts: string[]): Uint8Array {
  const bytes = readFileSync(fixturePath(...parts));
  return new Uint8Array(parts[parts.length - 1].endsWith('.gz') ? gunzipSync(bytes) : bytes);
}

export const digits = {
  trainImages: () => fixture('digits', 'train-images-idx3-ubyte.gz'),
  trainLabels: () => fixture('digits', 'train-labels-idx1-ubyte.gz'),
  testImages: () => fixture('digits', 't10k-images-idx3-ubyte.gz'),
  testLabels: () => fixture('digits', 't10k-labels-idx1-ubyte.gz'),
};

/** The tp preset (cpp/core/presets.cpp) with every setting spelled out, so that a test which
 *  starts from it does not change with the engine's defaults. */
export const TP_CONFIG: TrainConfig = {
  preset: 'tp',
  layers: [784, 128, 64, 10],
  hidden: 'sigmoid',
  output: 'softmax',
  loss: 'cross-entropy',
  bias: false,
  bias_init: 'zero',
  init: 'normal-sqrt-n',
  init_scale: 0.1,
  reduction: 'sum',
  optimizer: 'sgd',
  learning_rate: 0.001,
  momentum: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  rho: 0.95,
  adadelta_epsilon: 1e-6,
  batch_size: 1,
  epochs: 30,
  validation: 0,
  validation_limit: 0,
  limit: 0,
  test_limit: 0,
  l2: 0,
  dropout: 0,
  anneal_on_rise: false,
  anneal_factor: 0.5,
  step_decay_every: 0,
  step_decay_factor: 0.5,
  shuffle: false,
  augment: false,
  augment_shift: 2,
  augment_rotation: 10,
  augment_scale: 0.1,
  augment_shear: 0.1,
  elastic_alpha: 0,
  elastic_sigma: 4,
  crop: 0,
  seed: 1,
  threads: 1,
};

/** IDX bytes (u8): the page's own writer. */
export { idxBytes as idx } from '../../web/data/idx';

export function newestSourceTime(): number {
  let newest = 0;
  for (const dir of ['cpp/core', 'cpp/tools']) {
    const full = join(root, dir);
    if (!existsSync(full)) continue;
    for (const f of readdirSync(full)) newest = Math.max(newest, statSync(join(full, f)).mtimeMs);
  }
  return newest;
}

/** The native CLI to compare with: $DIGITRAIN_NATIVE, else build/digitrain, else another native
 *  build folder's. `stale` when a C++ source is newer than it: comparing it with a WebAssembly
 *  build of newer sources would report differences that are not bugs. */
export function nativeCli(): { path: string | null; why: string } {
  const candidates = [process.env.DIGITRAIN_NATIVE, join(root, 'build', 'digitrain')];
  for (const dir of readdirSync(root)
    .filter((d) => /^build-/.test(d) && !/wasm/.test(d))
    .sort())
    candidates.push(join(root, dir, 'digitrain'));
  const path = candidates.find((c): c is string => !!c && existsSync(c)) ?? null;
  if (!path) return { path: null, why: 'no native build (npm run test:native builds build/digitrain)' };
  if (statSync(path).mtimeMs < newestSourceTime())
    return { path: null, why: `${path} is older than the C++ sources: rebuild it (npm run test:native)` };
  return { path, why: path };
}
