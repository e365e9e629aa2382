// Picks the engine build for this environment and instantiates it.
//
//   browser / worker: `mt` (threads + SIMD) when the page is cross-origin isolated and the
//                     browser has WebAssembly threads, else `st` (SIMD only). The glue is
//                     imported by URL at run time from `${base}wasm/<build>/engine.mjs`, never
//                     bundled (bundling breaks the pthread workers; docs/toolchain.md).
//   Node (tests):     reads `<base>/wasm/<build>/engine.{mjs,wasm}` from the file system and
//                     passes the bytes as `wasmBinary` (Node's fetch cannot read file paths).
//                     `base` defaults to the repository's public/ folder.
//
// Deliberately free of Node and DOM types, so it type-checks in the worker (lib webworker)
// and under Node alike.
import { simd, threads } from 'wasm-feature-detect';
import type { Engine } from './engine';

export type BuildKind = 'mt' | 'st';

export interface LoadedEngine {
  engine: Engine;
  build: BuildKind;
  /** Why this build, in a sentence a person can act on. */
  reason: string;
}

export interface LoadEngineOptions {
  /** Where the app is served from (the folder holding `wasm/mt/` and `wasm/st/`), so a deployment
   *  under a sub-path works. Best absolute, resolved on the page (`new URL(import.meta.env.BASE_URL,
   *  document.baseURI).href`): a relative one resolves against the current location, which in a
   *  worker is the worker script's URL, not the page's. In Node: a directory path or file: URL
   *  (default: the repository's public/). */
  base?: string | URL;
  /** Use this build whatever the environment offers (an `mt` request still needs threads). */
  build?: BuildKind;
  /** Called when the module aborts (an engine crash): the session is unusable afterwards. */
  onAbort?: (what: unknown) => void;
  /** Extra Emscripten module options, e.g. `{ pthreadPoolSize: 3 }` for the threaded build. */
  moduleOptions?: Record<string, unknown>;
  /** How long the threaded build may take to start its thread pool before falling back to
   *  `st` (browser only; default 20 s). */
  threadsTimeoutMs?: number;
}

type Factory = (options: Record<string, unknown>) => Promise<Engine>;

// The globals read here, typed by hand: this module is compiled without Node's types and, in
// the worker, without the DOM's.
const g = globalThis as unknown as {
  process?: { versions?: { node?: unknown } };
  window?: unknown;
  crossOriginIsolated?: boolean;
  location?: { href?: string };
  require?: unknown;
  __dirname?: unknown;
};

// The parts of Node's built-in modules instantiateNode uses (imported only under Node).
interface NodeModules {
  url: { fileURLToPath(url: string | URL): string; pathToFileURL(path: string): URL };
  fs: { readFile(path: string): Promise<Uint8Array> };
  module: { createRequire(from: string): unknown };
  path: { resolve(...paths: string[]): string; join(...paths: string[]): string };
}

export function isNode(): boolean {
  return (
    typeof g.process === 'object' && typeof g.process?.versions?.node === 'string' && typeof g.window === 'undefined'
  );
}

/** Which build to load here and why; throws only when neither build can run. */
export async function pickBuild(force?: BuildKind): Promise<{ build: BuildKind; reason: string }> {
  if (!(await simd()))
    throw new Error(
      'This browser does not support WebAssembly SIMD, which both engine builds need ' +
        '(Chrome/Edge 91+, Firefox 89+, Safari 16.4+). Please update the browser.',
    );
  const hasThreads = await threads();
  if (isNode()) {
    if (force === 'st') return { build: 'st', reason: 'the SIMD-only build was requested.' };
    if (!hasThreads) return { build: 'st', reason: 'this Node.js has no WebAssembly threads.' };
    return {
      build: 'mt',
      reason: force === 'mt' ? 'the threaded build was requested.' : 'Node.js supports WebAssembly threads.',
    };
  }
  if (force === 'st') return { build: 'st', reason: 'the SIMD-only build was requested (?build=st).' };
  if (!g.crossOriginIsolated)
    return {
      build: 'st',
      reason:
        'the page is not cross-origin isolated (the server sent no COOP/COEP headers), so the browser ' +
        'allows no shared memory and no threads; training runs on one core.',
    };
  if (!hasThreads)
    return { build: 'st', reason: 'this browser has no WebAssembly threads; training runs on one core.' };
  return {
    build: 'mt',
    reason:
      force === 'mt'
        ? 'the threaded build was requested, and the page is cross-origin isolated.'
        : 'the page is cross-origin isolated and the browser supports WebAssembly threads.',
  };
}

/** Picks a build (see pickBuild) and instantiates it. */
export async function loadEngine(options: LoadEngineOptions = {}): Promise<LoadedEngine> {
  const { build, reason } = await pickBuild(options.build);
  if (isNode()) return { engine: await instantiateNode(options, build), build, reason };

  if (build === 'st') return { engine: await instantiateBrowser(options, 'st'), build, reason };
  try {
    const engine = await withTimeout(instantiateBrowser(options, 'mt'), options.threadsTimeoutMs ?? 20_000);
    return { engine, build, reason };
  } catch (e) {
    if (options.build === 'mt') throw e;
    const why = e instanceof Error ? e.message : String(e);
    const engine = await instantiateBrowser(options, 'st');
    return { engine, build: 'st', reason: `the threaded build failed to start (${why}); training runs on one core.` };
  }
}

/** The URL of a build's glue for a given app base (exported for the page's diagnostics). */
export function engineUrl(base: string | URL | undefined, build: BuildKind): string {
  const here = typeof g.location === 'object' && g.location?.href ? String(g.location.href) : 'http://localhost/';
  const root = new URL(String(base ?? './'), here);
  if (!root.pathname.endsWith('/')) root.pathname += '/';
  return new URL(`wasm/${build}/engine.mjs`, root).href;
}

async function instantiateBrowser(options: LoadEngineOptions, build: BuildKind): Promise<Engine> {
  const url = engineUrl(options.base, build);
  const module = (await import(/* @vite-ignore */ url)) as { default: Factory };
  return module.default({ ...options.moduleOptions, ...(options.onAbort ? { onAbort: options.onAbort } : {}) });
}

async function instantiateNode(options: LoadEngineOptions, build: BuildKind): Promise<Engine> {
  // Specifiers in variables: the bundler must not see Node built-ins in the browser build.
  const spec = { url: 'node:url', fs: 'node:fs/promises', module: 'node:module', path: 'node:path' };
  const url = (await import(/* @vite-ignore */ spec.url)) as NodeModules['url'];
  const fs = (await import(/* @vite-ignore */ spec.fs)) as NodeModules['fs'];
  const nodeModule = (await import(/* @vite-ignore */ spec.module)) as NodeModules['module'];
  const path = (await import(/* @vite-ignore */ spec.path)) as NodeModules['path'];

  let baseDir: string;
  if (options.base === undefined) {
    const here = '../../public/'; // not a literal in new URL(): keeps bundlers from resolving it
    baseDir = url.fileURLToPath(new URL(here, import.meta.url));
  } else if (options.base instanceof URL || String(options.base).startsWith('file:')) {
    baseDir = url.fileURLToPath(options.base);
  } else {
    baseDir = path.resolve(String(options.base));
  }
  const dir = path.join(baseDir, 'wasm', build);
  const glue = path.join(dir, 'engine.mjs');
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path.join(dir, 'engine.wasm'));
  } catch (e) {
    throw new Error(`cannot read ${path.join(dir, 'engine.wasm')}: run \`npm run build:wasm\` first (${String(e)})`, {
      cause: e,
    });
  }
  // The ES6 glue calls require() and reads __dirname on Node (the worker script is CommonJS).
  // Vitest provides both; plain Node needs them on globalThis.
  if (typeof g.require !== 'function') g.require = nodeModule.createRequire(url.pathToFileURL(glue).href);
  if (typeof g.__dirname !== 'string') g.__dirname = dir;
  const module = (await import(/* @vite-ignore */ url.pathToFileURL(glue).href)) as { default: Factory };
  const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return module.default({
    ...options.moduleOptions,
    wasmBinary,
    ...(options.onAbort ? { onAbort: options.onAbort } : {}),
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer after ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
