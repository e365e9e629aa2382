// Shared Vitest settings for the Node suites. tests/web: the WebAssembly engine (both builds)
// under Node, after `npm run build:wasm`. Other suites add their own `include` entries here
// (or keep their own config, like tests/e2e/vitest.e2e.config.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['tests/web/**/*.test.ts'],
    // Loading the threaded build starts its pthread pool; a training run takes seconds on the
    // 2-core CI machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files run in separate workers; two engines training at once on 2 cores distort the
    // timings some tests print, so one file at a time.
    fileParallelism: false,
  },
});
