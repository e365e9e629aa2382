// Picks the engine build for this browser and instantiates it, from inside the worker.
// (Kept small on purpose: when web/core/loadEngine.ts — the wasm engineer's picker — lands,
// this file should delegate to it.)
//
// The Emscripten glue is imported at run time by URL, never bundled: bundling it through
// Vite breaks the threaded build's pthread workers (see /work/shared/TOOLCHAIN.md).
import { simd, threads } from 'wasm-feature-detect';
import type { Engine } from '../core/engine';
import type { BuildKind } from '../shared/protocol';

export async function pickBuild(force?: BuildKind): Promise<{ build: BuildKind; reason: string }> {
  if (!(await simd()))
    throw new Error(
      'This browser does not support WebAssembly SIMD, which both engine builds need ' +
        '(Chrome/Edge 91+, Firefox 89+, Safari 16.4+). Please update the browser.',
    );
  if (force === 'st') return { build: 'st', reason: 'the SIMD-only build was requested in the URL (?build=st).' };
  if (!globalThis.crossOriginIsolated)
    return {
      build: 'st',
      reason:
        'the page is not cross-origin isolated (the server sent no COOP/COEP headers), so the browser ' +
        'allows no shared memory and no threads; training runs on one core.',
    };
  if (!(await threads())) return { build: 'st', reason: 'this browser has no WebAssembly threads.' };
  return { build: 'mt', reason: 'the page is cross-origin isolated and the browser supports WebAssembly threads.' };
}

export async function instantiate(base: string, build: BuildKind, onAbort: (what: unknown) => void): Promise<Engine> {
  const url = new URL(`${base}wasm/${build}/engine.mjs`, self.location.href).href;
  const module = (await import(/* @vite-ignore */ url)) as { default: (options: object) => Promise<Engine> };
  return module.default({ onAbort });
}
