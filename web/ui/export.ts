// Files the page hands to the user: a download of any bytes, and the per-epoch curves as CSV.
import { EPOCH_MEASURES, type EpochMetrics } from '../shared/protocol';
import { el } from './views';

/** Saves `data` as a file called `name` through the browser's download. */
export function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const CSV_KEYS = ['epoch', ...EPOCH_MEASURES] as const;
const csvRow = (m: EpochMetrics) => CSV_KEYS.map((k) => m[k] ?? '').join(',');
// Labels may hold commas and quotes: quote them the CSV way.
const csvText = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** One run's curves: a header line, then one line per epoch. */
export function curvesCsv(history: EpochMetrics[]): string {
  return [CSV_KEYS.join(','), ...history.map(csvRow)].join('\n') + '\n';
}

/** Several runs' curves in one table, each line starting with its run's label. */
export function runsCsv(runs: { label: string; history: EpochMetrics[] }[]): string {
  return (
    [
      ['run', ...CSV_KEYS].join(','),
      ...runs.flatMap((r) => r.history.map((m) => `${csvText(r.label)},${csvRow(m)}`)),
    ].join('\n') + '\n'
  );
}
