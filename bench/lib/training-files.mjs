// The training files a benchmark reads: full MNIST's raw training pair in a folder the user
// names, or else the demo digits (prepared on first use, as the tests prepare them).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @param {string} dir a folder holding train-images-idx3-ubyte and train-labels-idx1-ubyte, or ''
 * @returns {Promise<{ images: string, labels: string }>} paths to an existing images/labels pair
 */
export async function trainingFiles(dir) {
  if (dir) {
    const files = { images: join(dir, 'train-images-idx3-ubyte'), labels: join(dir, 'train-labels-idx1-ubyte') };
    for (const f of Object.values(files)) if (!existsSync(f)) throw new Error(`--data: ${f} is missing`);
    return files;
  }
  const { ensureDemoData, DEMO_DIR } = await import('../../scripts/demo-data.mjs');
  await ensureDemoData();
  const { DEMO_FILES } = await import('../../web/data/demo-files.js');
  return { images: join(DEMO_DIR, DEMO_FILES.trainImages), labels: join(DEMO_DIR, DEMO_FILES.trainLabels) };
}
