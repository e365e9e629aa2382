// The hand-computation inspector on a tiny convnet, as a student checks one by hand: load the
// example (a 4×4 image 1…16, one 2×2 filter [[0.5, 0], [0, 0.5]] at stride 2, ReLU, a 2×2
// max-pool, one weight 0.1 to a linear output, squared error, target 1, learning rate 1) and
// read every number of the step against the pen-and-paper values below; edit a pixel and the
// filter and see the step follow; type a filter weight that is not a number and be told which.
//   windows: 1·0.5 + 6·0.5 = 3.5, 3·0.5 + 8·0.5 = 5.5, 11.5, 13.5 (ReLU keeps them);
//   pool: 13.5; output 13.5 · 0.1 = 1.35; loss ½(1.35 − 1)² = 0.06125;
//   ∂L/∂o = 0.35, ∂L/∂w = 13.5 · 0.35 = 4.725, ∂L/∂p = 0.1 · 0.35 = 0.035, which reaches only
//   the window that won the pool; ∂L/∂K = 0.035 · [[11, 12], [15, 16]].
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { openPage, shotsDir, useBrowser } from './browser';
import { axeViolations } from './page-actions';

const browser = useBrowser();

const value = (page: Page, name: string) =>
  page.locator(`#inspector-results [data-name="${name}"]`).textContent() as Promise<string>;

/** The shown double is the hand value to 1e-12 (sums in another order differ in the last bits). */
async function near(page: Page, name: string, hand: number): Promise<void> {
  const shown = await value(page, name);
  expect(Math.abs(Number(shown) - hand), `${name} = ${shown}, by hand ${hand}`).toBeLessThan(1e-12);
}

describe('hand-computation inspector: a tiny convnet', () => {
  it('shows the windows, the feature map, the pooled map, the errors and the filter gradient', async () => {
    const { page, errors } = await openPage(browser(), inject('isolatedUrl'));
    await page.click('#inspector summary');
    await page.click('#inspector-example-conv');
    await expect.poll(() => page.locator('#inspector-results [data-name="m[1,1]"]').count()).toBe(1);
    // The dense layers read the pooled map: one value, so the sizes field says 1-1.
    expect(await page.inputValue('#inspector-sizes')).toBe('1-1');
    expect(await page.inputValue('#inspector-x-6')).toBe('6');
    expect(await page.getAttribute('#inspector-x-6', 'aria-label')).toBe('x[2,2]');

    // Forward: each window of the input under the filter, the map, the pool.
    expect(await value(page, 'patch[1,1]')).toBe('1, 2 / 5, 6');
    expect(await value(page, 'patch[2,2]')).toBe('11, 12 / 15, 16');
    for (const [name, hand] of [
      ['m[1,1]', 3.5],
      ['m[1,2]', 5.5],
      ['m[2,1]', 11.5],
      ['m[2,2]', 13.5],
      ['p[1,1]', 13.5],
      ['output_before[1]', 1.35],
      ['loss_before', 0.06125],
    ] as const)
      await near(page, name, hand);
    // Backward: the output's error, the weight's gradient, the pool's error to the winner alone.
    await near(page, 'e1[1]', 0.35);
    await near(page, 'dW1[1,1]', 4.725);
    await near(page, 'ep[1,1]', 0.035);
    for (const [name, hand] of [
      ['em[1,1]', 0],
      ['em[1,2]', 0],
      ['em[2,1]', 0],
      ['em[2,2]', 0.035],
      ['dK[1,1]', 0.385],
      ['dK[1,2]', 0.42],
      ['dK[2,1]', 0.525],
      ['dK[2,2]', 0.56],
      ["K'[1,1]", 0.115],
      ["K'[2,2]", -0.06],
      ["W1'[1,1]", 0.1 - 4.725],
    ] as const)
      await near(page, name, hand);
    // After the step every window is negative: ReLU gives 0, the output 0, the loss ½.
    await near(page, 'output_after[1]', 0);
    await near(page, 'loss_after', 0.5);
    // No biases in this example: none shown. Per window patch, m, e (4); per pooled value p, e
    // (1); per filter weight before, gradient, after (4); the dense layer as ever; outputs and loss.
    expect(await page.locator('#inspector-results [data-name="dc"]').count()).toBe(0);
    expect(await page.locator('#inspector-results td[data-name]').count()).toBe(4 * 3 + 2 + 4 * 3 + 3 + 3 + 2 * 2);
    await page.locator('#inspector').screenshot({ path: `${shotsDir}/inspector-conv.png` });

    // A pixel edited: x[4,4] 16 → 20 moves the winning window, and everything after it.
    await page.fill('#inspector-x-16', '20');
    await page.press('#inspector-x-16', 'Tab');
    await expect.poll(() => value(page, 'patch[2,2]')).toBe('11, 12 / 15, 20');
    await near(page, 'm[2,2]', 15.5);
    await near(page, 'output_before[1]', 1.55);
    await near(page, 'ep[1,1]', 0.055);
    await near(page, 'dK[2,2]', 0.055 * 20);

    // The filter edited: K[2,2] = 0 leaves m = 0.5 × each window's top-left pixel (1, 3, 9, 11).
    await page.fill('#inspector-k-2-2', '0');
    await page.press('#inspector-k-2-2', 'Tab');
    await expect.poll(async () => Number(await value(page, 'm[2,2]'))).toBe(5.5);
    await near(page, 'm[1,1]', 0.5);
    await near(page, 'p[1,1]', 5.5);
    // Biases on: the filter's bias c is a field, and its gradient is the sum of the map's errors.
    await page.check('#inspector-bias');
    await expect.poll(() => page.locator('#inspector-c').count()).toBe(1);
    await page.fill('#inspector-c', '1');
    await page.press('#inspector-c', 'Tab');
    await expect.poll(async () => Number(await value(page, 'm[2,2]'))).toBe(6.5);
    const em = await Promise.all(['em[1,1]', 'em[1,2]', 'em[2,1]', 'em[2,2]'].map((n) => value(page, n)));
    await near(
      page,
      'dc',
      em.reduce((s, v) => s + Number(v), 0),
    );

    // A filter weight that is not a number: refused by name, nothing computed.
    await page.fill('#inspector-k-1-2', 'abc');
    await page.press('#inspector-k-1-2', 'Tab');
    await expect
      .poll(() => page.textContent('#inspector-error'))
      .toMatch(/Filter weight K\[1,2\] is not a number: "abc"/);
    expect(await page.getAttribute('#inspector-k-1-2', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#inspector-results', 'class')).toMatch(/stale/);
    await page.fill('#inspector-k-1-2', '0');
    await page.press('#inspector-k-1-2', 'Tab');
    await expect.poll(() => page.locator('#inspector-error').isHidden()).toBe(true);

    // Back to a dense example: the conv part goes.
    await page.click('#inspector-example-lab');
    await expect.poll(() => page.locator('#inspector-results [data-name="z1[1]"]').count()).toBe(1);
    expect(await page.locator('#inspector-k-1-1').count()).toBe(0);
    expect(await page.locator('#inspector-results [data-name="m[1,1]"]').count()).toBe(0);

    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
