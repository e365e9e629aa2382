// The page's gunzip (DecompressionStream): pass-through of raw files, a real round trip, a
// truncated download named as such, and a "zip bomb" stopped at the engine's 100 MB limit.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_UNPACKED_BYTES, maybeGunzip } from '../../../web/data/gunzip';

describe('maybeGunzip', () => {
  it('passes raw bytes through and unpacks gzip', async () => {
    const raw = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]);
    expect(await maybeGunzip('raw', raw)).toEqual({ bytes: raw, gzipped: false });
    const out = await maybeGunzip('x.gz', new Uint8Array(gzipSync(raw)));
    expect(out.gzipped).toBe(true);
    expect(Array.from(out.bytes)).toEqual(Array.from(raw));
  });

  it('names a truncated file', async () => {
    const gz = new Uint8Array(gzipSync(new Uint8Array(5000).fill(3)));
    await expect(maybeGunzip('t10k-images.gz', gz.subarray(0, gz.length - 10))).rejects.toThrow(
      /^t10k-images\.gz: the gzip data is truncated or corrupt/,
    );
  });

  it('stops a file that unpacks past the limit', async () => {
    const bomb = new Uint8Array(gzipSync(Buffer.alloc(MAX_UNPACKED_BYTES + 1024)));
    expect(bomb.length).toBeLessThan(1 << 20);
    await expect(maybeGunzip('bomb.gz', bomb)).rejects.toThrow(/^bomb\.gz: unpacks to more than 100 MB/);
  });
});
