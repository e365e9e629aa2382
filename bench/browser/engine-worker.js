// Module worker: loads one build of the digitrain engine (public/wasm/mt or st) and times
// training with bench/lib/engine-bench.mjs. Message in: {build, threads:[..], batches:[..],
// seconds, warmup, data}; out: {results:[{threads, batch, samples_per_second}]} or {error}.
import { benchData, benchTrain, fetchDemoFile } from '/bench/lib/engine-bench.mjs';

self.onmessage = async ({ data: opts }) => {
  try {
    const base = new URL(`/wasm/${opts.build}/`, self.location.href).href;
    const createEngine = (await import(base + 'engine.mjs')).default;
    const maxThreads = Math.max(...opts.threads);
    const engine = await createEngine({
      ...(opts.build === 'mt' ? { pthreadPoolSize: Math.max(1, maxThreads - 1) } : {}),
      locateFile: (/** @type {string} */ path) => base + path,
    });
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
