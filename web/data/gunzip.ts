// Gunzip in the browser (and Node 18+) with the platform's DecompressionStream, so no
// inflate library ships with the page. Files that do not start with the gzip magic pass
// through untouched: the user may pick raw IDX files or .gz ones, named either way.

/** True when the bytes start with gzip's magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The file's content, gunzipped when it is gzip. A corrupt or truncated stream becomes an
 * Error whose message names the file and says what probably happened.
 */
export async function maybeGunzip(name: string, bytes: Uint8Array): Promise<{ bytes: Uint8Array; gzipped: boolean }> {
  if (!isGzip(bytes)) return { bytes, gzipped: false };
  try {
    // A Blob is the simplest source stream that works in workers and in Node alike.
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
    const out = new Uint8Array(await new Response(stream).arrayBuffer());
    return { bytes: out, gzipped: true };
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new Error(
      `${name}: the gzip data is truncated or corrupt (${detail}) — was the download interrupted? ` +
        'Download the file again.',
    );
  }
}
