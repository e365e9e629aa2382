// What the loaded data is, as far as the page can honestly tell, and so what its items and
// classes are called. The demo set and full MNIST are MNIST digits. Fashion-MNIST ships under the very names
// MNIST uses and its content cannot be told apart by format, so it is recognised only by a
// file name that says "fashion" — and the page says that this is how it knows. Anything else
// is "images" of classes 0..9: calling a dataset's items digits would be a guess. No DOM here.
import type { DatasetSummary } from '../shared/protocol';

export interface DataKind {
  /** The dataset's name, when recognised. */
  name: string | null;
  /** What one item is called: "digit" or "image". */
  item: string;
  /** The class names by label, when known (digits are their own names: null). */
  classes: readonly string[] | null;
  /** How it was recognised, to say so. */
  how: string | null;
}

/** Fashion-MNIST's labels 0..9, as its authors list them. */
export const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export function dataKind(d: DatasetSummary | null): DataKind {
  if (!d || d.source === 'demo' || d.source === 'mnist')
    return { name: 'MNIST', item: 'digit', classes: null, how: null };
  const named = d.files.filter((f) => /fashion/i.test(f.name)).map((f) => f.name);
  if (named.length)
    return {
      name: 'Fashion-MNIST',
      item: 'image',
      classes: FASHION_CLASSES,
      how: `by file name (${named.join(', ')} says "fashion")`,
    };
  return { name: null, item: 'image', classes: null, how: null };
}

/** "7" for digits and unknown classes, "7 Sneaker" where the classes have names. */
export const className = (kind: DataKind, label: number): string =>
  kind.classes?.[label] ? `${label} ${kind.classes[label]}` : String(label);

/** "3,000 digits", "1 image": the count with the item's word. */
export const items = (kind: DataKind, count: string, n: number): string => `${count} ${kind.item}${n === 1 ? '' : 's'}`;
