// Module worker: loads one build of the digitrain engine (public/wasm/mt or st) and times
// training with bench/lib/engine-bench.mjs. Message in: {build, threads:[..], batches:[..],
// seconds, warmup, data}; out: {results:[{threads, batch, samples_per_second}]} or {error}.
// With `presets: [..]` (bench/presets.mjs): each preset at its own batch size on the first
// `limit` samples, `reps` times per thread count ('auto' allowed), on the demo digits or, with
// `mnist: true`, full MNIST served at /mnist/; out: {results:[{preset, threads, rep, batch,
// samples_per_second, threads_used, threads_reason}]}.
import { benchData, benchPresets, benchTrain, fetchDemoFile, mnistData } from '/bench/lib/engine-bench.mjs';

/** A full-MNIST file from the bench server's /mnist/ mount. @param {string} name */
async function fetchMnistFile(name) {
  const r = await fetch(`/mnist/${name}`);
  if (!r.ok) throw new Error(`/mnist/${name}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

self.onmessage = async ({ data: opts }) => {
  try {
    const base = new URL(`/wasm/${opts.build}/`, self.location.href).href;
    const createEngine = (await import(base + 'engine.mjs')).default;
    // `auto` chooses from every core the page's engine would get: min(8, cores).
    const maxThreads = Math.max(
      ...opts.threads.map((/** @type {number | string} */ t) =>
        t === 'auto' ? Math.min(8, navigator.hardwareConcurrency || 1) : Number(t),
      ),
    );
    const engine = await createEngine({
      ...(opts.build === 'mt' ? { pthreadPoolSize: Math.max(1, maxThreads - 1) } : {}),
      locateFile: (/** @type {string} */ path) => base + path,
    });
    if (opts.presets) {
      const data = opts.mnist ? await mnistData(fetchMnistFile) : await benchData('digits', fetchDemoFile);
      const results = [...benchPresets(engine, { ...opts, data })];
      self.postMessage({ results });
      return;
    }
    const data = await benchData(opts.data ?? 'random', fetchDemoFile);
    const results = [];
    for (const threads of opts.threads) {
      for (const batch of opts.batches) {
        const r = benchTrain(engine, { threads, batch, seconds: opts.seconds, warmup: opts.warmup, data });
        results.push({ threads, batch, samples_per_second: r.samples_per_second });
      }
    }
    self.postMessage({ results });
  } catch (e) {
    self.postMessage({ error: String(/** @type {Error} */ (e)?.stack ?? e) });
  }
};
