// ESLint for the TypeScript and JavaScript of the repository (npm run lint). Formatting is
// Prettier's business (eslint-config-prettier turns off the rules it would fight with), and
// names are tsc's (npm run typecheck reports unknown ones in .ts and, through checkJs, in
// .js/.mjs), so `no-undef` is off.
// The page's and the worker's TypeScript (web/) gets the type-aware rules too, which catch
// floating promises and `any` leaking across the worker protocol; they need the type checker,
// so elsewhere (tests, scripts, benchmarks) the syntactic rules keep lint quick.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', 'build/', 'build-*/', 'public/wasm/', 'public/data/', 'test-results/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['web/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    rules: {
      'no-undef': 'off',
      // `_name` marks an argument a signature requires but the body does not use; a rest
      // sibling (`const { ok: _, ...rest } = r`) is how an object is copied without a key.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' },
      ],
    },
  },
  {
    // Emscripten's --pre-js files are pasted into the CommonJS glue, where require() is the way in.
    files: ['cpp/bindings/*.pre.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
