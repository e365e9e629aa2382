// A bare static file server for the static-hosting tests, like a university web
// space or a Git "pages" host: node:http, the usual content types, no COOP/COEP/CORP and no
// CORS headers, the site under a sub-path (e.g. /courses/ml/digitrain/). A folder URL serves
// its index.html; a folder without the slash redirects. `override` replaces a file's bytes
// (to publish a "new version" without rebuilding); `requests` lists what was asked for;
// `down` drops every connection (no network at all).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.gz': 'application/gzip',
};

export interface StaticServer {
  /** The site's URL, ending in the sub-path and a slash. */
  url: string;
  origin: string;
  override: Map<string, string | Buffer>;
  requests: string[];
  /** While true, every connection is dropped without an answer: the network is gone. */
  down: boolean;
  close(): Promise<void>;
}

/** `untyped`: extensions this host does not know (sent as application/octet-stream), as some
 *  older web spaces do for .mjs and .wasm. */
export async function serveStatic(
  dir: string,
  subPath = '/courses/ml/digitrain/',
  options: { untyped?: string[] } = {},
): Promise<StaticServer> {
  const override = new Map<string, string | Buffer>();
  const requests: string[] = [];
  const state = { down: false };
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (state.down) return void req.socket.destroy();
    if (!path.startsWith(subPath)) {
      if (path === subPath.slice(0, -1)) {
        res.writeHead(301, { Location: subPath });
        return res.end();
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('not found');
    }
    let rel = path.slice(subPath.length);
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = normalize(join(dir, rel));
    if (!file.startsWith(normalize(dir) + sep)) {
      res.writeHead(403);
      return res.end();
    }
    const body = override.get(rel) ?? (existsSync(file) && statSync(file).isFile() ? readFileSync(file) : null);
    if (body === null) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('not found');
    }
    const ext = extname(file);
    const type = options.untyped?.includes(ext) ? undefined : TYPES[ext];
    res.writeHead(200, { 'Content-Type': type ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin + subPath,
    origin,
    override,
    requests,
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
