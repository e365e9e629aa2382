// Global setup of the browser tests: one `vite build` (through Vite's JS API) into
// test-results/dist, then two preview servers on it — one with the COOP/COEP headers (the
// page is cross-origin isolated: threads) and one without (the SIMD-only fallback). The
// specs read the two URLs with inject('isolatedUrl') / inject('plainUrl').
import { cpSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, preview, type PreviewServer } from 'vite';
import type { TestProject } from 'vitest/node';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outDir = `${root}test-results/dist`;

declare module 'vitest' {
  export interface ProvidedContext {
    isolatedUrl: string;
    plainUrl: string;
  }
}

async function serve(headers: Record<string, string>): Promise<PreviewServer> {
  // configFile: false so the headers are exactly these (vite.config.ts would merge its own in).
  return preview({
    root,
    configFile: false,
    logLevel: 'warn',
    build: { outDir },
    // cors: false — Vite would otherwise let any localhost origin read these files, which
    // would hide the cross-origin failure the URL loader must explain.
    preview: { host: '127.0.0.1', port: 0, strictPort: false, headers, cors: false },
  });
}

export default async function setup(project: TestProject) {
  // DIGITRAIN_WASM_DIR=<dir with mt/ and st/> tests the page against another engine build
  // (e.g. a CMake build directory) without touching public/wasm.
  const wasmDir = process.env.DIGITRAIN_WASM_DIR ?? `${root}public/wasm`;
  for (const build of ['mt', 'st'])
    if (!existsSync(`${wasmDir}/${build}/engine.mjs`))
      throw new Error(`${wasmDir}/${build}/engine.mjs is missing: run \`npm run build:wasm\` first`);
  await build({ root, configFile: `${root}vite.config.ts`, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  if (process.env.DIGITRAIN_WASM_DIR)
    for (const build of ['mt', 'st']) cpSync(`${wasmDir}/${build}`, `${outDir}/wasm/${build}`, { recursive: true });
  const isolated = await serve({
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
  });
  const plain = await serve({});
  project.provide('isolatedUrl', isolated.resolvedUrls!.local[0]);
  project.provide('plainUrl', plain.resolvedUrls!.local[0]);
  return async () => {
    await Promise.all([isolated.close(), plain.close()]);
  };
}
