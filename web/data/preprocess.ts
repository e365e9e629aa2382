// A drawing → the 28×28 input the network expects, the way MNIST was made (LeCun et al.):
// the digit's bounding box is scaled to fit a 20×20 box keeping its aspect ratio (grey
// levels come from anti-aliasing), then placed in a 28×28 image so that its centre of mass
// sits at the centre. Pure arithmetic on grey levels, no canvas: tested in Node.

export const SIZE = 28;
export const BOX = 20;

/**
 * @param grey   ink per source pixel in [0, 1] (row-major, width × height)
 * @returns 28×28 values in [0, 1], or null when nothing is drawn
 */
export function toMnist(grey: Float32Array, width: number, height: number): Float32Array | null {
  // Bounding box of the ink (a faint threshold ignores anti-aliasing dust).
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (grey[y * width + x] > 0.05) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1,
    bh = y1 - y0 + 1;

  // Scale the longer side to 20 pixels; each target pixel averages the source area it
  // covers (a box filter, sampled 4×4 with bilinear reads so small drawings scale up too).
  const scale = BOX / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale)),
    th = Math.max(1, Math.round(bh * scale));
  const small = new Float32Array(tw * th);
  const S = 4;
  const at = (x: number, y: number) => {
    const cx = Math.min(Math.max(x, 0), width - 1),
      cy = Math.min(Math.max(y, 0), height - 1);
    const ix = Math.floor(cx),
      iy = Math.floor(cy);
    const fx = cx - ix,
      fy = cy - iy;
    const jx = Math.min(ix + 1, width - 1),
      jy = Math.min(iy + 1, height - 1);
    return (
      grey[iy * width + ix] * (1 - fx) * (1 - fy) +
      grey[iy * width + jx] * fx * (1 - fy) +
      grey[jy * width + ix] * (1 - fx) * fy +
      grey[jy * width + jx] * fx * fy
    );
  };
  for (let ty = 0; ty < th; ty++)
    for (let tx = 0; tx < tw; tx++) {
      let sum = 0;
      for (let sy = 0; sy < S; sy++)
        for (let sx = 0; sx < S; sx++)
          sum += at(x0 + ((tx + (sx + 0.5) / S) / tw) * bw - 0.5, y0 + ((ty + (sy + 0.5) / S) / th) * bh - 0.5);
      small[ty * tw + tx] = Math.min(1, sum / (S * S));
    }

  // Centre of mass of the scaled digit, then an integer shift that puts it at (14, 14).
  let mass = 0,
    mx = 0,
    my = 0;
  for (let y = 0; y < th; y++)
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  if (mass === 0) return null;
  const ox = Math.round(SIZE / 2 - mx / mass),
    oy = Math.round(SIZE / 2 - my / mass);
  const out = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < th; y++)
    for (let x = 0; x < tw; x++) {
      const X = x + ox,
        Y = y + oy;
      if (X >= 0 && X < SIZE && Y >= 0 && Y < SIZE) out[Y * SIZE + X] = small[y * tw + x];
    }
  return out;
}
