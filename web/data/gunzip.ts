// Gunzip in the browser (and Node 18+) with the platform's DecompressionStream, so no
// inflate library ships with the page. Files that do not start with the gzip magic pass
// through untouched: the user may pick raw IDX files or .gz ones, named either way.

/** The most a file may unpack to: the engine reads IDX files of up to 100 MB (cpp/bindings/embind.cpp). */
export const MAX_UNPACKED_BYTES = 100 * 1024 * 1024;

class TooLarge extends Error {}

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
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    // A Blob is the simplest source stream that works in workers and in Node alike. Read it
    // chunk by chunk so a "zip bomb" is stopped at the limit instead of filling the memory.
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_UNPACKED_BYTES) {
        await reader.cancel();
        throw new TooLarge(
          `${name}: unpacks to more than ${MAX_UNPACKED_BYTES >> 20} MB; the browser engine reads IDX files of up to ` +
            `${MAX_UNPACKED_BYTES >> 20} MB (full MNIST's training images are 47 MB).`,
        );
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof TooLarge) throw new Error(e.message, { cause: e });
    const detail = e instanceof Error ? e.message : String(e);
    throw new Error(
      `${name}: the gzip data is truncated or corrupt (${detail}) — was the download interrupted? ` +
        'Download the file again.',
      { cause: e },
    );
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return { bytes: out, gzipped: true };
}
