// What bench/run.mjs and bench/presets.mjs share around their groups of measurements: progress
// on stderr (stdout carries only the figures), a group whose failure is noted rather than
// ending the run, and the JSON lines a measuring command prints.

/** A line of progress, on stderr. @param {string} s */
export const note = (s) => process.stderr.write(`${s}\n`);

/**
 * Runs one group of measurements under `label`. A failure does not end the benchmark: its first
 * six lines go to stderr and into `problems`, which the caller lists at the end.
 * @param {string} label @param {() => unknown} fn @param {string[]} problems
 */
export async function runGroup(label, fn, problems) {
  note(`• ${label}`);
  try {
    await fn();
  } catch (e) {
    const message = String(/** @type {Error} */ (e)?.message ?? e)
      .split('\n')
      .slice(0, 6)
      .join('\n    ');
    problems.push(`${label}: ${message}`);
    note(`  ✗ ${message}`);
  }
}

/** The JSON objects among a command's output lines. @param {string} text @returns {any[]} */
export function jsonLines(text) {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .map((l) => /** @type {unknown} */ (JSON.parse(l)));
}

/**
 * A Markdown table of the benchmarks' reports: the first column left-aligned, the figures
 * right-aligned, every column as wide as its widest cell.
 * @param {string[]} head @param {string[][]} body @returns {string[]} its lines
 */
export function markdownTable(head, body) {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (/** @type {string[]} */ cells) =>
    '| ' + cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (i < 1 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(head), rule, ...body.map(line)];
}
