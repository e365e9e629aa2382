// The hand-computation inspector ("Understand"), as a student uses it: open the
// panel, load the lab's 2-2-1 example, read every number of one step with all its digits,
// edit a weight and see them change, type something that is not a number and be told which
// field it is; then the 2-3-2 softmax example. The numbers come from the engine's
// double-precision inspector in the training worker, on the page with its CSP.
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { openPage, shot, shotsDir, useBrowser } from './browser';

const browser = useBrowser();

const value = (page: Page, name: string) =>
  page.locator(`#inspector-results [data-name="${name}"]`).textContent() as Promise<string>;

/** The shown text is the double itself, all digits, and agrees with the lab sheet's figure to
 *  within 4 units in the last place (sums in another order differ in the last bit or two). */
function sameDouble(shown: string, sheet: number): void {
  expect(
    shown.replace(/^-?0\.|e.*$/g, '').replace(/^0+/, '').length,
    `${shown} has all its digits`,
  ).toBeGreaterThanOrEqual(15);
  expect(Math.abs(Number(shown) - sheet), `${shown} vs the sheet's ${sheet}`).toBeLessThanOrEqual(
    4 * Number.EPSILON * Math.abs(sheet),
  );
}

describe('hand-computation inspector', () => {
  it('shows every number of the lab step, follows an edit, and names a field that is not a number', async () => {
    const { page, errors } = await openPage(browser(), inject('isolatedUrl'));
    await page.click('#inspector summary');
    await page.click('#inspector-example-lab');
    await expect.poll(() => page.locator('#inspector-results [data-name="output_before[1]"]').count()).toBe(1);
    // The lab sheet: o = 0.5597295991095778 before the step, 0.40648823589210104 after, w2_11 → -0.8541467506279606.
    sameDouble(await value(page, 'output_before[1]'), 0.5597295991095778);
    sameDouble(await value(page, 'output_after[1]'), 0.40648823589210104);
    sameDouble(await value(page, "W2'[1,1]"), -0.8541467506279606);
    sameDouble(await value(page, "b1'[1]"), 0.25403317902693395);
    sameDouble(await value(page, "W1'[1,1]"), 0.3432265432215471);
    // Every intermediate value is there, with the digits a double has (0.8·0.3 + 0.2·0.8 + 0.2 is not 0.6 exactly).
    expect(await value(page, 'z1[1]')).toBe('0.6000000000000001');
    expect(await value(page, 'z1[2]')).toBe('-0.76');
    for (const name of [
      'a1[1]',
      'a1[2]',
      'e1[1]',
      'e2[1]',
      'dW1[2,2]',
      'dW2[2,1]',
      'db2[1]',
      'loss_before',
      'loss_after',
    ])
      expect(Number(await value(page, name)), name).not.toBeNaN();
    // Per unit z, a, e, ∂L/∂b, b after (3 units); per weight before, gradient, after (6 weights); outputs and loss before/after.
    expect(await page.locator('#inspector-results td[data-name]').count()).toBe(3 * 5 + 6 * 3 + 2 * 2);
    await page.locator('#inspector').screenshot({ path: `${shotsDir}/inspector-lab.png` });

    // Edit w2_11 (from h1 to the output): the step is recomputed from the new number.
    const a1 = Number(await value(page, 'a1[1]')),
      a2 = Number(await value(page, 'a1[2]'));
    await page.fill('#inspector-w-2-1-1', '-0.5');
    await page.press('#inspector-w-2-1-1', 'Tab');
    const expected = 1 / (1 + Math.exp(-(-0.5 * a1 + 0.4 * a2 + 0.5)));
    await expect
      .poll(async () => Math.abs(Number(await value(page, 'output_before[1]')) - expected))
      .toBeLessThan(1e-15);
    expect(await value(page, 'W2[1,1]')).toBe('-0.5');

    // A weight that is not a number: refused by name, nothing computed.
    await page.fill('#inspector-w-1-2-1', 'abc');
    await page.press('#inspector-w-1-2-1', 'Tab');
    await expect
      .poll(() => page.textContent('#inspector-error'))
      .toMatch(/Weight W1\[2,1\] \(from x2 to unit 1 of layer 1\) is not a number: "abc"/);
    expect(await page.getAttribute('#inspector-w-1-2-1', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#inspector-results', 'class')).toMatch(/stale/);
    // So is a learning rate typed as words.
    await page.fill('#inspector-lr', 'five');
    await page.press('#inspector-lr', 'Tab');
    await expect.poll(() => page.textContent('#inspector-error')).toMatch(/Learning rate is not a number: "five"/);
    await page.fill('#inspector-lr', '5');
    await page.fill('#inspector-w-1-2-1', '0.8');
    await page.press('#inspector-w-1-2-1', 'Tab');
    await expect.poll(() => page.locator('#inspector-error').isHidden()).toBe(true);

    // The 2-3-2 example: sigmoid hidden layer, softmax output, cross-entropy, target class 0.
    await page.click('#inspector-example-softmax');
    await expect.poll(() => value(page, 'output_before[1]')).toBe('0.5');
    expect(await value(page, 'z1[1]')).toBe('2');
    expect(await value(page, 'a1[1]')).toBe(String(1 / (1 + Math.exp(-2))));
    expect(await value(page, 'e2[1]')).toBe('-0.5');
    expect(await value(page, 'e2[2]')).toBe('0.5');
    expect(await value(page, 'loss_before')).toBe(String(Math.LN2));
    // Layer sizes are editable: 2-3-2 → 2-4-2 keeps every number and adds zeros.
    await page.fill('#inspector-sizes', '2-4-2');
    await page.press('#inspector-sizes', 'Tab');
    await expect.poll(() => page.locator('#inspector-results [data-name="z1[4]"]').count()).toBe(1);
    expect(await value(page, 'z1[4]')).toBe('0');
    expect(await page.inputValue('#inspector-w-2-1-1')).toBe('1');
    await shot(page, 'inspector');
    expect(errors).toEqual([]);
    await page.close();
  });
});
