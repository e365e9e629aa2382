// Drawing on the page's draw pad with the mouse, as a user does: the e2e specs
// (tests/e2e/browser.ts) and the drawn-digit benchmark (bench/drawn.mjs) draw the same way.

/**
 * Draws strokes (lists of points in canvas fractions 0..1) with the mouse on the draw pad, of
 * the page itself or of a trainer embedded in one of its frames, and waits until the
 * prediction shown is the one for the whole drawing.
 * @param {import('playwright-core').Page} page
 * @param {[number, number][][]} strokes
 * @param {import('playwright-core').Page | import('playwright-core').Frame} [scope]
 */
export async function drawStrokes(page, strokes, scope = page) {
  const canvas = scope.locator('#draw-canvas');
  // A cross-origin frame scrolled out of the host page's view does not paint, so its pad would
  // never read as stable: scroll the host page to the pad first.
  const outer = scope === page ? null : await canvas.boundingBox();
  if (outer) await page.evaluate((dy) => window.scrollBy(0, dy), outer.y - 40);
  await canvas.scrollIntoViewIfNeeded();
  const box = /** @type {{ x: number, y: number, width: number, height: number }} */ (await canvas.boundingBox());
  for (const stroke of strokes) {
    const at = (/** @type {[number, number]} */ [x, y]) =>
      /** @type {const} */ ([box.x + x * box.width, box.y + y * box.height]);
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    // About one pointer event per 16 px, as a quick hand gives: the ink between events is a
    // straight line either way.
    for (let k = 1; k < stroke.length; k++) {
      const [x0, y0] = at(stroke[k - 1]);
      const [x1, y1] = at(stroke[k]);
      await page.mouse.move(x1, y1, { steps: Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / 16)) });
    }
    await page.mouse.up();
  }
  // The prediction follows the drawing as it goes: wait until it is the one for the whole digit.
  await scope.waitForFunction(() => {
    const revision = /** @type {HTMLElement | null} */ (document.querySelector('#draw-canvas'))?.dataset.revision;
    return (
      revision !== undefined &&
      /** @type {HTMLElement | null} */ (document.querySelector('#prediction'))?.dataset.revision === revision
    );
  });
}
