// The browser half of `npm run bench` (bench/run.mjs drives it through Playwright):
//   bench.ours({build, threads:[..], batches:[..], seconds, warmup, data})
//     → the digitrain engine in a module Worker (engine-worker.js), as the app runs it.
//   bench.tfjs({backend:'wasm'|'cpu', threadsCount, batches:[..], seconds, warmup, ways, data})
//     → TensorFlow.js training the same `tp` network (784-128-64-10, sigmoid, softmax, no
//       biases, SGD lr 0.001) on the same data ('random' or 'digits'), three ways:
//       'manual'   a hand-written step with tf ops and hand-derived gradients (the TP's
//                  e3 = a3 − y, e2 = e3·W3ᵀ ⊙ a2(1−a2), ..., dW = aᵀ·e summed), in tf.tidy;
//       'minimize' tf.train.sgd(lr).minimize on the summed softmax cross-entropy (autodiff);
//       'fit'      tf.sequential of dense layers (useBias false) with model.fit.
//     Set the backend (and threadsCount) once per page: TF.js fixes them at initialisation.
// Each returns [{impl, threads, batch, samples_per_second, data}].
import { benchData, fetchDemoFile, mnistData } from '/bench/lib/engine-bench.mjs';

const now = () => performance.now();
const outBox = /** @type {HTMLElement} */ (document.getElementById('out'));
const log = (/** @type {string} */ s) => {
  outBox.textContent += s + '\n';
};

/**
 * @typedef {import('./globals').BenchFigure} Figure
 * @typedef {{ count: number, px: Float32Array, oh: Float32Array }} TfData the data set as TF.js takes it
 * @typedef {{ step: (x: import('@tensorflow/tfjs').Tensor2D, y: import('@tensorflow/tfjs').Tensor2D) => void,
 *   sync: () => void, dispose: () => void }} Step
 */

/** @param {{ build: string, data?: string }} opts @returns {Promise<Figure[]>} */
function ours(opts) {
  return new Promise((resolve, reject) => {
    const worker = new Worker('/bench/engine-worker.js', { type: 'module' });
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`engine worker: ${e.message}`));
    };
    /** @param {MessageEvent<{ error?: string, results: Omit<Figure, 'impl' | 'data'>[] }>} event */
    worker.onmessage = ({ data }) => {
      worker.terminate();
      if (data.error) return reject(new Error(data.error));
      const impl = opts.build === 'mt' ? 'wasm-threads-chromium' : 'wasm-simd-chromium';
      const out = data.results.map((r) => ({ impl, ...r, data: opts.data ?? 'random' }));
      out.forEach((r) => log(JSON.stringify(r)));
      resolve(out);
    };
    worker.postMessage(opts);
  });
}

/** @type {Promise<{ backend: string, threads: number }> | null} */
let backendReady = null;
/** @param {string} backend @param {number} threadsCount */
async function initBackend(backend, threadsCount) {
  if (!backendReady) {
    backendReady = (async () => {
      if (backend === 'wasm') {
        tf.wasm.setWasmPaths(new URL('/tfjs-backend-wasm/', location.href).href);
        if (threadsCount) tf.wasm.setThreadsCount(threadsCount);
      }
      if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} failed to initialise`);
      await tf.ready();
      return { backend, threads: backend === 'wasm' ? tf.wasm.getThreadsCount() : 1 };
    })();
  }
  const ready = await backendReady;
  if (ready.backend !== backend) throw new Error(`this page already uses the ${ready.backend} backend`);
  return ready;
}

// The dataset as TF.js wants it: float32 pixels in [0,1] and one-hot labels (so TF.js does
// no per-batch conversion, unlike the engine, which normalises uint8 per batch).
/** @param {string} kind 'random', 'digits' or 'mnist' (full MNIST at /mnist/) @param {number} [limit] the first N (0: all) @returns {Promise<TfData>} */
async function tfData(kind, limit = 0) {
  const { images, labels } =
    kind === 'mnist'
      ? await mnistData(async (name) => new Uint8Array(await (await fetch(`/mnist/${name}`)).arrayBuffer()))
      : await benchData(kind, fetchDemoFile);
  const count = limit > 0 ? Math.min(limit, labels.length - 8) : labels.length - 8;
  const px = new Float32Array(count * 784);
  for (let i = 0; i < px.length; i++) px[i] = images[16 + i] / 255;
  const oh = new Float32Array(count * 10);
  for (let i = 0; i < count; i++) oh[i * 10 + labels[8 + i]] = 1;
  return { count, px, oh };
}

// The data cut into batch tensors once, before timing: TF.js 4.22's wasm backend copies the
// whole source tensor out of wasm memory on every tf.slice (25 MB here, ~50 ms per batch),
// so slicing per step would measure that copy, not training.
/** @param {TfData} data @param {number} batch */
function batchTensors(data, batch) {
  const out = [];
  for (let start = 0; start + batch <= data.count; start += batch) {
    out.push({
      x: tf.tensor2d(data.px.subarray(start * 784, (start + batch) * 784), [batch, 784]),
      y: tf.tensor2d(data.oh.subarray(start * 10, (start + batch) * 10), [batch, 10]),
    });
  }
  return out;
}

// N(0,1)/√n for an (m, n) matrix, the TP's Task 5.
const initWeights = (/** @type {number} */ m, /** @type {number} */ n) =>
  tf.variable(tf.randomNormal([m, n], 0, 1 / Math.sqrt(n), 'float32', 7));

/** @param {number} lr @returns {Step} */
function makeManualStep(lr) {
  const W1 = initWeights(784, 128),
    W2 = initWeights(128, 64),
    W3 = initWeights(64, 10);
  const step = (
    /** @type {import('@tensorflow/tfjs').Tensor2D} */ x,
    /** @type {import('@tensorflow/tfjs').Tensor2D} */ y,
  ) =>
    tf.tidy(() => {
      const a1 = tf.sigmoid(tf.matMul(x, W1));
      const a2 = tf.sigmoid(tf.matMul(a1, W2));
      const a3 = tf.softmax(tf.matMul(a2, W3));
      const e3 = tf.sub(a3, y);
      // Explicit transposes: TF.js 4.22's wasm backend runs matMul with transposeA/transposeB
      // ~10× slower than a transpose followed by a plain matMul (measured here).
      const e2 = tf.mul(tf.matMul(e3, tf.transpose(W3)), tf.mul(a2, tf.sub(1, a2)));
      const e1 = tf.mul(tf.matMul(e2, tf.transpose(W2)), tf.mul(a1, tf.sub(1, a1)));
      W3.assign(tf.sub(W3, tf.mul(lr, tf.matMul(tf.transpose(a2), e3))));
      W2.assign(tf.sub(W2, tf.mul(lr, tf.matMul(tf.transpose(a1), e2))));
      W1.assign(tf.sub(W1, tf.mul(lr, tf.matMul(tf.transpose(x), e1))));
    });
  return { step, sync: () => W1.dataSync(), dispose: () => [W1, W2, W3].forEach((w) => w.dispose()) };
}

/** @param {number} lr @returns {Step} */
function makeMinimizeStep(lr) {
  const W1 = initWeights(784, 128),
    W2 = initWeights(128, 64),
    W3 = initWeights(64, 10);
  const opt = tf.train.sgd(lr);
  const step = (
    /** @type {import('@tensorflow/tfjs').Tensor2D} */ x,
    /** @type {import('@tensorflow/tfjs').Tensor2D} */ y,
  ) =>
    tf.tidy(() => {
      opt.minimize(
        () => {
          const logits = tf.matMul(tf.sigmoid(tf.matMul(tf.sigmoid(tf.matMul(x, W1)), W2)), W3);
          return tf.losses.softmaxCrossEntropy(y, logits, undefined, 0, tf.Reduction.SUM);
        },
        false,
        [W1, W2, W3],
      );
    });
  return {
    step,
    sync: () => W1.dataSync(),
    dispose: () => {
      [W1, W2, W3].forEach((w) => w.dispose());
      opt.dispose();
    },
  };
}

// Batches cycle through the dataset in order, as the engine's `tp` preset does.
/** @param {Step} impl @param {TfData} data @param {number} batch @param {number} seconds @param {number} warmup */
function timeSteps(impl, data, batch, seconds, warmup) {
  const batches = batchTensors(data, batch);
  let index = 0;
  const runFor = (/** @type {number} */ duration, /** @type {number} */ minSteps) => {
    let steps = 0;
    const t0 = now();
    let elapsed = 0;
    while (elapsed < duration * 1000 || steps < minSteps) {
      impl.step(batches[index].x, batches[index].y);
      index = (index + 1) % batches.length;
      steps++;
      elapsed = now() - t0;
    }
    impl.sync(); // wasm and cpu run each op synchronously; reading a weight back is only a safeguard
    elapsed = now() - t0;
    return (steps * batch) / (elapsed / 1000);
  };
  try {
    runFor(warmup, 3);
    return runFor(seconds, 3);
  } finally {
    batches.forEach((b) => {
      b.x.dispose();
      b.y.dispose();
    });
  }
}

/**
 * Samples/s of model.fit on the compiled `model` after `warmup` seconds, measured for at least
 * `seconds`; disposes the model. fit() runs over chunks of `fitChunk` samples, one epoch each, no
 * shuffling, so that the per-call overhead of fit() is spread over many batches (fit slices every
 * batch out of the chunk).
 * @param {import('@tensorflow/tfjs').Sequential} model @param {TfData} data @param {number} batch
 * @param {number} fitChunk @param {number} seconds @param {number} warmup
 */
async function fitRate(model, data, batch, fitChunk, seconds, warmup) {
  const chunk = Math.max(batch, Math.min(data.count, fitChunk) - (Math.min(data.count, fitChunk) % batch));
  const xs = tf.tensor2d(data.px.subarray(0, chunk * 784), [chunk, 784]);
  const ys = tf.tensor2d(data.oh.subarray(0, chunk * 10), [chunk, 10]);
  const runFor = async (/** @type {number} */ duration) => {
    let samples = 0;
    const t0 = now();
    do {
      await model.fit(xs, ys, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
      samples += chunk;
    } while (now() - t0 < duration * 1000);
    return samples / ((now() - t0) / 1000);
  };
  await runFor(warmup);
  const rate = await runFor(seconds);
  xs.dispose();
  ys.dispose();
  model.dispose();
  return rate;
}

/**
 * @param {TfData} data @param {number} batch @param {number} seconds @param {number} warmup @param {number} lr
 * @param {number} fitChunk
 */
async function timeFit(data, batch, seconds, warmup, lr, fitChunk) {
  const init = (/** @type {number} */ n) =>
    tf.initializers.randomNormal({ mean: 0, stddev: 1 / Math.sqrt(n), seed: 7 });
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [784],
        units: 128,
        activation: 'sigmoid',
        useBias: false,
        kernelInitializer: init(128),
      }),
      tf.layers.dense({ units: 64, activation: 'sigmoid', useBias: false, kernelInitializer: init(64) }),
      tf.layers.dense({ units: 10, activation: 'softmax', useBias: false, kernelInitializer: init(10) }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(lr), loss: 'categoricalCrossentropy' });
  return fitRate(model, data, batch, fitChunk, seconds, warmup);
}

async function tfjsBench({
  backend = 'wasm',
  threadsCount = 0,
  batches = [32, 128],
  seconds = 1.5,
  warmup = 0.3,
  ways = ['manual', 'minimize', 'fit'],
  lr = 0.001,
  fitChunk = 1024,
  data: kind = 'random',
} = {}) {
  const { threads } = await initBackend(backend, threadsCount);
  const data = await tfData(kind);
  /** @type {Figure[]} */
  const out = [];
  const push = (/** @type {string} */ impl, /** @type {number} */ batch, /** @type {number} */ sps) => {
    const r = { impl, threads, batch, samples_per_second: sps, data: kind };
    log(JSON.stringify(r));
    out.push(r);
  };
  for (const batch of batches) {
    for (const way of ways) {
      const impl = `tfjs-${backend}${way === 'manual' ? '' : `-${way}`}`;
      if (way === 'fit') {
        push(impl, batch, await timeFit(data, batch, seconds, warmup, lr, fitChunk));
      } else {
        const step = way === 'manual' ? makeManualStep(lr) : makeMinimizeStep(lr);
        push(impl, batch, timeSteps(step, data, batch, seconds, warmup));
        step.dispose();
      }
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  return out;
}

// ---- TF.js on a preset's network (bench/presets.mjs): the preset's settings as the engine's
// `digitrain settings --json` gives them (layers, hidden activation, biases, dropout, L2,
// optimiser, learning rate, batch size), a softmax + cross-entropy output with the `mean`
// reduction, two ways:
//   'manual'  a hand-written step with tf ops: forward with inverted-dropout masks, the
//             hand-derived errors, ĝ = (g + λθ)/B (biases not regularised), SGD or momentum
//             (v ← μv − lr·ĝ, θ ← θ + v), in tf.tidy;
//   'fit'     tf.sequential of dense (+ dropout) layers with an l2 kernel regulariser of λ/(2B)
//             (the same gradient on the mean loss) and tf.train.sgd / tf.train.momentum, model.fit.

/**
 * @typedef {{ layers: (number | string)[], hidden: string, output: string, loss: string, bias: boolean, dropout: number,
 *   l2: number, optimizer: string, momentum: number, learning_rate: number, batch_size: number,
 *   reduction: string }} PresetConfig
 */

/** @param {PresetConfig} c */
function checkPreset(c) {
  if (c.output !== 'softmax' || c.loss !== 'cross-entropy' || c.reduction !== 'mean')
    throw new Error('the TF.js preset step is written for a softmax + cross-entropy output and the mean reduction');
  if (!['relu', 'sigmoid'].includes(c.hidden)) throw new Error(`hidden activation ${c.hidden}: not written for TF.js`);
  if (!['sgd', 'momentum'].includes(c.optimizer)) throw new Error(`optimizer ${c.optimizer}: not written for TF.js`);
}

/** @param {PresetConfig} c @param {number} batch @returns {Step} */
function makePresetStep(c, batch) {
  checkPreset(c);
  const sizes = c.layers.map(Number);
  const L = sizes.length - 1;
  const W = Array.from({ length: L }, (_, l) =>
    tf.variable(tf.randomNormal([sizes[l], sizes[l + 1]], 0, Math.sqrt(2 / sizes[l]), 'float32', 7 + l)),
  );
  const b = Array.from({ length: L }, (_, l) => tf.variable(tf.zeros([sizes[l + 1]])));
  const momentum = c.optimizer === 'momentum';
  const vW = momentum ? W.map((w) => tf.variable(tf.zerosLike(w))) : [];
  const vb = momentum ? b.map((v) => tf.variable(tf.zerosLike(v))) : [];
  const keep = 1 - c.dropout;
  const lr = c.learning_rate,
    scale = 1 / batch;
  const act = (/** @type {import('@tensorflow/tfjs').Tensor} */ z) =>
    c.hidden === 'relu' ? tf.relu(z) : tf.sigmoid(z);
  const actGrad = (/** @type {import('@tensorflow/tfjs').Tensor} */ a) =>
    c.hidden === 'relu' ? tf.step(a) : tf.mul(a, tf.sub(1, a));
  /** @param {import('@tensorflow/tfjs').Variable} p @param {import('@tensorflow/tfjs').Variable | undefined} v @param {import('@tensorflow/tfjs').Tensor} g */
  const update = (p, v, g) => {
    if (v) {
      v.assign(tf.sub(tf.mul(c.momentum, v), tf.mul(lr, g)));
      p.assign(tf.add(p, v));
    } else p.assign(tf.sub(p, tf.mul(lr, g)));
  };
  const step = (
    /** @type {import('@tensorflow/tfjs').Tensor2D} */ x,
    /** @type {import('@tensorflow/tfjs').Tensor2D} */ y,
  ) =>
    tf.tidy(() => {
      /** @type {import('@tensorflow/tfjs').Tensor[]} */
      const a = [x];
      /** @type {(import('@tensorflow/tfjs').Tensor | null)[]} */
      const masks = [];
      for (let l = 0; l < L; l++) {
        let z = tf.matMul(a[l], W[l]);
        if (c.bias) z = tf.add(z, b[l]);
        if (l === L - 1) {
          a.push(tf.softmax(z));
          break;
        }
        let h = act(z);
        const mask =
          c.dropout > 0 ? tf.mul(tf.cast(tf.less(tf.randomUniform(h.shape), keep), 'float32'), 1 / keep) : null;
        if (mask) h = tf.mul(h, mask);
        masks.push(mask);
        a.push(h);
      }
      let e = tf.sub(a[L], y);
      /** @type {[number, import('@tensorflow/tfjs').Tensor, import('@tensorflow/tfjs').Tensor][]} */
      const grads = [];
      for (let l = L - 1; l >= 0; l--) {
        // Explicit transposes: TF.js 4.22's wasm matMul with transposeA/B is ~10× slower.
        const gW = tf.mul(scale, tf.add(tf.matMul(tf.transpose(a[l]), e), tf.mul(c.l2, W[l])));
        grads.push([l, gW, tf.mul(scale, tf.sum(e, 0))]);
        if (l > 0) {
          e = tf.mul(tf.matMul(e, tf.transpose(W[l])), actGrad(a[l]));
          const mask = masks[l - 1];
          if (mask) e = tf.mul(e, mask);
        }
      }
      for (const [l, gW, gb] of grads) {
        update(W[l], vW[l], gW);
        if (c.bias) update(b[l], vb[l], gb);
      }
    });
  return {
    step,
    sync: () => W[0].dataSync(),
    dispose: () => [...W, ...b, ...vW, ...vb].forEach((v) => v.dispose()),
  };
}

/** @param {PresetConfig} c @param {TfData} data @param {number} batch @param {number} seconds @param {number} warmup */
async function timePresetFit(c, data, batch, seconds, warmup) {
  checkPreset(c);
  const L = c.layers.length - 1;
  /** @type {import('@tensorflow/tfjs').layers.Layer[]} */
  const layers = [];
  for (let l = 0; l < L; l++) {
    layers.push(
      tf.layers.dense({
        ...(l === 0 ? { inputShape: [Number(c.layers[0])] } : {}),
        units: Number(c.layers[l + 1]),
        activation: l === L - 1 ? 'softmax' : c.hidden === 'relu' ? 'relu' : 'sigmoid',
        useBias: c.bias,
        ...(c.l2 > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2: c.l2 / (2 * batch) }) } : {}),
      }),
    );
    if (l < L - 1 && c.dropout > 0) layers.push(tf.layers.dropout({ rate: c.dropout }));
  }
  const model = tf.sequential({ layers });
  const optimizer =
    c.optimizer === 'momentum' ? tf.train.momentum(c.learning_rate, c.momentum) : tf.train.sgd(c.learning_rate);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return fitRate(model, data, batch, 4096, seconds, warmup);
}

// ---- TF.js on a convnet preset (tfjs-example): the layers conv and pool tokens name (stride 1,
// `valid` convs and k×k pools of stride k, the only ones written here), ReLU, a dense softmax
// output, VarianceScaling kernels (TF.js's default: truncated normal, √(1/fan-in)), zero
// biases, SGD on the batch-mean cross-entropy, two ways:
//   'manual'  the forward pass in tf ops and tf.train.sgd().minimize: TF.js 4.22's wasm backend
//             has no Conv2DBackpropFilter kernel, so each conv's kernel gradient is written by
//             hand as the usual conv2d of the inputs with the errors (a tf.customGrad; the input
//             gradient is conv2dTranspose, skipped for the first layer);
//   'fit'     tf.sequential of conv2d/maxPooling2d/flatten/dense and model.fit — on the cpu
//             backend, for that missing kernel (model.fit on wasm throws at the first step).

/** @param {PresetConfig} c */
function convSpec(c) {
  if (c.output !== 'softmax' || c.loss !== 'cross-entropy' || c.reduction !== 'mean' || c.hidden !== 'relu')
    throw new Error('the TF.js convnet step is written for ReLU, a softmax + cross-entropy output, the mean reduction');
  if (c.optimizer !== 'sgd' || c.dropout > 0 || c.l2 > 0) throw new Error('the TF.js convnet step is written for SGD');
  const [inputs, ...rest] = c.layers;
  const side = Math.round(Math.sqrt(Number(inputs)));
  /** @type {{ kind: 'conv' | 'pool', k: number, filters: number }[]} */
  const front = [];
  /** @type {number[]} */
  const dense = [];
  for (const token of rest) {
    const m = /^(?:conv(\d+)x(\d+)|pool(\d+))$/.exec(String(token));
    if (typeof token === 'number') dense.push(token);
    else if (m && m[1]) front.push({ kind: 'conv', k: Number(m[1]), filters: Number(m[2]) });
    else if (m) front.push({ kind: 'pool', k: Number(m[3]), filters: 0 });
    else throw new Error(`layer ${token}: not written for TF.js (stride 1 valid convs and plain pools only)`);
  }
  return { side, front, dense };
}

/** @param {PresetConfig} c @returns {Step} */
function makeConvStep(c) {
  const { side, front, dense } = convSpec(c);
  /** @type {import('@tensorflow/tfjs').Variable[]} */
  const vars = [];
  const kernel = (/** @type {number[]} */ shape, /** @type {number} */ fanIn) => {
    const v = tf.variable(tf.truncatedNormal(shape, 0, Math.sqrt(1 / fanIn), 'float32', 7 + vars.length));
    vars.push(v);
    return v;
  };
  const zeros = (/** @type {number} */ n) => {
    const v = tf.variable(tf.zeros([n]));
    vars.push(v);
    return v;
  };
  let channels = 1,
    size = side;
  const layers = front.map((f) => {
    if (f.kind === 'pool') {
      size = Math.floor(size / f.k);
      return { ...f, W: null, b: null };
    }
    const W = kernel([f.k, f.k, channels, f.filters], f.k * f.k * channels);
    channels = f.filters;
    size = size - f.k + 1;
    return { ...f, W, b: zeros(f.filters) };
  });
  let units = size * size * channels;
  const denseLayers = dense.map((n) => {
    const layer = { W: kernel([units, n], units), b: zeros(n) };
    units = n;
    return layer;
  });
  // customGrad's declared type takes inputs of any rank; these are 4-D.
  /** @param {boolean} first @returns {(x: import('@tensorflow/tfjs').Tensor, w: import('@tensorflow/tfjs').Tensor) => import('@tensorflow/tfjs').Tensor} */
  const conv = (first) =>
    tf.customGrad(
      /** @type {any} */ (
        (
          /** @type {import('@tensorflow/tfjs').Tensor4D} */ x,
          /** @type {import('@tensorflow/tfjs').Tensor4D} */ w,
          /** @type {(t: import('@tensorflow/tfjs').Tensor[]) => void} */ save,
        ) => {
          save([x, w]);
          return {
            value: tf.conv2d(x, w, 1, 'valid'),
            gradFunc: (/** @type {import('@tensorflow/tfjs').Tensor4D} */ dy, /** @type {any[]} */ [xs, ws]) => [
              first ? tf.zerosLike(xs) : tf.conv2dTranspose(dy, ws, xs.shape, 1, 'valid'),
              // dW[ky, kx, ci, co] = Σ_{b, y, x} x[b, y+ky, x+kx, ci]·dy[b, y, x, co]
              tf.transpose(
                tf.conv2d(tf.transpose(xs, [3, 1, 2, 0]), tf.transpose(dy, [1, 2, 0, 3]), 1, 'valid'),
                [1, 2, 0, 3],
              ),
            ],
          };
        }
      ),
    );
  const convs = layers.map((_, i) => conv(i === 0));
  const opt = tf.train.sgd(c.learning_rate);
  const step = (
    /** @type {import('@tensorflow/tfjs').Tensor2D} */ x,
    /** @type {import('@tensorflow/tfjs').Tensor2D} */ y,
  ) =>
    tf.tidy(() => {
      opt.minimize(
        () => {
          /** @type {import('@tensorflow/tfjs').Tensor} */
          let a = tf.reshape(x, [x.shape[0], side, side, 1]);
          layers.forEach((f, i) => {
            if (f.kind === 'pool')
              a = tf.maxPool(/** @type {import('@tensorflow/tfjs').Tensor4D} */ (a), f.k, f.k, 'valid');
            else
              a = tf.relu(
                tf.add(
                  convs[i](a, /** @type {import('@tensorflow/tfjs').Variable} */ (f.W)),
                  /** @type {import('@tensorflow/tfjs').Variable} */ (f.b),
                ),
              );
          });
          a = tf.reshape(a, [x.shape[0], -1]);
          denseLayers.forEach((d, i) => {
            const z = tf.add(tf.matMul(a, d.W), d.b);
            a = i === denseLayers.length - 1 ? z : tf.relu(z);
          });
          return tf.losses.softmaxCrossEntropy(y, a);
        },
        false,
        vars,
      );
    });
  return {
    step,
    sync: () => vars[0].dataSync(),
    dispose: () => {
      vars.forEach((v) => v.dispose());
      opt.dispose();
    },
  };
}

/** @param {PresetConfig} c @param {TfData} data @param {number} batch @param {number} seconds @param {number} warmup */
async function timeConvFit(c, data, batch, seconds, warmup) {
  const { side, front, dense } = convSpec(c);
  /** @type {import('@tensorflow/tfjs').layers.Layer[]} */
  const layers = [tf.layers.reshape({ inputShape: [side * side], targetShape: [side, side, 1] })];
  for (const f of front)
    layers.push(
      f.kind === 'pool'
        ? tf.layers.maxPooling2d({ poolSize: f.k, strides: f.k })
        : tf.layers.conv2d({
            kernelSize: f.k,
            filters: f.filters,
            strides: 1,
            activation: 'relu',
            kernelInitializer: 'varianceScaling',
          }),
    );
  layers.push(tf.layers.flatten());
  dense.forEach((n, i) =>
    layers.push(
      tf.layers.dense({
        units: n,
        activation: i === dense.length - 1 ? 'softmax' : 'relu',
        kernelInitializer: 'varianceScaling',
      }),
    ),
  );
  const model = tf.sequential({ layers });
  model.compile({ optimizer: tf.train.sgd(c.learning_rate), loss: 'categoricalCrossentropy' });
  return fitRate(model, data, batch, 4096, seconds, warmup);
}

const isConvPreset = (/** @type {PresetConfig} */ c) => c.layers.some((l) => typeof l !== 'number');

/**
 * @param {{ presets: Record<string, PresetConfig>, backend?: string, threadsCount?: number, ways?: string[],
 *   seconds?: number, warmup?: number, reps?: number, mnist?: boolean, limit?: number }} opts
 */
async function tfjsPresets({
  presets,
  backend = 'wasm',
  threadsCount = 0,
  ways = ['manual', 'fit'],
  seconds = 1,
  warmup = 0.3,
  reps = 3,
  mnist = false,
  limit = 0,
}) {
  const { threads } = await initBackend(backend, threadsCount);
  const data = await tfData(mnist ? 'mnist' : 'digits', limit);
  const out = [];
  for (const [preset, c] of Object.entries(presets)) {
    const batch = c.batch_size || data.count;
    for (const way of ways) {
      for (let rep = 1; rep <= reps; rep++) {
        let sps;
        const conv = isConvPreset(c);
        if (way === 'fit') sps = await (conv ? timeConvFit : timePresetFit)(c, data, batch, seconds, warmup);
        else {
          const step = conv ? makeConvStep(c) : makePresetStep(c, batch);
          sps = timeSteps(step, data, batch, seconds, warmup);
          step.dispose();
        }
        const r = {
          impl: `tfjs-${backend}${way === 'manual' ? '' : `-${way}`}`,
          preset,
          threads,
          rep,
          batch,
          samples_per_second: sps,
        };
        log(JSON.stringify(r));
        out.push(r);
        await new Promise((done) => setTimeout(done, 0));
      }
    }
  }
  return out;
}

window.bench = {
  ours,
  tfjs: tfjsBench,
  tfjsPresets,
  /** The thread count TF.js's wasm backend really uses when asked for `threadsCount`. */
  tfjsThreads: async ({ threadsCount }) => (await initBackend('wasm', threadsCount)).threads,
  info: () => ({
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: self.crossOriginIsolated,
    tfjs: tf.version?.tfjs,
  }),
};
window.benchReady = true;
