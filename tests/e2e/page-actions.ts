// What the Playwright specs do on an open page, written once: set a field, train to the end,
// move the focus with Tab as a keyboard user does, and run axe-core's accessibility check.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { root } from './browser';

/** The training state the page's test hook (globalThis.digitrain) reports. */
export const trainState = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { digitrain: { state: string } }).digitrain.state);

/** Types `value` into the settings form's field `key` and leaves it with Tab, as a user does
 *  (the page reads a field when it changes). */
export async function setField(page: Page, key: string, value: string): Promise<void> {
  await page.fill(`#field-${key}`, value);
  await page.press(`#field-${key}`, 'Tab');
}

/** Clicks Train and waits until the run has finished. */
export async function trainToEnd(page: Page, timeout = 30_000): Promise<void> {
  await page.click('#train-button');
  await expect.poll(() => trainState(page), { timeout }).toBe('finished');
}

/** The id (or else the tag name) of the element that has the keyboard's focus. */
export const focused = (page: Page) =>
  page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);

/** Presses Tab until the element `id` has the focus, and fails if it never gets it. */
export async function tabTo(page: Page, id: string): Promise<void> {
  for (let i = 0; i < 200 && (await focused(page)) !== id; i++) await page.keyboard.press('Tab');
  expect(await focused(page)).toBe(id);
}

/** axe-core's violations on the page as it is, each with its impact and its first three nodes. */
export async function axeViolations(page: Page): Promise<{ id: string; impact: string; nodes: string[] }[]> {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses an inline <script>.
  await page.evaluate(readFileSync(`${root}node_modules/axe-core/axe.min.js`, 'utf8'));
  return page.evaluate(async () => {
    const r = await (
      globalThis as unknown as {
        axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe.run();
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
}
