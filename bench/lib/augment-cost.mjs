// The `augment` group of `npm run bench`: what on-the-fly augmentation costs, from
// `digitrain augment --json` run natively and through the WebAssembly Node CLI on the demo
// digits. Per build: processor µs to distort one digit under best-augmented's ranges, affine
// only (elastic_alpha 0) and affine + elastic, each against that network's training step on a
// stored digit (the ratio is the share of a step that distorting adds), the step with
// augmentation on, and the share of non-zero pixels before and after distortion (the work of
// the sparse first layer follows it). Every figure is the median of REPS runs, with min–max.
// `digitrain augment` times with clock(): processor time natively, but wall time under
// Emscripten, whose clock() reads Date.now() (1 ms steps: hence every demo digit, ~100 ms of
// distorting); the ratios compare like with like.

import { markdownTable } from './groups.mjs';

/** Repetitions of each measurement; the report prints their median and range. */
export const REPS = 3;

/** @typedef {{ median: number, min: number, max: number }} Spread */
/**
 * @typedef {{ impl: 'augment', build: string, preset: string, threads: number, data: 'digits', count: number, reps: number,
 *   affine_us_per_sample: Spread, elastic_us_per_sample: Spread, train_us_per_sample: Spread,
 *   train_augmented_us_per_sample: Spread, affine_step_ratio: Spread, elastic_step_ratio: Spread,
 *   nonzero_original: number, nonzero_affine: number, nonzero_elastic: number }} AugmentFigure
 */

/** @param {number[]} xs @returns {Spread} */
export function spread(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
}

/**
 * Measures one build. `cli` runs `digitrain` with the given arguments and returns its stdout.
 * @param {{ build: string, cli: (args: string[]) => string, images: string, labels: string, seconds: number,
 *   parse: (text: string) => any[] }} o
 * @returns {AugmentFigure}
 */
export function measureAugment({ build, cli, images, labels, seconds, parse }) {
  // One thread: the per-sample costs of distorting and of the step, not of sharing the batch.
  const common = ['augment', '--json', '--preset', 'best-augmented', '--threads', '1', '--count', '8000'];
  const data = ['--train-images', images, '--train-labels', labels];
  /** @param {string[]} extra */
  const once = (extra) => {
    const [j] = parse(cli([...common, ...extra, ...data]));
    if (!j || typeof j.augment_us_per_sample !== 'number')
      throw new Error(`${build}: digitrain augment printed no figures`);
    return j;
  };
  /** @type {Record<string, number[]>} */
  const runs = { affine: [], elastic: [], train: [], trainAug: [], nzAffine: [] };
  /** @type {any} */
  let last = null;
  for (let r = 0; r < REPS; r++) {
    // The training step is measured once per repetition, with the full (elastic) distortion.
    const full = once(['--seconds', String(seconds)]);
    const affine = once(['--seconds', '0', '--elastic-alpha', '0']);
    runs.elastic.push(full.augment_us_per_sample);
    runs.train.push(full.train_us_per_sample);
    runs.trainAug.push(full.train_augmented_us_per_sample);
    runs.affine.push(affine.augment_us_per_sample);
    runs.nzAffine.push(affine.nonzero_augmented);
    last = full;
  }
  return {
    impl: 'augment',
    build,
    preset: 'best-augmented',
    threads: last.threads,
    data: 'digits',
    count: last.count,
    reps: REPS,
    affine_us_per_sample: spread(runs.affine),
    elastic_us_per_sample: spread(runs.elastic),
    train_us_per_sample: spread(runs.train),
    train_augmented_us_per_sample: spread(runs.trainAug),
    // Ratios per repetition (distortion and step from the same run), then their spread.
    affine_step_ratio: spread(runs.affine.map((a, i) => a / runs.train[i])),
    elastic_step_ratio: spread(runs.elastic.map((e, i) => e / runs.train[i])),
    // A distortion depends on (seed, epoch, index) alone: the same pixels in every repetition.
    nonzero_original: last.nonzero_original,
    nonzero_affine: runs.nzAffine[0],
    nonzero_elastic: last.nonzero_augmented,
  };
}

/** The report's lines for the figures of every build measured. @param {AugmentFigure[]} figures */
export function augmentReport(figures) {
  if (!figures.length) return [];
  /** @param {Spread} s @param {number} digits */
  const us = (s, digits = 1) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
  /** @param {Spread} s */
  const pct = (s) => `${(100 * s.median).toFixed(1)} % (${(100 * s.min).toFixed(1)}–${(100 * s.max).toFixed(1)})`;
  const share = (/** @type {number} */ x) => `${(100 * x).toFixed(1)} %`;
  const f0 = figures[0];
  const out = [
    `Augmentation cost (digitrain augment, ${f0.preset}'s ranges, ${f0.count} demo digits, ${f0.threads} thread, ` +
      `median of ${f0.reps} (min–max); native in processor time, wasm in wall time, which is what Emscripten's ` +
      `clock() counts, so a busy machine inflates the wasm figures):`,
  ];
  const head = ['build', 'affine µs', '÷ step', 'affine+elastic µs', '÷ step', 'step µs', 'step augmented µs'];
  const body = figures.map((f) => [
    f.build,
    us(f.affine_us_per_sample, 2),
    pct(f.affine_step_ratio),
    us(f.elastic_us_per_sample, 2),
    pct(f.elastic_step_ratio),
    us(f.train_us_per_sample),
    us(f.train_augmented_us_per_sample),
  ]);
  out.push(...markdownTable(head, body));
  for (const f of figures)
    out.push(
      `  ${f.build}: non-zero pixels ${share(f.nonzero_original)} stored, ${share(f.nonzero_affine)} after the ` +
        `affine map, ${share(f.nonzero_elastic)} after affine + elastic (the sparse first layer's work follows them).`,
    );
  return out;
}
