// Debian's Chromium, headless, through playwright-core (never a downloaded browser): the e2e specs
// (tests/e2e/browser.ts) and the benchmark (bench/run.mjs) launch the same browser the same way.
import { chromium } from 'playwright-core';

/** @param {string} [executablePath] the browser to run (the benchmark lets BENCH_CHROMIUM name another) */
export function launchChromium(executablePath = '/usr/bin/chromium') {
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
