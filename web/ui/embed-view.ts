// The page as a course page embeds it, on top of what public/boot.js set before the
// first paint (data-theme, data-compact, data-embed, data-panels on <html>):
//   - which panels show (?panels=…), with #train split into its controls and its plots and
//     the inspector alone out of #understand;
//   - embedded (?embed=1): a one-line header with a link that opens the same configuration
//     in its own tab; the page's height is posted to the embedding element (public/embed.js)
//     so the frame fits its content; the embedding page may switch the theme by message;
//   - autotrain: a draw-only embed trains its network by itself once the data is in;
//   - the theme reaches the charts (Chart.js draws its own text and grid);
//   - a new version of the app (a new service worker took over) is announced in one line.
// Its styles are web/ui/embed.css (linked from index.html: the CSP allows no injected <style>).
// It applies itself when imported (the page's structure is parsed by then: module scripts run late).
import { Chart } from 'chart.js';
import { el, showError } from './views';
import { viewFromQuery, visibleSections, type ViewParams } from './view-params';

export const view: ViewParams = viewFromQuery(location.search);
const root = document.documentElement;
const framed = window.top !== window;

function chartTheme(): void {
  const dark = root.dataset.theme === 'dark';
  Chart.defaults.color = dark ? '#c9cdd2' : '#666';
  Chart.defaults.borderColor = dark ? 'rgba(255,255,255,0.14)' : 'rgba(0,0,0,0.1)';
  for (const chart of Object.values(Chart.instances)) chart.update('none');
}

export function setTheme(theme: 'light' | 'dark'): void {
  root.dataset.theme = theme;
  root.dataset.themeSource = 'fixed';
  chartTheme();
}

function applyPanels(): void {
  if (!view.panels) {
    delete root.dataset.panels;
    return;
  }
  root.dataset.panels = view.panels.join(' ');
  const v = visibleSections(view.panels);
  for (const section of document.querySelectorAll<HTMLElement>('main > section'))
    section.classList.toggle('panel-on', v.sections.has(section.id));
  const train = document.getElementById('train');
  train?.classList.toggle('no-controls', !v.trainControls);
  train?.classList.toggle('no-plots', !v.plots);
  const understand = document.getElementById('understand');
  understand?.classList.toggle('only-inspector', !v.understandAll);
  if (!v.understandAll && understand) {
    // The inspector is mounted by its panel after this runs: open it when it appears.
    const open = () => document.getElementById('inspector')?.setAttribute('open', '');
    if (document.getElementById('inspector')) open();
    else {
      const watch = new MutationObserver(() => {
        if (document.getElementById('inspector')) {
          watch.disconnect();
          open();
        }
      });
      watch.observe(understand, { childList: true, subtree: true });
    }
  }
  // The settings panel alone would hide its own fields: open them.
  if (view.panels.includes('settings')) document.getElementById('settings')?.setAttribute('open', '');
}

function embedHeader(): void {
  if (!view.embed) return;
  const own = new URL(location.href);
  own.searchParams.delete('embed');
  const link = el('a', { href: own.href, target: '_blank', rel: 'noopener', id: 'open-in-tab' }, [
    'Open in its own tab ↗',
  ]);
  const bar = el('div', { class: 'embed-bar' }, [el('strong', {}, ['digitrain']), link]);
  document.body.prepend(bar);
  // Keep the link in step with the settings (the page rewrites its address as they change).
  const sync = () => {
    const u = new URL(location.href);
    u.searchParams.delete('embed');
    link.href = u.href;
  };
  for (const m of ['pushState', 'replaceState'] as const) {
    const original = history[m].bind(history);
    history[m] = (...args: Parameters<History['replaceState']>) => {
      original(...args);
      sync();
    };
  }
}

function reportHeight(): void {
  if (!framed) return;
  let last = 0;
  const post = () => {
    const h = Math.ceil(document.body.getBoundingClientRect().height) + 4;
    if (Math.abs(h - last) < 2) return;
    last = h;
    window.parent.postMessage({ type: 'digitrain:height', height: h }, '*');
  };
  new ResizeObserver(post).observe(document.body);
  window.addEventListener('message', (e) => {
    if (e.source !== window.parent || typeof e.data !== 'object' || e.data === null) return;
    const d = e.data as { type?: string; theme?: string };
    if (d.type === 'digitrain:theme' && (d.theme === 'dark' || d.theme === 'light') && view.theme === 'auto')
      setTheme(d.theme);
    if (d.type === 'digitrain:hello') {
      last = 0;
      post();
    }
  });
}

function viewErrors(): void {
  if (!view.errors.length) return;
  const box = el('div', { id: 'view-error', class: 'error', role: 'alert' });
  showError(box, view.errors.join('\n'));
  document.querySelector('main')?.prepend(box);
}

/** A draw-only (or plot-only) embed: train once the page is ready, and say so where drawing happens. */
function autotrain(): void {
  if (!view.autotrain) return;
  const body = document.body;
  const go = () => {
    const button = document.getElementById('train-button') as HTMLButtonElement | null;
    if (button && !button.disabled) button.click();
  };
  if (body.dataset.ready === 'true') go();
  else {
    const watch = new MutationObserver(() => {
      if (body.dataset.ready === 'true') {
        watch.disconnect();
        go();
      }
    });
    watch.observe(body, { attributes: true, attributeFilter: ['data-ready'] });
  }
  // Where the train panel is hidden, the draw panel says how training goes.
  if (view.panels && !view.panels.includes('train')) {
    const line = el('p', { id: 'autotrain-status', class: 'hint', role: 'status' }, ['Preparing the network…']);
    document.getElementById('draw-title')?.after(line);
    const status = document.getElementById('train-status');
    if (status)
      new MutationObserver(() => {
        const text = status.textContent ?? '';
        const state = body.dataset.trainState;
        line.textContent =
          state === 'finished'
            ? `Trained: ${text.replace(/^Finished — /, '')}. Draw a digit.`
            : `Training the network for you: ${text}`;
      }).observe(status, { childList: true, characterData: true, subtree: true });
  }
}

function updateNotice(): void {
  const show = () => {
    if (document.getElementById('update-note')) return;
    const reload = el('button', { type: 'button' }, ['Reload']);
    reload.addEventListener('click', () => location.reload());
    const note = el('p', { id: 'update-note', class: 'engine', role: 'status' }, [
      'A new version of digitrain is ready: reload to use it (your runs here are not saved). ',
      reload,
    ]);
    document.querySelector('header')?.append(note);
  };
  if (root.hasAttribute('data-update-ready')) show();
  window.addEventListener('digitrain-update', show);
}

function mountView(): void {
  if (view.theme !== 'auto') root.dataset.theme = view.theme;
  chartTheme();
  new MutationObserver(chartTheme).observe(root, { attributes: true, attributeFilter: ['data-theme'] });
  applyPanels();
  embedHeader();
  viewErrors();
  reportHeight();
  autotrain();
  updateNotice();
}

mountView();
