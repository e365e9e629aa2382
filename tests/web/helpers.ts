// Shared by the tests/web suites: loading each engine build the way the page's worker does
// (web/core/loadEngine.ts, here from public/wasm/ on the file system) and the fixtures.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Engine } from '../../web/core/engine';
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

/** IDX bytes: 00 00, type 0x08 (u8), rank, big-endian dimensions, then the payload. */
export function idx(dims: number[], payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}
