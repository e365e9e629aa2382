// Security of the page, in the browser:
//   - loading and training on the demo set contacts nobody but the page's own origin (every
//     request of the page and its workers recorded from the first byte), under the page's
//     Content-Security-Policy, which blocks nothing the page needs (no violation reported)
//     and does block what it should (an inline script, a fetch to a plain-http host);
//   - the threaded build still starts under the policy (its pthread workers come from
//     engine.worker.js on this origin);
//   - "Load from URLs" refuses an address the policy would block, saying why, without a request;
//   - URL parameters are validated like files: bad values are refused with a message and the
//     preset's values are used instead.
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { shot, useBrowser } from './browser';

const browser = useBrowser();

type Violation = { directive: string; blocked: string };
const violations = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { cspViolations: Violation[] }).cspViolations);

/** A page with every request (page and workers) and every CSP violation recorded from the start. */
async function recordedPage(url: string) {
  const context = await browser().newContext({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  await context.addInitScript(() => {
    const w = globalThis as unknown as { cspViolations: Violation[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.cspViolations.push({ directive: e.effectiveDirective, blocked: e.blockedURI }),
    );
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return { context, page, requests, errors };
}

describe('page security', () => {
  it('contacts only its own origin while loading and training the demo set, under its CSP, with threads', async () => {
    const base = inject('isolatedUrl');
    const origin = new URL(base).origin;
    const { context, page, requests, errors } = await recordedPage(
      base + '?preset=tp&batch_size=32&learning_rate=0.01&epochs=1',
    );
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    expect(csp).toMatch(/default-src 'self'; script-src 'self' 'wasm-unsafe-eval'/);
    // The threaded build starts under the policy.
    await expect.poll(() => page.getAttribute('#engine-status', 'data-build')).toBe('mt');
    await page.click('#train-button');
    await page.waitForSelector('body[data-train-state="finished"]', { timeout: 30_000 });

    // Recorded from the first byte, the workers' requests included: the engine and the demo data.
    expect(requests.some((u) => u.endsWith('/wasm/mt/engine.wasm'))).toBe(true);
    expect(requests.some((u) => u.endsWith('/wasm/mt/engine.worker.js'))).toBe(true);
    expect(requests.some((u) => u.endsWith('/data/train-images-idx3-ubyte.gz'))).toBe(true);
    const elsewhere = requests.filter(
      (u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin,
    );
    expect(elsewhere).toEqual([]);
    expect(await violations(page)).toEqual([]);
    expect(errors).toEqual([]);

    // The policy is really in force: an inline script does not run, and a fetch to a plain-http
    // host is refused by the browser before any request leaves.
    const blocked = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = '(globalThis).inlineRan = true';
      document.head.append(s);
      let fetched = 'fetched';
      try {
        await fetch('http://example.invalid/x.gz');
      } catch {
        fetched = 'refused';
      }
      return { inline: (globalThis as unknown as { inlineRan?: boolean }).inlineRan ?? false, fetched };
    });
    expect(blocked).toEqual({ inline: false, fetched: 'refused' });
    await expect
      .poll(() => violations(page))
      .toEqual([
        { directive: 'script-src-elem', blocked: 'inline' },
        { directive: 'connect-src', blocked: 'http://example.invalid/x.gz' },
      ]);
    expect(requests.filter((u) => u.includes('example.invalid'))).toEqual([]);
    await context.close();
  });

  it('refuses a load-from-URL address the policy would block, saying why, without a request', async () => {
    const { context, page, requests } = await recordedPage(inject('plainUrl'));
    await page.click('#from-url summary');
    await page.fill('#url-0', 'http://example.invalid/train-images-idx3-ubyte.gz');
    await page.fill('#url-1', 'javascript:alert(1)');
    await page.click('#url-button');
    await expect
      .poll(() => page.textContent('#data-error'))
      .toMatch(
        /example\.invalid\/train-images-idx3-ubyte\.gz: plain http:\/\/ addresses are only fetched from this page's own server or from localhost/,
      );
    const text = (await page.textContent('#data-error')) ?? '';
    expect(text).toMatch(/javascript:alert\(1\): only http:\/\/ and https:\/\/ addresses can be fetched/);
    expect(await page.getAttribute('#data-status', 'data-source')).toBe('demo');
    expect(requests.filter((u) => !u.startsWith(new URL(inject('plainUrl')).origin))).toEqual([]);
    expect(await violations(page)).toEqual([]);
    await context.close();
  });

  it('refuses bad URL parameters with a message and keeps the preset values (?epochs=-3&lr=abc&preset=evil)', async () => {
    const { context, page } = await recordedPage(
      inject('plainUrl') + '?epochs=-3&lr=abc&preset=evil&learning_rate=abc&layers=784-x-10',
    );
    const text = (await page.textContent('#config-error')) ?? '';
    expect(await page.isVisible('#config-error')).toBe(true);
    expect(text).toMatch(/preset "evil", which is not one of tp, .*; using tp/);
    expect(text).toMatch(/Epochs \(epochs\) must be from 1 to 100000, got -3; the preset's value is used/);
    expect(text).toMatch(/unknown setting "lr"; it was ignored/);
    expect(text).toMatch(/Learning rate \(learning_rate\) must be a number above 0 and at most 1000000, got "abc"/);
    expect(text).toMatch(/Layer sizes \(layers\) must be/);
    // The preset's own values are in the form, and the address no longer carries the refused ones.
    expect(await page.inputValue('#preset')).toBe('tp');
    expect(await page.inputValue('#field-epochs')).toBe('30');
    expect(await page.inputValue('#field-learning_rate')).toBe('0.001');
    expect(await page.inputValue('#field-layers')).toBe('784-128-64-10');
    const search = new URL(page.url()).searchParams;
    expect(search.get('preset')).toBe('tp');
    for (const k of ['epochs', 'lr', 'learning_rate', 'layers']) expect(search.has(k), k).toBe(false);
    await shot(page, 'url-params-refused');
    await context.close();
  });
});
