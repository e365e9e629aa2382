// "Load from URLs": one file fetched with progress, and the errors a student can act on.

import { fmt } from '../shared/format';

/** Fetches one URL as a File, reporting progress through `show`; a network-level failure is almost always CORS or offline. */
export async function fetchWithProgress(url: string, show: (text: string) => void): Promise<File> {
  let response: Response;
  try {
    response = await fetch(url, { mode: 'cors' });
  } catch {
    throw new Error(
      `${url}: the request failed before any answer came back. Either you are offline, or the server does not allow ` +
        'other sites to read this file (no CORS header). Download the file yourself and choose it with "Choose files" instead.',
    );
  }
  if (!response.ok) throw new Error(`${url}: the server answered ${response.status} ${response.statusText}.`);
  const total = Number(response.headers.get('content-length')) || 0;
  const reader = response.body!.getReader();
  const parts: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    received += value.length;
    show(total ? `${Math.round((100 * received) / total)}% of ${fmt(total)} bytes` : `${fmt(received)} bytes`);
  }
  show(`done: ${fmt(received)} bytes`);
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'download');
  return new File(parts as BlobPart[], name);
}
