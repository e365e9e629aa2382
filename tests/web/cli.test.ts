// The CLI built for Node (`npm run cli -- ARGS`, build-wasm/node/digitrain.js) against the
// native one: the same stdout, stderr and exit status for the same arguments. Training output
// is compared with timings masked and numbers to 6 significant digits (the native binary uses
// -march=native: FMA and AVX round the last float digits differently).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath, nativeCli, newestSourceTime, root } from './helpers';

const nodeCli = join(root, 'build-wasm', 'node', 'digitrain.js');
const { path: native, why } = nativeCli();
const wasmStale = existsSync(nodeCli) && statSync(nodeCli).mtimeMs < newestSourceTime();
const tmp = mkdtempSync(join(tmpdir(), 'digitrain-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const F = (f: string) => fixturePath('digits', f);
const M = (f: string) => fixturePath('malformed', f);
const train = ['--train-images', F('train-images-idx3-ubyte.gz'), '--train-labels', F('train-labels-idx1-ubyte.gz')];
const test = ['--test-images', F('t10k-images-idx3-ubyte.gz'), '--test-labels', F('t10k-labels-idx1-ubyte.gz')];

function run(cmd: string[], args: string[]) {
  const r = spawnSync(cmd[0], [...cmd.slice(1), ...args], { encoding: 'utf8', cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Timings masked, numbers cut to 6 significant digits. */
function normalise(text: string): string {
  return text
    .replace(/"(seconds|samples_per_second|\w+_us_per_sample)":[-0-9.e+]+/g, '"$1":T')
    .replace(/[\d,.]+ (samples\/s|s\b)/g, 'T $1')
    .replace(/-?\d+\.\d+(e[-+]?\d+)?/g, (n) => String(Number(Number(n).toPrecision(6))));
}

const cases: [string, string[]][] = [
  ['help', ['--help']],
  ['version', ['--version']],
  ['presets', ['presets']],
  ['info on .gz files', ['info', F('train-labels-idx1-ubyte.gz'), F('t10k-images-idx3-ubyte.gz')]],
  ['a PNG given as IDX', ['info', M('png-magic-idx3-ubyte')]],
  ['a truncated .gz', ['info', M('truncated-labels-idx1-ubyte.gz')]],
  ['a missing file', ['info', join(tmp, 'missing.gz')]],
  ['an unknown flag', ['train', '--bogus']],
  [
    'labels from another set',
    ['train', '--train-images', F('train-images-idx3-ubyte.gz'), '--train-labels', F('t10k-labels-idx1-ubyte.gz')],
  ],
  // Augmentation is integer arithmetic on fixed-point maps: the same bytes (fingerprint) in both.
  [
    'augmented digits, byte for byte',
    ['augment', ...train, '--count', '3000', '--epoch', '4', '--seconds', '0', '--augment-rotation', '20', '--json'],
  ],
  ['training, --json', ['train', ...train, ...test, '--batch', '32', '--lr', '0.01', '--epochs', '2', '--json']],
  [
    'training, text',
    [
      'train',
      ...train,
      '--limit',
      '600',
      '--validation',
      '100',
      '--preset',
      'best',
      '--batch',
      '50',
      '--epochs',
      '2',
      '--threads',
      '2',
    ],
  ],
];

describe.skipIf(!native || !existsSync(nodeCli) || wasmStale)(
  `npm run cli behaves like the native CLI (${why}; ${
    !existsSync(nodeCli)
      ? 'no Node CLI: npm run build:wasm'
      : wasmStale
        ? `${nodeCli} is older than the C++ sources: npm run build:wasm`
        : nodeCli
  })`,
  () => {
    it.each(cases)('%s', (_, args) => {
      const n = run([native!], args);
      const w = run(['node', nodeCli], args);
      expect(w.status).toBe(n.status);
      expect(normalise(w.stderr)).toBe(normalise(n.stderr));
      expect(normalise(w.stdout)).toBe(normalise(n.stdout));
    });

    it('writes the same model file and .npz, and evaluates and predicts alike', () => {
      const files = (tag: string) => ['--save', join(tmp, `${tag}.json`), '--save-npz', join(tmp, `${tag}.npz`)];
      const args = ['train', ...train, '--limit', '300', '--batch', '30', '--epochs', '1', '--json'];
      expect(run([native!], [...args, ...files('native')]).status).toBe(0);
      expect(run(['node', nodeCli], [...args, ...files('wasm')]).status).toBe(0);
      for (const tag of ['native', 'wasm']) {
        const model = join(tmp, `${tag}.json`);
        const ev = [
          'eval',
          '--model',
          model,
          '--images',
          F('t10k-images-idx3-ubyte.gz'),
          '--labels',
          F('t10k-labels-idx1-ubyte.gz'),
          '--json',
        ];
        const n = run([native!], ev);
        const w = run(['node', nodeCli], ev);
        expect(w.status).toBe(0);
        expect(normalise(w.stdout)).toBe(normalise(n.stdout));
        const pr = ['predict', '--model', model, '--images', F('t10k-images-idx3-ubyte.gz'), '--index', '3'];
        expect(normalise(run(['node', nodeCli], pr).stdout)).toBe(normalise(run([native!], pr).stdout));
      }
    });
  },
);
