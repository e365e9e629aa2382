// The page and the worker type-check under TypeScript's strict settings (Vite only strips
// types, so nothing else would notice a wrong field name crossing the worker protocol).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('TypeScript', () => {
  for (const project of ['tests/e2e/tsconfig.page.json', 'tests/e2e/tsconfig.worker.json']) {
    it(`${project} has no type errors`, () => {
      const r = spawnSync('npx', ['tsc', '-p', project, '--noEmit'], { cwd: root, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
      expect(r.status).toBe(0);
    }, 120_000);
  }
});
