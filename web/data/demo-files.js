// The names of the demo set's four files: scripts/demo-data.mjs writes them into public/data/,
// the training worker fetches them from there, and the benchmarks read them. Plain JavaScript,
// so that the Node scripts import the same list as the TypeScript.
export const DEMO_FILES = Object.freeze({
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
});

// Full MNIST (scripts/full-mnist.mjs) is served under these same four names from this folder,
// relative to the page: by the dev server on demand, or from the static site when it was built
// with `npm run build -- --full-mnist`.
export const FULL_MNIST_DIR = 'data/mnist';
