// Augmentation in WebAssembly (both builds): the engine's preview of training digits as the
// network sees them equals the native build's bytes (the native CLI's fingerprint of the same
// distortions), is the stored digit itself when augmentation is off, and depends on the epoch.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineSession, failed, type AugmentPreview, type Result } from '../../web/core/session';
import { BUILDS, digits, engineFor, fixturePath, nativeCli } from './helpers';

const { path: native, why } = nativeCli();

function ok<T>(r: Result<T>): T {
  if (failed(r)) throw new Error(`engine said: ${r.error}`);
  return r;
}

const CONFIG = { preset: 'best-augmented', augment_rotation: 20, seed: 5 };
const COUNT = 8;
const EPOCH = 3;

/** FNV-1a over 64 bits, as `digitrain augment` prints it. */
function fingerprint(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

/** Each digit's distortion (the preview's second image of each digit), one after another. */
function distortions(p: AugmentPreview): Uint8Array {
  const n = p.rows * p.cols;
  const out = new Uint8Array(p.count * n);
  for (let d = 0; d < p.count; d++)
    out.set(p.images.subarray((d * (1 + p.variants) + 1) * n, (d * (1 + p.variants) + 2) * n), d * n);
  return out;
}

describe.each(BUILDS)('%s build', (build) => {
  let s: EngineSession;
  beforeAll(async () => {
    s = new EngineSession(await engineFor(build));
    ok(s.setDataset('train', 'train-images', digits.trainImages(), 'train-labels', digits.trainLabels()));
  });
  afterAll(() => s?.dispose());

  it('shows each digit first as stored, unchanged when augmentation is off', () => {
    const off = ok(s.augmentPreview({ ...CONFIG, augment: false }, 0, 4, EPOCH, 3));
    expect(off).toMatchObject({ count: 4, variants: 3, rows: 28, cols: 28 });
    const n = 28 * 28;
    const stored = s.sampleImages('train', 0, 4);
    for (let d = 0; d < 4; d++)
      for (let v = 0; v <= 3; v++)
        expect(off.images.subarray((d * 4 + v) * n, (d * 4 + v + 1) * n)).toEqual(stored.subarray(d * n, (d + 1) * n));
    const on = ok(s.augmentPreview(CONFIG, 0, 4, EPOCH, 3));
    expect(on.images.subarray(0, n)).toEqual(stored.subarray(0, n));
    expect(on.images.subarray(n, 2 * n)).not.toEqual(stored.subarray(0, n));
    // Successive epochs, successive distortions.
    expect(on.images.subarray(n, 2 * n)).not.toEqual(on.images.subarray(2 * n, 3 * n));
    const next = ok(s.augmentPreview(CONFIG, 0, 4, EPOCH + 1, 1));
    expect(next.images.subarray(n, 2 * n)).toEqual(on.images.subarray(2 * n, 3 * n));
  });

  it('refuses a setting out of range, naming it', () => {
    const r = s.augmentPreview({ ...CONFIG, augment_rotation: 120 }, 0, 1, 0, 1);
    expect(failed(r) ? r.error : '').toMatch(/augment_rotation.*from 0 to 90, got 120/);
  });

  it.skipIf(!native)(`distorts byte for byte as the native build does (${why})`, () => {
    const preview = ok(s.augmentPreview(CONFIG, 0, COUNT, EPOCH, 1));
    const r = spawnSync(
      native!,
      [
        'augment',
        '--train-images',
        fixturePath('digits', 'train-images-idx3-ubyte.gz'),
        '--train-labels',
        fixturePath('digits', 'train-labels-idx1-ubyte.gz'),
        '--augment-rotation',
        '20',
        '--seed',
        '5',
        '--count',
        String(COUNT),
        '--epoch',
        String(EPOCH),
        '--seconds',
        '0',
        '--json',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(fingerprint(distortions(preview))).toBe((JSON.parse(r.stdout) as { fingerprint: string }).fingerprint);
  });
});
