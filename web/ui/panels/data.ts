// 1. Data: the demo digits, the user's files (chosen, dropped or fetched from URLs), what they
// hold, a preview of the first digits and the class histogram.
import { DEMO_DESCRIPTION } from '../../data/demo';
import { fetchWithProgress } from '../../data/fetch-file';
import {
  FULL_MNIST_ABOUT,
  FULL_MNIST_DESCRIPTION,
  FULL_MNIST_ELSEWHERE,
  FULL_MNIST_LABEL,
  FULL_MNIST_WHERE,
  fetchFullMnist,
} from '../../data/full-mnist';
import { fmt } from '../../shared/format';
import type { DatasetSummary } from '../../shared/protocol';
import { setRunState } from '../actions';
import type { AppState, AppStore, Deps } from '../app-state';
import { className, dataKind, items } from '../dataset-kind';
import { checkFetchUrl } from '../url-policy';
import { $, drawHistogram, drawSampleGrid, el, showError } from '../views';

export function mountData(store: AppStore, deps: Deps): { start(): Promise<void> } {
  const { client, base } = deps;
  const status = $('data-status');
  const hint = $('data-hint');
  const errorBox = $('data-error');
  const fileInput = $('file-input') as HTMLInputElement;
  const fileTable = $('file-table') as HTMLTableElement;
  const warning = $('data-warning');
  const sampleCaption = $('sample-caption');
  /** The test set the last load dropped (its images file), to say so; null when none was. */
  let droppedTest: string | null = null;

  /** What is loaded; `still`: after a failed load, what stays in use from before. */
  function describe(d: DatasetSummary, still = false): void {
    const kind = dataKind(d);
    const split = (s: DatasetSummary['train']) => `${items(kind, fmt(s.count), s.count)} of ${s.rows}×${s.cols}`;
    status.textContent =
      (d.source === 'demo'
        ? DEMO_DESCRIPTION + ' '
        : d.source === 'mnist'
          ? FULL_MNIST_DESCRIPTION + ' '
          : still
            ? 'Still in use, from before: '
            : 'Your files are loaded. ') +
      (kind.how ? `Recognised as ${kind.name} ${kind.how}. ` : '') +
      `Training: ${split(d.train)}; test: ${d.test ? split(d.test) : 'none'}.`;
    status.classList.toggle('ok', !still);
    status.dataset.source = d.source;
    warning.textContent =
      droppedTest && !d.test
        ? `Your files hold only a training pair, so the test set loaded before (${droppedTest}) was dropped: it came from ` +
          "other data and would grade this network against the wrong answers. Add the test pair's two files to measure test error."
        : '';
    warning.hidden = !warning.textContent;
    sampleCaption.textContent =
      `The first 48 training ${kind.item}s, label above each.` +
      (kind.classes ? ` Labels: ${kind.classes.map((_, label) => className(kind, label)).join(', ')}.` : '');
    hint.textContent = FULL_MNIST_ELSEWHERE;
    $('data-more').hidden = d.source !== 'demo';
    fileTable.tBodies[0].replaceChildren(
      ...d.files.map((f) => {
        const role =
          f.name === d.train.imagesName
            ? 'training images'
            : f.name === d.train.labelsName
              ? 'training labels'
              : f.name === d.test?.imagesName
                ? 'test images'
                : f.name === d.test?.labelsName
                  ? 'test labels'
                  : '—';
        const holds =
          f.kind === 'images'
            ? `${fmt(f.count ?? 0)} images ${(f.dims ?? []).slice(1).join('×')}`
            : `${fmt(f.count ?? 0)} labels`;
        return el('tr', {}, [
          el('td', {}, [f.name]),
          el('td', {}, [`${holds}${f.gzipped ? ' (gzip)' : ''}`]),
          el('td', {}, [role]),
        ]);
      }),
    );
    fileTable.hidden = d.source !== 'files';
    drawHistogram(
      $('histogram') as HTMLCanvasElement,
      $('histogram-caption'),
      d.train.histogram,
      `Training ${kind.item}s`,
      kind.classes,
    );
    void showSamples();
  }

  async function showSamples(): Promise<void> {
    try {
      const s = await client.call('samples', { slot: 'train', start: 0, count: 48 });
      drawSampleGrid(
        $('sample-grid') as HTMLCanvasElement,
        s.images,
        s.labels,
        s.rows,
        s.cols,
        `training ${dataKind(store.get().dataset).item}s`,
      );
    } catch {
      // The preview is a nicety: a failure here must not hide the data that did load.
    }
  }

  store.subscribe(
    (s) => s.dataset,
    (d) => d && describe(d),
  );

  /** New data ends the run in progress (the worker has dropped it). */
  function loaded(dataset: DatasetSummary, source: AppState['source']): void {
    store.update({ dataset, source });
    const s = store.get().state;
    if (s === 'running' || s === 'paused') setRunState(store, 'stopped');
  }

  async function loadDemo(): Promise<void> {
    status.textContent = 'Loading the demo digits…';
    const dataset = await client.call('loadDemo', { base });
    droppedTest = null;
    showError(errorBox, null);
    loaded(dataset, { kind: 'demo' });
  }

  /** A load failed: the reason first, then what stays in use from before. */
  function notLoaded(message: string): void {
    showError(errorBox, message);
    const dataset = store.get().dataset;
    if (dataset) describe(dataset, true);
    else status.textContent = 'No data loaded.';
  }

  async function loadFiles(files: File[]): Promise<void> {
    if (!files.length) return;
    showError(errorBox, null);
    status.textContent = `Reading ${files.length} file${files.length > 1 ? 's' : ''}…`;
    try {
      // The buffers are transferred to the worker.
      const named = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
      let dataset = await client.call('loadFiles', { files: named });
      // Files holding only a training pair keep the test set already loaded: it came from other
      // data, so it is cleared (a run on it ends, its network stays for drawing).
      const kept =
        dataset.test && !files.some((f) => f.name === dataset.test!.imagesName) ? dataset.test.imagesName : null;
      if (kept) {
        const cleared = await client.call('clearSlot', { slot: 'test' });
        dataset = cleared.dataset;
        store.update((s) => ({ hasModel: cleared.hasModel, modelVersion: s.modelVersion + 1 }));
      }
      droppedTest = kept;
      loaded(dataset, { kind: 'files', files });
    } catch (e) {
      notLoaded(`These files were not loaded:\n${(e as Error).message}`);
    }
  }

  async function loadUrls(): Promise<void> {
    showError(errorBox, null);
    const urls = [0, 1, 2, 3]
      .map((i) => ({ i, url: ($(`url-${i}`) as HTMLInputElement).value.trim() }))
      .filter((u) => u.url);
    if (!urls.length) return notLoaded('Enter at least the training images and labels URLs.');
    // Only what the page's Content-Security-Policy lets through (web/ui/url-policy.ts), said in words.
    const refused = urls.map(({ url }) => checkFetchUrl(url, location.href)).flatMap((c) => (c.ok ? [] : [c.error]));
    if (refused.length) return notLoaded(`Nothing was loaded from the URLs:\n${refused.join('\n')}`);
    try {
      const files = await Promise.all(
        urls.map(({ i, url }) =>
          fetchWithProgress(new URL(url, location.href).href, (t) => ($(`url-${i}-progress`).textContent = t)),
        ),
      );
      await loadFiles(files);
    } catch (e) {
      notLoaded(`Nothing was loaded from the URLs:\n${(e as Error).message}`);
    }
  }
  $('url-button').addEventListener('click', () => void loadUrls());

  fileInput.addEventListener('change', () => {
    void loadFiles([...(fileInput.files ?? [])]);
    fileInput.value = '';
  });
  ($('demo-button') as HTMLButtonElement).addEventListener(
    'click',
    () => void loadDemo().catch((e) => notLoaded((e as Error).message)),
  );
  document.addEventListener('dragover', (e) => e.preventDefault());
  // Dropped model and run files (.json) are the models panel's.
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    const files = [...(e.dataTransfer?.files ?? [])];
    if (!files.some((f) => f.name.endsWith('.json'))) void loadFiles(files);
  });

  // Full MNIST, where this copy serves it (web/data/full-mnist.ts): fetched with progress, then
  // loaded like the user's own files, and called what it is. Without it the button is hidden
  // and the "Full MNIST or Fashion-MNIST?" note says how a publisher adds it.
  const fullButton = $('full-mnist-button') as HTMLButtonElement;
  const fullAbout = $('full-mnist-about');
  fullButton.textContent = FULL_MNIST_LABEL;
  fullAbout.textContent = FULL_MNIST_ABOUT;
  fullButton.hidden = fullAbout.hidden = FULL_MNIST_WHERE === 'none';
  async function loadFullMnist(): Promise<void> {
    showError(errorBox, null);
    fullButton.disabled = true;
    try {
      const files = await fetchFullMnist(base, (text) => (status.textContent = text));
      const named = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
      const dataset = await client.call('loadFiles', { files: named });
      droppedTest = null;
      loaded({ ...dataset, source: 'mnist' }, { kind: 'files', files, mnist: true });
    } catch (e) {
      notLoaded((e as Error).message);
    } finally {
      fullButton.disabled = false;
    }
  }
  fullButton.addEventListener('click', () => void loadFullMnist());

  return {
    /** The demo digits at start; without them the user is asked for files. */
    async start() {
      try {
        await loadDemo();
      } catch (e) {
        showError(
          errorBox,
          `The demo digits could not be loaded: ${(e as Error).message}\nChoose the MNIST files instead.`,
        );
        status.textContent = 'No data loaded.';
      }
    },
  };
}
