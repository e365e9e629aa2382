#!/usr/bin/env node
// Writes the seed corpora of the fuzz targets, tests/fuzz/corpus/<target>/, from the
// committed fixtures (tests/fixtures/digits, malformed, models) plus a few hand-made files,
// one for each way a reader can fail. Same bytes every run (gzip with mtime 0):
//   node tests/fuzz/make-corpus.mjs
// The fuzzers never write here: scripts/fuzz.mjs runs each on a copy of its corpus.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { deflateSync, gunzipSync, gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'fixtures');
const out = join(here, 'corpus');

// ---- IDX helpers --------------------------------------------------------------------------
/** @type {Record<string, [code: number, size: number]>} */
const TYPES = { u8: [0x08, 1], i8: [0x09, 1], i16: [0x0b, 2], i32: [0x0c, 4], f32: [0x0d, 4], f64: [0x0e, 8] };

/** @param {string} type @param {number[]} dims @param {number[]} values */
function idx(type, dims, values) {
  const [code, size] = TYPES[type];
  const count = dims.reduce((a, b) => a * b, 1);
  const buf = Buffer.alloc(4 + 4 * dims.length + count * size);
  buf[2] = code;
  buf[3] = dims.length;
  dims.forEach((d, k) => buf.writeUInt32BE(d, 4 + 4 * k));
  const at = 4 + 4 * dims.length;
  for (let i = 0; i < count; ++i) {
    const v = values[i % values.length];
    const o = at + i * size;
    if (type === 'u8') buf.writeUInt8(v, o);
    else if (type === 'i8') buf.writeInt8(v, o);
    else if (type === 'i16') buf.writeInt16BE(v, o);
    else if (type === 'i32') buf.writeInt32BE(v, o);
    else if (type === 'f32') buf.writeFloatBE(v, o);
    else buf.writeDoubleBE(v, o);
  }
  return buf;
}

/** @param {number} code @param {number[]} dims */
function header(code, dims) {
  const buf = Buffer.alloc(4 + 4 * dims.length);
  buf[2] = code;
  buf[3] = dims.length;
  dims.forEach((d, k) => buf.writeUInt32BE(d >>> 0, 4 + 4 * k));
  return buf;
}

const gz = (/** @type {Uint8Array} */ bytes) => gzipSync(bytes, { level: 9 });

// The first three digits of the committed fixture.
const trainImages = gunzipSync(readFileSync(join(fixtures, 'digits/train-images-idx3-ubyte.gz')));
const trainLabels = gunzipSync(readFileSync(join(fixtures, 'digits/train-labels-idx1-ubyte.gz')));
const images3 = Buffer.concat([header(0x08, [3, 28, 28]), trainImages.subarray(16, 16 + 3 * 784)]);
const labels3 = Buffer.concat([header(0x08, [3]), trainLabels.subarray(8, 11)]);
const labels3x1 = Buffer.concat([header(0x08, [3, 1]), trainLabels.subarray(8, 11)]);
const malformed = (/** @type {string} */ name) => readFileSync(join(fixtures, 'malformed', name));

// Tiny 2×2 images keep the dataset seeds fast to mutate.
const tiny3 = idx('u8', [3, 2, 2], [0, 64, 128, 255, 7, 9]);
const tiny5 = idx('u8', [5, 2, 2], [0, 255, 17, 3]);

// ---- corpora ------------------------------------------------------------------------------
const corpus = {};

corpus.fuzz_idx = {
  'images-3x28x28-u8': images3,
  'labels-3-u8': labels3,
  'labels-3x1-u8': labels3x1,
  'images-3x2x2-u8': tiny3,
  'i8-4': idx('i8', [4], [-128, -1, 0, 127]),
  'i16-2x2': idx('i16', [2, 2], [-32768, -1, 0, 32767]),
  'i32-3': idx('i32', [3], [-2147483648, 9, 2147483647]),
  'f32-4': idx('f32', [4], [0.5, -0, NaN, Infinity]),
  'f64-2': idx('f64', [2], [1e-300, -255]),
  'u8-rank4': idx('u8', [1, 1, 2, 2], [1, 2, 3, 4]),
  // One file for each error: the committed malformed fixtures, then hand-made ones.
  'malformed-truncated-images': malformed('truncated-images-idx3-ubyte'),
  'malformed-png-magic': malformed('png-magic-idx3-ubyte'),
  'malformed-empty': malformed('empty-idx1-ubyte'),
  'malformed-label-12': malformed('label-12-idx1-ubyte'),
  'bad-type-0x0a': header(0x0a, [1]),
  'rank-0': header(0x08, []),
  'rank-5': Buffer.concat([header(0x08, [1, 1, 1, 1, 1]), Buffer.from([1])]),
  'zero-dim': header(0x08, [3, 0, 28]),
  'trailing-byte': Buffer.concat([labels3, Buffer.from([0])]),
  'header-truncated': header(0x08, [3, 28, 28]).subarray(0, 9),
  'claims-1e9-images': header(0x08, [1e9, 28, 28]),
  'claims-2^128-elements': header(0x0e, [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]),
  'little-endian-header': Buffer.from([0x03, 0x08, 0x00, 0x00, 1, 0, 0, 0, 5]),
  'jpeg-magic': Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]),
  'html-page': Buffer.from('\ufeff  <!DOCTYPE html><title>404</title>'),
  'gzip-magic': gz(labels3),
};

corpus.fuzz_gzip_idx = {
  'images-3x28x28-u8.gz': gz(images3),
  'labels-3-u8.gz': gz(labels3),
  'images-3x2x2-u8.gz': gz(tiny3),
  'f32-4.gz': gz(corpus.fuzz_idx['f32-4']),
  'i16-2x2.gz': gz(corpus.fuzz_idx['i16-2x2']),
  't10k-labels-idx1-ubyte.gz': readFileSync(join(fixtures, 'digits/t10k-labels-idx1-ubyte.gz')),
  'malformed-truncated-labels.gz': malformed('truncated-labels-idx1-ubyte.gz'),
  // `cat a.gz b.gz` is one valid gzip stream; tar-style zero padding after the end too.
  'two-members.gz': Buffer.concat([gz(labels3.subarray(0, 6)), gz(labels3.subarray(6))]),
  'zero-padded.gz': Buffer.concat([gz(labels3), Buffer.alloc(24)]),
  'junk-after-member.gz': Buffer.concat([gz(labels3), Buffer.from('junk')]),
  'zlib-not-gzip': deflateSync(labels3),
  'empty-payload.gz': gz(Buffer.alloc(0)),
  'not-idx-text.gz': gz(Buffer.from('hello, this is not an IDX file\n')),
  // 128 KiB of zeros, over the fuzzer's 64 KiB limit: the zip-bomb guard.
  'over-limit-128KiB.gz': gz(Buffer.concat([header(0x08, [128 * 1024]), Buffer.alloc(128 * 1024)])),
  // A trailer that claims 4 GiB of output for 11 bytes of it.
  'lying-trailer.gz': (() => {
    const b = Buffer.from(gz(labels3));
    b.writeUInt32LE(0xffffffff, b.length - 4);
    return b;
  })(),
};

// fuzz_dataset: [mode][n, u32 little-endian][images: n bytes][labels: the rest] (see
// fuzz_dataset.cpp; mode bit 0 swaps the buffers, bit 1 builds the arrays by hand, bits 2/3
// drop the last payload byte of the images/labels).
/** @param {number} mode @param {Uint8Array} images @param {Uint8Array} labels */
function pair(mode, images, labels) {
  const head = Buffer.alloc(5);
  head[0] = mode;
  head.writeUInt32LE(images.length, 1);
  return Buffer.concat([head, images, labels]);
}
// handBuilt: [type index][rank][rank × u32 BE dims][data]
/** @param {number} typeIndex @param {number[]} dims @param {ArrayLike<number>} data */
function hand(typeIndex, dims, data) {
  const b = Buffer.alloc(2 + 4 * dims.length);
  b[0] = typeIndex;
  b[1] = dims.length;
  dims.forEach((d, k) => b.writeUInt32BE(d >>> 0, 2 + 4 * k));
  return Buffer.concat([b, Buffer.from(data)]);
}

corpus.fuzz_dataset = {
  'digits-3x28x28': pair(0, images3, labels3),
  'tiny-3x2x2': pair(0, tiny3, idx('u8', [3], [0, 9, 5])),
  'tiny-labels-3x1': pair(0, tiny3, idx('u8', [3, 1], [1, 2, 3])),
  'label-12': pair(0, tiny5, malformed('label-12-idx1-ubyte')),
  'f32-images-i16-labels': pair(0, idx('f32', [2, 2, 2], [0, 255, 3, 128]), idx('i16', [2], [4, 7])),
  'f64-scaled-images': pair(0, idx('f64', [1, 2, 2], [0, 0.5, 1, 0.25]), idx('u8', [1], [3])),
  'i32-negative-label': pair(0, tiny3, idx('i32', [3], [1, -1, 2])),
  swapped: pair(1, tiny3, idx('u8', [3], [0, 1, 2])),
  'count-mismatch': pair(0, tiny3, idx('u8', [2], [0, 1])),
  'flat-rows': pair(0, idx('u8', [3, 4], [1, 2, 3, 4]), idx('u8', [3], [0, 1, 2])),
  'images-as-labels': pair(0, labels3, labels3),
  'hand-built': pair(2, hand(0, [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]), hand(0, [2], [3, 4])),
  'hand-built-short-payload': pair(2, hand(0, [2, 2, 2], [1, 2, 3]), hand(0, [2], [3, 4])),
  'hand-built-rank0': pair(2, hand(0, [], []), hand(0, [], [])),
  'hand-built-zero-count': pair(2, hand(0, [0, 2, 2], []), hand(0, [0], [])),
  'hand-built-f64': pair(
    2,
    hand(5, [1, 1, 1], idx('f64', [1], [200]).subarray(8)),
    hand(3, [1], idx('i32', [1], [9]).subarray(8)),
  ),
  'dropped-byte': pair(4 | 8, tiny3, idx('u8', [3], [0, 9, 5])),
};

const model = (/** @type {unknown} */ m) => Buffer.from(JSON.stringify(m) + '\n');
const lab = JSON.parse(readFileSync(join(fixtures, 'models/lab-2-2-1.json'), 'utf8'));
const softmaxModel = {
  format: 'digitrain-model',
  version: 1,
  loss: 'cross-entropy',
  input: { rows: 2, cols: 2, scale: 'pixel/255' },
  layers: [
    {
      inputs: 4,
      outputs: 3,
      activation: 'relu',
      weights: [
        [0.1, -0.2, 0.3],
        [1e-45, -0, 3.4028235e38],
        [0.5, 0.25, -1],
        [2, -2, 0],
      ],
      bias: [0, 0.1, -0.1],
    },
    {
      inputs: 3,
      outputs: 10,
      activation: 'softmax',
      weights: [
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [-1, 1, -1, 1, -1, 1, -1, 1, -1, 1],
      ],
      bias: null,
    },
  ],
  config: {
    preset: 'tp',
    layers: [4, 3, 10],
    hidden: 'relu',
    output: 'softmax',
    loss: 'cross-entropy',
    bias: true,
    init: 'he',
    optimizer: 'adam',
    learning_rate: 0.001,
    batch_size: 2,
    epochs: 3,
    seed: 18446744073709551615n,
  },
  history: [
    {
      epoch: 1,
      train_loss: 2.3,
      train_error: 0.9,
      validation_loss: null,
      validation_error: null,
      test_loss: 2.2,
      test_error: 0.85,
      learning_rate: 0.001,
      seconds: 0.5,
      samples_per_second: 1200,
    },
    { epoch: 2, train_loss: null, train_error: 0.5, learning_rate: 0.001, seconds: 0.5, samples_per_second: 1200 },
  ],
};
// JSON.stringify cannot write a BigInt; the seed is the largest uint64 on purpose.
const softmaxText = JSON.stringify(softmaxModel, (k, v) => (typeof v === 'bigint' ? `@${v}@` : v))
  .replace(/"@(\d+)@"/g, '$1')
  .replace('[1e-45,0,', '[1e-45,-0.0,'); // JSON.stringify writes -0 as 0
const with_ = (/** @type {object} */ patch) => model({ ...lab, ...patch });

corpus.fuzz_model = {
  'lab-2-2-1.json': readFileSync(join(fixtures, 'models/lab-2-2-1.json')),
  'softmax-config-history.json': Buffer.from(softmaxText + '\n'),
  'tanh-identity-squared-error.json': with_({
    loss: 'squared-error',
    layers: [
      { ...lab.layers[0], activation: 'tanh', bias: null },
      { ...lab.layers[1], activation: 'identity' },
    ],
  }),
  'version-99.json': with_({ version: 99 }),
  'version-0.json': with_({ version: 0 }),
  'null-weight.json': Buffer.from(readFileSync(join(fixtures, 'models/lab-2-2-1.json'), 'utf8').replace('0.3', 'null')),
  'huge-weight.json': Buffer.from(readFileSync(join(fixtures, 'models/lab-2-2-1.json'), 'utf8').replace('0.3', '1e39')),
  'unknown-activation.json': with_({ layers: [{ ...lab.layers[0], activation: 'gelu' }, lab.layers[1]] }),
  'shape-mismatch.json': with_({ layers: [lab.layers[0], { ...lab.layers[1], inputs: 3 }] }),
  'unknown-field.json': with_({ biases: [] }),
  'input-mismatch.json': with_({ input: { rows: 28, cols: 28, scale: 'pixel/255' } }),
  'too-many-weights.json': with_({ layers: [{ ...lab.layers[0], inputs: 16777216, outputs: 2 }, lab.layers[1]] }),
  'not-json.txt': Buffer.from('{"format": "digitrain-model", "version": 1,'),
  'npz-magic.bin': Buffer.from('PK\x03\x04\x14\x00\x00\x00\x00\x00'),
  'settings.json': Buffer.from('{"learning_rate": 0.5, "batch_size": 10, "hidden": "relu", "layers": [784, 30, 10]}\n'),
  'settings-adam.json': Buffer.from(
    '{"optimizer": "adam", "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "l2": 0.0001, "dropout": 0.2}\n',
  ),
  'settings-schedule.json': Buffer.from(
    '{"anneal_on_rise": true, "anneal_factor": 0.5, "step_decay_every": 3, "step_decay_factor": 0.1, "shuffle": false, "threads": 4, "reduction": "mean", "init": "xavier-blog", "init_scale": 0.05}\n',
  ),
  'settings-bad-type.json': Buffer.from('{"epochs": "abc"}'),
  'settings-unknown.json': Buffer.from('{"foo": 1}'),
  'settings-seed-max.json': Buffer.from(
    '{"seed": 18446744073709551615, "validation": 100, "limit": 1000, "test_limit": 500}',
  ),
};

rmSync(out, { recursive: true, force: true });
let files = 0,
  bytes = 0;
for (const [target, seeds] of Object.entries(corpus)) {
  mkdirSync(join(out, target), { recursive: true });
  for (const [name, data] of Object.entries(seeds)) {
    writeFileSync(join(out, target, name), data);
    files += 1;
    bytes += data.length;
  }
}
console.log(`wrote ${files} seeds, ${bytes} bytes, to ${out}`);
