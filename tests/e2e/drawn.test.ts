// The drawn-digit benchmark (bench/drawn.mjs) in miniature: its mechanics only, never its
// accuracy. The committed set (tests/fixtures/drawn/digits.json) covers every digit in both
// parts, whose skeletons do not overlap (the holdout part stays untouched); a short run on the
// page the global setup serves trains one epoch, draws five digits spread over the tune part
// with the mouse, and each drawing gets a prediction, in a results file of the stated shape.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { drawingsOf, loadSpec, summarise } from '../../bench/drawn.mjs';
import { root } from './browser';

describe('the drawn-digit set', () => {
  it('has every digit in both parts, and the holdout part shares no skeleton with the tune part', () => {
    const spec = loadSpec();
    expect(Object.keys(spec.digits)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const { tune, holdout } = spec.parts;
    expect(tune.skeletons.filter((s) => holdout.skeletons.includes(s))).toEqual([]);
    for (const part of ['tune', 'holdout']) {
      const drawings = drawingsOf(spec, part);
      expect(drawings.length).toBe(10 * spec.parts[part].skeletons.length * spec.parts[part].variations.length);
      expect(new Set(drawings.map((d) => d.group))).toEqual(
        new Set(['plain', 'tiny', 'off-centre', 'thick', 'thin', 'slant']),
      );
      for (const d of drawings)
        for (const stroke of d.strokes)
          for (const [x, y] of stroke) {
            expect(x).toBeGreaterThan(0);
            expect(x).toBeLessThan(1);
            expect(y).toBeGreaterThan(0);
            expect(y).toBeLessThan(1);
          }
    }
  });

  it('tallies accuracy overall, by group and by digit', () => {
    const s = summarise([
      { digit: 1, skeleton: 'a', variation: 'tiny', group: 'tiny', predicted: 1 },
      { digit: 7, skeleton: 'a', variation: 'tiny', group: 'tiny', predicted: null },
      { digit: 7, skeleton: 'b', variation: 'thick', group: 'thick', predicted: 7 },
    ]);
    expect(s).toMatchObject({ drawings: 3, correct: 2, accuracy: 2 / 3 });
    expect(s.groups.tiny).toEqual({ drawings: 2, correct: 1, accuracy: 0.5 });
    expect(s.digits['7']).toEqual({ drawings: 2, correct: 1, accuracy: 0.5 });
  });
});

describe('bench/drawn.mjs', () => {
  it('trains, draws each digit with the mouse, and reports a prediction for every drawing', async () => {
    const out = `${root}test-results/drawn-small.json`;
    const args = [
      'bench/drawn.mjs',
      ...['--url', inject('isolatedUrl'), '--preset', 'tp', '--epochs', '1'],
      ...['--set', 'batch_size=32', '--set', 'learning_rate=0.01', '--max', '5', '--json', '--out', out],
    ];
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = spawn(process.execPath, args, { cwd: root });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      },
    );
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.length).toBe(1);
    const figure = JSON.parse(lines[0]);
    expect(figure).toMatchObject({ impl: 'drawn', preset: 'tp', data: 'demo', part: 'tune', epochs: 1, drawings: 5 });
    expect(figure.settings).toBe('preset=tp&epochs=1&batch_size=32&learning_rate=0.01');
    expect(figure.accuracy).toBeGreaterThanOrEqual(0);
    expect(figure.accuracy).toBeLessThanOrEqual(1);
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.results.length).toBe(5);
    // Spread over the part: five different digits.
    expect(new Set(file.results.map((r: { digit: number }) => r.digit)).size).toBe(5);
    for (const r of file.results) {
      expect(Object.keys(r).sort()).toEqual(['digit', 'group', 'predicted', 'skeleton', 'variation']);
      expect(Number.isInteger(r.predicted)).toBe(true);
      expect(r.predicted).toBeGreaterThanOrEqual(0);
      expect(r.predicted).toBeLessThanOrEqual(9);
    }
    const groups = Object.values(figure.groups) as { drawings: number }[];
    expect(groups.reduce((n, g) => n + g.drawings, 0)).toBe(5);
  }, 120_000);
});
