// Vite serves and builds the page (index.html at the repo root). Three things matter here:
//   - COOP/COEP headers on the dev server and on preview: without cross-origin isolation
//     there is no SharedArrayBuffer, and the page falls back to the SIMD-only build;
//   - the Emscripten outputs in public/wasm/ stay out of the module graph (loaded by URL
//     from the worker; see docs/toolchain.md), and the worker is built as ES module;
//   - the demo IDX files are generated into public/data/ before serving or building;
//   - full MNIST: prepared on the dev server's first request for it, put into the build with
//     `npm run build -- --full-mnist` (scripts/full-mnist.mjs).
import { defineConfig, type Plugin } from 'vite';
import { ensureDemoData } from './scripts/demo-data.mjs';
import { fullMnistSite } from './scripts/full-mnist.mjs';
// The static site: service worker (isolation headers + offline copy), example course page.
import { staticSite } from './scripts/static-site.ts';

export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

function demoData(): Plugin {
  return {
    name: 'digitrain-demo-data',
    async buildStart() {
      const written: string[] = await ensureDemoData();
      if (written.length) this.info?.(`demo data generated: ${written.length} files in public/data/`);
    },
  };
}

export default defineConfig({
  root: '.',
  // Relative asset paths so the build works from any sub-path of a static host.
  base: './',
  publicDir: 'public',
  plugins: [demoData(), fullMnistSite(), staticSite()],
  server: { host: '127.0.0.1', port: 5173, strictPort: true, headers: isolationHeaders },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, headers: isolationHeaders },
  worker: { format: 'es' },
  // Pre-bundled at start-up: discovered later (wasm-feature-detect is only imported by the
  // worker), the dev server would reload the page mid-session.
  optimizeDeps: { include: ['chart.js', 'wasm-feature-detect'] },
  build: { outDir: 'dist', target: 'es2022', emptyOutDir: true },
});
