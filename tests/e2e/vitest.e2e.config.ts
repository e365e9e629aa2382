// Vitest config for the page's tests, in two projects:
//   - unit:    Node tests of the page logic (tests/e2e/unit), no browser;
//   - browser: Playwright specs (tests/e2e/*.test.ts). Their global setup builds the app
//              with Vite's JS API, serves it with Vite's preview twice (with and without
//              the cross-origin isolation headers), and the specs drive Debian's Chromium.
// Run with  npx vitest run -c tests/e2e/vitest.e2e.config.ts  (add --project unit for the quick half).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root,
  test: {
    projects: [
      {
        test: { name: 'unit', root, include: ['tests/e2e/unit/**/*.test.ts'] },
      },
      {
        test: {
          name: 'browser',
          root,
          include: ['tests/e2e/*.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          // One browser at a time: the machine has 2 cores and the threaded build wants both.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
