#!/usr/bin/env node
// Draws the app icons of the web app manifest (public/manifest.webmanifest) from the same
// design as public/favicon.svg — a hand-drawn 7 on a dark tile — as PNGs, with no image
// library: each pixel is the tile (a rounded square) and the stroke (round-capped segments),
// antialiased by 4×4 supersampling, encoded with node:zlib. The outputs are committed; run
// again after changing the design:
//
//   node scripts/make-icons.mjs        → public/icons/icon-192.png, icon-512.png, maskable-512.png
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const out = fileURLToPath(new URL('../public/icons/', import.meta.url));

// CRC-32 for PNG chunks.
const table = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (/** @type {Uint8Array} */ buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
/** @param {string} type @param {Uint8Array} data */
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** @param {number} size @param {Buffer} rgba */
function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// The design in the favicon's 32×32 units.
/** @type {[number, number][]} */
const STROKE = [
  [8, 9],
  [24, 9],
  [15, 25],
];
const WIDTH = 4;
/** @param {number} px @param {number} py @param {[number, number]} a @param {[number, number]} b */
const segDist = (px, py, [ax, ay], [bx, by]) => {
  const dx = bx - ax,
    dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
};
/** @param {number} x @param {number} y @param {number} radius */
function inTile(x, y, radius) {
  // Rounded square 0..32 with corner radius `radius` (0: full bleed, for maskable icons).
  const cx = Math.min(Math.max(x, radius), 32 - radius),
    cy = Math.min(Math.max(y, radius), 32 - radius);
  return Math.hypot(x - cx, y - cy) <= radius;
}

/** @param {number} size @param {{ maskable: boolean }} options */
function icon(size, { maskable }) {
  const rgba = Buffer.alloc(size * size * 4);
  const S = 4; // supersampling
  // Maskable icons keep the glyph inside the central 80% "safe zone": shrink it around the centre.
  const glyphScale = maskable ? 0.72 : 1;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let tile = 0,
        ink = 0;
      for (let sy = 0; sy < S; sy++)
        for (let sx = 0; sx < S; sx++) {
          const u = ((x + (sx + 0.5) / S) / size) * 32,
            v = ((y + (sy + 0.5) / S) / size) * 32;
          if (!inTile(u, v, maskable ? 0 : 6)) continue;
          tile++;
          const gu = 16 + (u - 16) / glyphScale,
            gv = 16 + (v - 16) / glyphScale;
          if (segDist(gu, gv, STROKE[0], STROKE[1]) <= WIDTH / 2 || segDist(gu, gv, STROKE[1], STROKE[2]) <= WIDTH / 2)
            ink++;
        }
      const a = tile / (S * S),
        white = tile ? ink / tile : 0;
      const c = Math.round(0x1b + (255 - 0x1b) * white);
      rgba.set([c, c, c, Math.round(255 * a)], (y * size + x) * 4);
    }
  return png(size, rgba);
}

mkdirSync(out, { recursive: true });
/** @type {[name: string, size: number, maskable: boolean][]} */
const icons = [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['maskable-512.png', 512, true],
];
for (const [name, size, maskable] of icons) {
  writeFileSync(join(out, name), icon(size, { maskable }));
  console.log(`wrote public/icons/${name}`);
}
