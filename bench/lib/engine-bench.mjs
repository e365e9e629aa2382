// Times the digitrain WebAssembly engine training the `tp` network on synthetic data, the
// same way in Node and in a browser Worker: Session.setDataset with random IDX bytes, then
// Session.configure({preset:'tp', batch_size, threads}) and Session.train(n) in chunks sized
// to ~50 ms, a warm-up, then at least `seconds` of measurement.
//
// The workload matches `digitrain bench` (cpp/tools/cli_bench.cpp): the `tp` preset
// (784-128-64-10, sigmoid + softmax, no biases, summed gradient, lr 0.001, samples in order),
// no test set (so no evaluation at epoch ends), on one of two data sets:
//   random  8192 random 28×28 images: every pixel non-zero, the dense products;
//   digits  the demo set's 8,000 training digits (public/data): ~81% of pixels zero, which
//           the engine's first layer skips.

// Relative, so that it resolves in Node and, through bench/server.mjs's /web/data/, in the browser.
import { DEMO_FILES } from '../../web/data/demo-files.js';

const now = () => (globalThis.performance ? performance.now() : Date.now());

/** An IDX file: magic 0x0000 08 <rank>, big-endian dims, u8 payload. @param {number[]} dims @param {Uint8Array} payload */
export function idxBytes(dims, payload) {
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00000800 | dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(payload, header);
  return out;
}

/** `count` random images (IDX3, 28×28 u8) and labels (IDX1, 0..9), from a fixed seed. */
export function syntheticMnist(count = 8192, seed = 20261125) {
  let s = seed >>> 0;
  const next = () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  const pixels = new Uint8Array(count * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = next() >>> 24;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = next() % 10;
  return {
    images: idxBytes([count, 28, 28], pixels),
    labels: idxBytes([count], labels),
  };
}

/** @param {Uint8Array} bytes */
async function gunzip(bytes) {
  // Read from a file or fetched: an ArrayBuffer's bytes, never shared memory, as Blob requires.
  const stream = new Blob([/** @type {Uint8Array<ArrayBuffer>} */ (bytes)])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The data set `kind` ('random' or 'digits') as IDX bytes {images, labels}; `read(name)`
 * returns the bytes of a demo file (from disk in Node, fetched in a browser).
 * @param {string} kind @param {(name: string) => Uint8Array | Promise<Uint8Array>} read
 */
export async function benchData(kind, read) {
  if (kind === 'random') return syntheticMnist();
  if (kind !== 'digits') throw new Error(`unknown data set ${kind} (random or digits)`);
  const [images, labels] = await Promise.all(
    [read(DEMO_FILES.trainImages), read(DEMO_FILES.trainLabels)].map(async (b) => gunzip(await b)),
  );
  return { images, labels };
}

/** A demo file fetched from the bench server (it serves public/ at the root). @param {string} name */
export async function fetchDemoFile(name) {
  const r = await fetch(`/data/${name}`);
  if (!r.ok) throw new Error(`/data/${name}: HTTP ${r.status} (run node scripts/demo-data.mjs)`);
  return new Uint8Array(await r.arrayBuffer());
}

/** An engine reply, or an error naming the call. @param {string} json @param {string} what */
function parse(json, what) {
  const r = JSON.parse(json);
  if (!r.ok) throw new Error(`${what}: ${r.error}`);
  return r;
}

/**
 * The training files of full MNIST (raw IDX, `train-images-idx3-ubyte` and
 * `train-labels-idx1-ubyte`) as {images, labels}; `read(name)` returns a file's bytes.
 * @param {(name: string) => Uint8Array | Promise<Uint8Array>} read
 */
export async function mnistData(read) {
  const [images, labels] = await Promise.all([read('train-images-idx3-ubyte'), read('train-labels-idx1-ubyte')]);
  return { images, labels };
}

/**
 * Training samples/s of one (threads, batch) on a fresh Session of `engine`: the `tp` preset at
 * `batch`, or with `preset` that preset at its own batch size (`batch` is then ignored) on the
 * first `limit` samples (0: all) with no validation split. `threads` may be 0 (`auto`).
 * Returns {samples_per_second, threads_used, threads_reason, batch, batches, seconds}; threads_reason
 * also lists `auto`'s moves while training ("…; then →1 at 0.84 s").
 * @param {import('../../web/core/engine').Engine} engine
 * @param {{ threads?: number, batch?: number, seconds?: number, warmup?: number, preset?: string, limit?: number,
 *   data?: { images: Uint8Array, labels: Uint8Array } | null }} [options]
 */
export function benchTrain(
  engine,
  { threads = 1, batch = 32, seconds = 1.5, warmup = 0.3, data = null, preset = '', limit = 0 } = {},
) {
  const { images, labels } = data ?? syntheticMnist();
  const session = new engine.Session();
  try {
    parse(
      session.setDataset('train', 'bench-images-idx3-ubyte', images, 'bench-labels-idx1-ubyte', labels),
      'setDataset',
    );
    const config = preset
      ? { preset, threads, epochs: 100000, limit, validation: 0 }
      : { preset: 'tp', batch_size: batch, threads, epochs: 100000 };
    const configured = parse(session.configure(JSON.stringify(config), ''), 'configure');
    if (preset) batch = configured.config.batch_size || configured.train_count;
    const used = configured.threads?.used ?? threads;
    // The pool may clamp a set count (config.threads); a batch too small to share uses fewer (used).
    if (threads !== 0 && configured.config.threads !== threads) {
      throw new Error(
        `configure: ${threads} threads requested, the engine uses ${used}` +
          (configured.warnings?.length ? ` (${configured.warnings.join('; ')})` : ''),
      );
    }
    // `auto`'s moves while training (the warm-up's too), as "→N at T s" from the first batch:
    // the reason says only why the run started at its count.
    const moves = /** @type {string[]} */ ([]);
    const start = now();
    const runFor = (/** @type {number} */ duration) => {
      let batches = 0;
      let chunk = 1;
      const t0 = now();
      let elapsed = 0;
      while (elapsed < duration * 1000) {
        const c0 = now();
        const r = parse(session.train(chunk), 'train');
        if (r.diverged) throw new Error(`training diverged: ${r.diverged}`);
        if (r.finished) throw new Error('training finished during the benchmark');
        batches += r.batches;
        if (r.threads) moves.push(`→${r.threads.used} at ${((now() - start) / 1000).toFixed(2)} s`);
        const dt = now() - c0;
        chunk = Math.round(Math.min(1e5, Math.max(1, (chunk * 50) / Math.max(dt, 1e-3))));
        elapsed = now() - t0;
      }
      return { batches, seconds: elapsed / 1000, samples_per_second: (batches * batch) / (elapsed / 1000) };
    };
    runFor(warmup);
    const r = runFor(seconds);
    const reason = configured.threads?.reason ?? '';
    return {
      ...r,
      batch,
      threads_used: used,
      threads_reason: moves.length ? `${reason}; then ${moves.join(', ')}` : reason,
    };
  } finally {
    session.delete();
  }
}

/**
 * Every preset of `presets` at its own batch size, `reps` times per thread count (`auto`: the
 * engine chooses), on the first `limit` samples of `data`: one row per measurement, yielded as
 * soon as it is taken (so that a caller can print it at once).
 * @param {import('../../web/core/engine').Engine} engine
 * @param {{ presets: string[], threads: (number | 'auto')[], reps: number, limit: number, seconds: number,
 *   warmup: number, data: { images: Uint8Array, labels: Uint8Array } }} options
 */
export function* benchPresets(engine, { presets, threads: counts, reps, limit, seconds, warmup, data }) {
  for (const preset of presets) {
    for (const threads of counts) {
      for (let rep = 1; rep <= reps; rep++) {
        const r = benchTrain(engine, {
          threads: threads === 'auto' ? 0 : threads,
          preset,
          limit,
          seconds,
          warmup,
          data,
        });
        yield {
          preset,
          threads,
          rep,
          batch: r.batch,
          samples_per_second: r.samples_per_second,
          threads_used: r.threads_used,
          threads_reason: r.threads_reason,
        };
      }
    }
  }
}
