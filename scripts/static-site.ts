// The Vite plugin that makes `vite build` a self-contained static site:
//   - copies the example course page web/examples/ to <outDir>/examples/;
//   - writes <outDir>/sw.js, the service worker (web/pwa/sw.template.js) that adds the
//     cross-origin isolation headers and keeps the offline copy, with the list of every file
//     of the build and a version hashed from their bytes (a new build ⇒ a new worker ⇒ the
//     old cache is replaced cleanly);
//   - refuses a build that would break on a sub-path: an absolute `src="/…"` or `href="/…"`
//     in an HTML file.
// In the dev server it serves web/examples/ under /examples/ (no service worker there:
// public/boot.js does not register one under Vite's dev client).
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin, ResolvedConfig } from 'vite';
import { FULL_MNIST_DIR } from '../web/data/demo-files.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLES = join(root, 'web', 'examples');
const SW_TEMPLATE = join(root, 'web', 'pwa', 'sw.template.js');

/** Files that are part of the build but not of the offline copy installed up front (full
 *  MNIST, 11 MB, is kept only once used: web/pwa/sw.template.js). */
const NOT_CACHED = (path: string) =>
  path === 'sw.js' ||
  path.endsWith('/package.json') ||
  path.split('/').some((p) => p.startsWith('.')) ||
  path.startsWith(`${FULL_MNIST_DIR}/`);

/** Every file under `dir`, as sorted POSIX paths relative to it. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** A short hash of the files' names and bytes: the build's version. */
export function buildVersion(dir: string, files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f + '\0');
    h.update(readFileSync(join(dir, f)));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/** The service worker's source for a version and its file list. */
export function serviceWorkerSource(
  version: string,
  files: string[],
  template = readFileSync(SW_TEMPLATE, 'utf8'),
): string {
  return template
    .replace("'__DIGITRAIN_VERSION__'", JSON.stringify(version))
    .replace("'__DIGITRAIN_ON_DEMAND__'", JSON.stringify(`${FULL_MNIST_DIR}/`))
    .replace('__DIGITRAIN_FILES__', JSON.stringify(files, null, 1));
}

/** Absolute URLs in HTML attributes (they would break when the site lives in a sub-folder). */
export function absoluteUrls(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)\s*=\s*["'](\/(?!\/)[^"']*)["']/g)].map((m) => m[1]);
}

/** Writes sw.js into a finished build folder; returns the version and the cached files. */
export function writeServiceWorker(outDir: string): { version: string; files: string[] } {
  const files = listFiles(outDir).filter((f) => !NOT_CACHED(f));
  const version = buildVersion(outDir, files);
  writeFileSync(join(outDir, 'sw.js'), serviceWorkerSource(version, files));
  return { version, files };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
};

export function staticSite(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'digitrain-static-site',
    configResolved(c) {
      config = c;
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent((req.url ?? '').split('?')[0]);
        if (!path.startsWith('/examples/')) return next();
        const file = resolve(EXAMPLES, '.' + path.slice('/examples'.length));
        if (!file.startsWith(EXAMPLES + sep) || !existsSync(file) || statSync(file).isDirectory()) return next();
        res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
        res.end(readFileSync(file));
      });
    },
    closeBundle() {
      if (config.command !== 'build') return;
      const outDir = resolve(config.root, config.build.outDir);
      if (!existsSync(join(outDir, 'index.html'))) return; // not the page's build (e.g. a worker bundle)
      cpSync(EXAMPLES, join(outDir, 'examples'), { recursive: true });
      const bad = listFiles(outDir)
        .filter((f) => f.endsWith('.html'))
        .flatMap((f) => absoluteUrls(readFileSync(join(outDir, f), 'utf8')).map((u) => `${f}: ${u}`));
      if (bad.length)
        throw new Error(`absolute paths break the build on a sub-path (use ./relative ones):\n  ${bad.join('\n  ')}`);
      const { version, files } = writeServiceWorker(outDir);
      config.logger.info(`digitrain: sw.js (version ${version}) caches ${files.length} files for offline use`);
    },
  };
}
