// The real page for the benchmarks that drive it in Chromium (bench/longtask.mjs, bench/drawn.mjs):
// a Vite build of the app served cross-origin isolated, so that the threaded engine trains as it
// does for a visitor.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Builds the page into `outDir` (when `build` is set or nothing is built there yet; with
 * `fullMnist`, a build that offers full MNIST) and serves it on a free port of 127.0.0.1.
 * Throws when the WebAssembly engine is not built. `say` gets the progress, prefixed by `name`.
 * @param {{ name: string, outDir: string, build: boolean, fullMnist?: boolean, say: (s: string) => void }} options
 * @returns {Promise<{ server: import('vite').PreviewServer, url: string }>}
 */
export async function servePage({ name, outDir, build, fullMnist = false, say }) {
  for (const wasm of ['mt', 'st'])
    if (!existsSync(join(root, 'public', 'wasm', wasm, 'engine.mjs')))
      throw new Error(`public/wasm/${wasm}/engine.mjs is missing: run \`npm run build:wasm\` first`);
  const vite = await import('vite');
  if (build || !existsSync(join(outDir, 'index.html'))) {
    say(`${name}: building the page (vite build)…`);
    const { BUILD_ENV } = await import('../../scripts/full-mnist.mjs');
    if (fullMnist) process.env[BUILD_ENV] = '1';
    try {
      await vite.build({
        root,
        configFile: join(root, 'vite.config.ts'),
        logLevel: 'warn',
        build: { outDir, emptyOutDir: true },
      });
    } finally {
      delete process.env[BUILD_ENV];
    }
  }
  const server = await vite.preview({
    root,
    configFile: false,
    logLevel: 'warn',
    build: { outDir },
    preview: {
      host: '127.0.0.1',
      port: 0,
      strictPort: false,
      // Same-origin only: the page and its workers need no CORS headers.
      cors: false,
      headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    },
  });
  // Set once the server listens, which preview() waits for.
  const url = /** @type {import('vite').ResolvedServerUrls} */ (server.resolvedUrls).local[0];
  return { server, url };
}
