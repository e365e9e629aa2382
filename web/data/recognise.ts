// Which of the user's files is which: pairs images files with labels files by their sample
// count, using what the engine's describeIdx read from their content (magic, rank, dims),
// never their names — downloads get renamed. The larger pair is the training set, the
// smaller the test set (MNIST: 60,000 / 10,000). Pure logic, tested in Node.
import type { FileDescription } from '../shared/protocol';
import { fmt } from '../shared/format';

export interface FilePair {
  images: FileDescription;
  labels: FileDescription;
  count: number;
}

export type Pairing =
  { ok: true; train: FilePair; test: FilePair | null; notes: string[] } | { ok: false; errors: string[] };

const what = (d: FileDescription) =>
  d.kind === 'images'
    ? `${fmt(d.count ?? 0)} images of ${(d.dims ?? []).slice(1).join('×')}`
    : d.kind === 'labels'
      ? `${fmt(d.count ?? 0)} labels`
      : `an IDX array of shape ${(d.dims ?? []).join('×')}`;

/** When a file's name says the other kind ("train-labels…" holding images), say so: a common mix-up. */
const misnamed = (d: FileDescription) =>
  d.kind === 'images' && /label/i.test(d.name) && !/image/i.test(d.name)
    ? ' Its name says labels, but it holds images.'
    : d.kind === 'labels' && /image/i.test(d.name) && !/label/i.test(d.name)
      ? ' Its name says images, but it holds labels.'
      : '';

/** Names a test set by a hint in its file name, only to break a tie between equal counts. */
const looksLikeTest = (name: string) => /t10k|test/i.test(name);

export function pairFiles(files: FileDescription[]): Pairing {
  const errors: string[] = [];
  const notes: string[] = [];
  if (files.length === 0) return { ok: false, errors: ['No files were selected.'] };

  for (const f of files) {
    if (!f.ok) errors.push(f.error ?? `${f.name}: could not be read.`);
    else if (f.kind === 'other' && f.labelsShape)
      errors.push(
        `${f.name}: holds ${fmt(f.count ?? 0)} values shaped like labels, but not all of them are digits 0..9, so it is not a labels file.`,
      );
    else if (f.kind === 'other')
      errors.push(`${f.name}: holds ${what(f)}, which is neither images (rank 3, N×rows×cols) nor labels (rank 1, N).`);
  }
  const images = files.filter((f) => f.ok && f.kind === 'images');
  const labels = files.filter((f) => f.ok && f.kind === 'labels');

  const pairs: FilePair[] = [];
  const usedLabels = new Set<FileDescription>();
  for (const im of images) {
    const match = labels.find((l) => !usedLabels.has(l) && l.count === im.count);
    if (match) {
      usedLabels.add(match);
      pairs.push({ images: im, labels: match, count: im.count ?? 0 });
    } else {
      const others = labels.filter((l) => !usedLabels.has(l));
      errors.push(
        `${im.name} holds ${what(im)}, but no labels file has ${fmt(im.count ?? 0)} labels` +
          (others.length
            ? ` (${others.map((l) => `${l.name}: ${what(l)}`).join('; ')}).`
            : ' (no labels file was given).') +
          misnamed(im),
      );
    }
  }
  for (const l of labels)
    if (!usedLabels.has(l) && !errors.some((e) => e.includes(l.name)))
      errors.push(`${l.name} holds ${what(l)}, but no images file has ${fmt(l.count ?? 0)} images.${misnamed(l)}`);

  if (pairs.length > 2)
    errors.push(
      `Found ${pairs.length} images+labels pairs (${pairs.map((p) => p.images.name).join(', ')}); give one training pair and at most one test pair.`,
    );
  if (pairs.length === 2) {
    const [a, b] = pairs;
    const size = (p: FilePair) => (p.images.dims ?? []).slice(1).join('×');
    if (size(a) !== size(b))
      errors.push(
        `${a.images.name} holds ${size(a)} images but ${b.images.name} holds ${size(b)} images; both sets need the same image size.`,
      );
  }
  if (errors.length) return { ok: false, errors };
  if (pairs.length === 0) return { ok: false, errors: ['No images file was found among the selected files.'] };

  let [train, test = null] = [...pairs].sort((p, q) => q.count - p.count);
  if (test && train.count === test.count && looksLikeTest(train.images.name) && !looksLikeTest(test.images.name))
    [train, test] = [test, train];
  if (!test)
    notes.push('Only one images+labels pair was given: it is used for training, and no test error is measured.');
  return { ok: true, train, test, notes };
}
