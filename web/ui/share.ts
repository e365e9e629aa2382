// The "Share" button: a link that reproduces the current configuration exactly —
// the preset, every field that differs from it, and the seed always — plus two one-line
// embeds of the same configuration for a course page: an <iframe> and the
// <digitrain-trainer> element (public/embed.js). The view (panels, compact, theme) the page
// was opened with is kept. shareLinks() is pure; mountShare() is the panel under the button.
import type { PresetInfo, TrainConfig } from '../shared/protocol';
import { queryFromConfig } from './config';
import { el } from './views';

/** View keys a shared link keeps from the page's own address (not embed/build/debug). */
const KEEP = ['panels', 'compact', 'theme', 'autotrain'];

export interface ShareLinks {
  /** The app's folder, e.g. https://example.edu/courses/ml/digitrain/ */
  app: string;
  query: string;
  link: string;
  iframe: string;
  element: string;
}

const attr = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The link and embed snippets for a configuration; `pageHref` is the page's address. */
export function shareLinks(pageHref: string, preset: PresetInfo, config: TrainConfig): ShareLinks {
  const page = new URL(pageHref);
  const app = new URL('./', page).href;
  const keep = new URLSearchParams();
  for (const k of KEEP) if (page.searchParams.has(k)) keep.set(k, page.searchParams.get(k)!);
  const params = new URLSearchParams(queryFromConfig(preset, config, keep));
  // The seed always: a link must give the same run even if a preset's default seed changes.
  if (!params.has('seed')) params.set('seed', String(config.seed));
  const query = params.toString();
  const embedQuery = new URLSearchParams(params);
  embedQuery.set('embed', '1');
  const height = params.get('panels') ? 640 : 900;
  const iframe =
    `<iframe src="${attr(`${app}?${embedQuery}`)}" title="digitrain: train a neural network on handwritten digits" ` +
    `width="100%" height="${height}" style="border:0" allow="cross-origin-isolated; clipboard-write" loading="lazy"></iframe>`;
  const attrs = [...params].map(([k, v]) => (v === '' ? k : `${k}="${attr(v)}"`)).join(' ');
  const element = `<script src="${attr(app)}embed.js"></script><digitrain-trainer ${attrs}></digitrain-trainer>`;
  return { app, query, link: `${app}?${query}`, iframe, element };
}

/** Copies a text, or selects it in its field for Ctrl+C where the clipboard is not allowed (a frame). */
async function copy(text: string, field: HTMLInputElement | HTMLTextAreaElement, status: HTMLElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = 'Copied.';
  } catch {
    field.focus();
    field.select();
    status.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
  }
}

/** Turns the Share button into a toggle for a panel with the link and the embed snippets. */
export function mountShare(
  button: HTMLButtonElement,
  current: () => { preset: PresetInfo; config: TrainConfig } | null,
): void {
  const link = el('input', { id: 'share-link', type: 'text', readonly: '', spellcheck: 'false' });
  const iframe = el('textarea', { id: 'share-iframe', readonly: '', rows: '3', spellcheck: 'false' });
  const element = el('textarea', { id: 'share-element', readonly: '', rows: '3', spellcheck: 'false' });
  const status = el('p', { id: 'share-status', class: 'hint', role: 'status' });
  const copyButton = (id: string, field: HTMLInputElement | HTMLTextAreaElement, label: string) => {
    const b = el('button', { id, type: 'button', 'aria-label': label }, ['Copy']);
    b.addEventListener('click', () => void copy(field.value, field, status));
    return b;
  };
  const block = (id: string, label: string, field: HTMLInputElement | HTMLTextAreaElement, copyId: string) =>
    el('div', { class: 'field' }, [
      el('label', { for: id }, [label]),
      field,
      el('div', { class: 'row' }, [copyButton(copyId, field, `Copy: ${label}`)]),
    ]);
  const panel = el('div', { id: 'share-panel', class: 'share', hidden: '' }, [
    block(
      'share-link',
      'Link to this configuration (the seed included: the same run on any computer)',
      link,
      'share-copy-link',
    ),
    block('share-iframe', 'Embed it in a course page: one line of HTML', iframe, 'share-copy-iframe'),
    block(
      'share-element',
      'Or as an element (add panels="draw", compact, theme="dark"… as attributes)',
      element,
      'share-copy-element',
    ),
    status,
  ]);
  button.closest('.row')?.after(panel);
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', 'share-panel');

  const fill = () => {
    const c = current();
    if (!c) return false;
    const s = shareLinks(location.href, c.preset, c.config);
    link.value = s.link;
    iframe.value = s.iframe;
    element.value = s.element;
    return true;
  };
  button.addEventListener('click', () => {
    const open = panel.hidden;
    if (open && !fill()) return;
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    status.textContent = '';
    if (open)
      void copy(link.value, link, status).then(
        () => (status.textContent = status.textContent === 'Copied.' ? 'Link copied.' : status.textContent),
      );
  });
  // Keep the open panel in step with the settings (the page rewrites its address on each change).
  const original = history.replaceState.bind(history);
  history.replaceState = (...args: Parameters<History['replaceState']>) => {
    original(...args);
    if (!panel.hidden) fill();
  };
}
