// Wrong files, as the page's file recognition words them (web/data/recognise.ts): each
// message names the file and says what is wrong ("Failure drills").
import { describe, expect, it } from 'vitest';
import { pairFiles } from '../../../web/data/recognise';
import type { FileDescription } from '../../../web/shared/protocol';

// As the engine describes a file: labelsShape is true for every labels file, and for an
// 'other' file only when it holds one value per sample.
const file = (
  name: string,
  kind: FileDescription['kind'],
  dims: number[],
  labelsShape = kind === 'labels',
): FileDescription => ({
  name,
  gzipped: false,
  size: 0,
  ok: true,
  kind,
  labelsShape,
  dims,
  count: dims[0],
});
const errorsOf = (files: FileDescription[]) => {
  const r = pairFiles(files);
  return r.ok ? '' : r.errors.join('\n');
};

describe('wrong files are named and explained', () => {
  it('images given as labels: the name says labels, the content says images', () => {
    expect(
      errorsOf([
        file('train-images.gz', 'images', [60000, 28, 28]),
        file('train-labels.gz', 'images', [10000, 28, 28]),
      ]),
    ).toMatch(
      /train-labels\.gz holds 10,000 images of 28×28, but no labels file has 10,000 labels \(no labels file was given\)\. Its name says labels, but it holds images\./,
    );
  });
  it('labels given as images', () => {
    expect(errorsOf([file('t10k-images.gz', 'labels', [10000])])).toMatch(
      /t10k-images\.gz holds 10,000 labels, but no images file has 10,000 images\. Its name says images, but it holds labels\./,
    );
  });
  it('labels from a dataset of another size', () => {
    expect(
      errorsOf([file('train-images.gz', 'images', [60000, 28, 28]), file('t10k-labels.gz', 'labels', [10000])]),
    ).toMatch(
      /train-images\.gz holds 60,000 images of 28×28, but no labels file has 60,000 labels \(t10k-labels\.gz: 10,000 labels\)/,
    );
  });
  it('a labels-shaped file with a value that is not a digit', () => {
    expect(errorsOf([file('five-labels', 'other', [5], true), file('five-images', 'images', [5, 28, 28])])).toMatch(
      /five-labels: holds 5 values shaped like labels, but not all of them are digits 0\.\.9, so it is not a labels file\./,
    );
    expect(errorsOf([file('table', 'other', [5, 3])])).toMatch(
      /table: holds an IDX array of shape 5×3, which is neither images/,
    );
  });
  it('names that agree with the content add nothing', () => {
    expect(errorsOf([file('train-images.gz', 'images', [60000, 28, 28])])).not.toMatch(/Its name says/);
  });
});
