// Which addresses "Load from URLs" may fetch: the same ones the page's Content-Security-Policy
// (index.html, connect-src) lets through, checked first so the user reads why instead of a
// bare network error:
//   - this page's own origin (a mirror next to the page);
//   - any https:// address (the file cannot be altered on the way; the server must still
//     allow CORS);
//   - plain http:// only to a server on this machine (localhost, 127.0.0.1): an instructor's
//     local mirror.
// Everything else (http:// to other hosts, data:, blob:, file:, javascript:) is refused with
// a message naming the address. No DOM here.

export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1'];

export type UrlCheck = { ok: true; url: string } | { ok: false; error: string };

export function checkFetchUrl(text: string, pageHref: string): UrlCheck {
  const shown = text.trim().slice(0, 120);
  let url: URL;
  try {
    url = new URL(text.trim(), pageHref);
  } catch {
    return { ok: false, error: `"${shown}" is not a web address.` };
  }
  const page = new URL(pageHref);
  if (url.origin === page.origin) return { ok: true, url: url.href };
  if (url.protocol === 'https:') return { ok: true, url: url.href };
  if (url.protocol === 'http:') {
    if (LOOPBACK_HOSTS.includes(url.hostname)) return { ok: true, url: url.href };
    return {
      ok: false,
      error:
        `${shown}: plain http:// addresses are only fetched from this page's own server or from localhost; ` +
        'anywhere else the file could be altered on the way. Use its https:// address, or download the file and choose it with "Choose files".',
    };
  }
  return {
    ok: false,
    error: `${shown}: only http:// and https:// addresses can be fetched (this one is ${url.protocol}).`,
  };
}
