// Reads a model file's first-layer weights off the page's thread: a trained model's text is
// megabytes (the `best` network's ~235,000 weights), and parsing it on the page's thread held
// the page for 60–120 ms once a second while training. One request at a time: { json } in;
// out the image size, the first layer's units and its weights as one Float32Array (row i:
// from input pixel i), transferred, so the page receives one buffer and no arrays of numbers
// to collect — or { error }.
import { readModelFile } from './model-file';

self.onmessage = (e: MessageEvent<{ json: string }>) => {
  try {
    const { input, firstWeights } = readModelFile(e.data.json);
    const units = firstWeights?.[0]?.length ?? 0;
    const weights = new Float32Array((firstWeights?.length ?? 0) * units);
    firstWeights?.forEach((row, i) => weights.set(row, i * units));
    self.postMessage({ input, units, weights }, [weights.buffer]);
  } catch (err) {
    self.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
};
