// Reads a model file's first-layer weights off the page's thread: a trained model's text is
// megabytes (the `best` network's ~235,000 weights), and parsing it on the page's thread held
// the page for 60–120 ms once a second while training. One request at a time: { json } in;
// out one FirstLayer whose weights are one Float32Array, transferred, so the page receives one
// buffer and no arrays of numbers to collect — or { error }.
import { readModelFile, type FirstLayer } from './model-file';

self.onmessage = (e: MessageEvent<{ json: string }>) => {
  try {
    const { input, firstWeights, firstConv } = readModelFile(e.data.json);
    let reply: FirstLayer;
    if (firstConv) {
      const { kernel, filters, channels } = firstConv;
      const weights = new Float32Array(filters * channels * kernel * kernel);
      firstConv.weights.forEach((filter, f) =>
        filter.forEach((channel, c) =>
          channel.forEach((row, y) => weights.set(row, ((f * channels + c) * kernel + y) * kernel)),
        ),
      );
      reply = { kind: 'conv', kernel, filters, channels, weights };
    } else {
      const units = firstWeights?.[0]?.length ?? 0;
      const weights = new Float32Array((firstWeights?.length ?? 0) * units);
      firstWeights?.forEach((row, i) => weights.set(row, i * units));
      reply = { kind: 'dense', input, units, weights };
    }
    self.postMessage(reply, [reply.weights.buffer]);
  } catch (err) {
    self.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
};
