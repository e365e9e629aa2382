// A tiny static server for the browser benchmarks, cross-origin isolated (COOP/COEP) so the
// threaded engine and TF.js's threaded wasm get SharedArrayBuffer:
//   /                      → public/            (the engine: /wasm/mt/engine.mjs, ...)
//   /bench/                → bench/browser/ and bench/lib/ (as /bench/lib/)
//   /web/data/             → web/data/          (demo-files.js: the demo files' names)
//   /tfjs/                 → node_modules/@tensorflow/tfjs/dist/
//   /tfjs-backend-wasm/    → node_modules/@tensorflow/tfjs-backend-wasm/dist/
//   /mnist/                → a folder of full MNIST's files, when startServer is given one
// Standalone: `node bench/server.mjs [port]` and open http://localhost:PORT/bench/index.html.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mounts = [
  ['/bench/lib/', join(root, 'bench', 'lib')],
  ['/bench/', join(root, 'bench', 'browser')],
  ['/web/data/', join(root, 'web', 'data')],
  ['/tfjs/', join(root, 'node_modules', '@tensorflow', 'tfjs', 'dist')],
  ['/tfjs-backend-wasm/', join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')],
  ['/', join(root, 'public')],
];
/** @type {Record<string, string>} */
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.gz': 'application/gzip',
};

/** The file a URL path names under the mounts, or null outside them. @param {string} pathname */
function resolve(pathname) {
  for (const [prefix, dir] of mounts) {
    if (!pathname.startsWith(prefix)) continue;
    const rel = normalize(decodeURIComponent(pathname.slice(prefix.length)));
    if (rel.startsWith('..')) return null;
    const file = join(dir, rel);
    if (file !== dir && !file.startsWith(dir + sep)) return null;
    return file;
  }
  return null;
}

/** The file a request path names (a folder's index.html), or null: not found. @param {string} pathname */
function servedFile(pathname) {
  const found = resolve(pathname);
  if (!found) return null;
  try {
    const stat = statSync(found);
    const file = stat.isDirectory() ? join(found, 'index.html') : found;
    const fileStat = file === found ? stat : statSync(file);
    return fileStat.isFile() ? { file, size: fileStat.size } : null;
  } catch {
    return null;
  }
}

/**
 * Starts the server; `url` is where it listens. `mnistDir`: a folder of full MNIST's files,
 * served at /mnist/ (bench/presets.mjs --data DIR).
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export function startServer(port = 0, host = '127.0.0.1', mnistDir = '') {
  if (mnistDir && !mounts.some(([prefix]) => prefix === '/mnist/')) mounts.unshift(['/mnist/', mnistDir]);
  const server = createServer((req, res) => {
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    const served = servedFile(new URL(req.url ?? '/', 'http://x').pathname);
    if (!served) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    const { file, size } = served;
    res.writeHead(200, {
      ...headers,
      'Content-Type': types[extname(file)] ?? 'application/octet-stream',
      'Content-Length': size,
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const { port: p } = /** @type {import('node:net').AddressInfo} */ (server.address());
      ok({ url: `http://${host}:${p}`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { url } = await startServer(Number(process.argv[2] ?? 8123));
  console.log(`serving ${url}/bench/index.html (Ctrl-C to stop)`);
}
