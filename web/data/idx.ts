// IDX bytes for u8 arrays (big-endian header: 0, 0, type 0x08, rank, then the dimensions),
// the format the engine reads. Used to hand a loaded set back to the engine, and by tests.

/** An unsigned-byte IDX file holding `payload` with dimensions `dims`. */
export function idxBytes(dims: number[], payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}
