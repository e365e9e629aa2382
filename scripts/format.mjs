#!/usr/bin/env node
// Formats the repository, or checks that it is formatted: TypeScript, JavaScript and CSS with
// Prettier (.prettierrc, .prettierignore), C++ with clang-format-14 (.clang-format).
//   node scripts/format.mjs           rewrite the files            (npm run format)
//   node scripts/format.mjs --check   list the files that differ   (npm run format:check)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const clangFormat = 'clang-format-14'; // Debian's package of the same name (scripts/setup.mjs)
const prettierFiles = '**/*.{ts,mts,cts,js,mjs,cjs,css}';
const cppFile = /\.(cpp|cc|h|hpp)$/;

/** @param {string} cmd @param {string[]} args */
function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) return { ok: false, output: `cannot run ${cmd}: ${r.error.message}` };
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

/** The C++ files git knows of (committed or not ignored), relative to the repository. */
function cppFiles() {
  const r = run('git', ['ls-files', '--cached', '--others', '--exclude-standard']);
  if (!r.ok) throw new Error(`git ls-files failed: ${r.output}`);
  return r.output.split('\n').filter((f) => cppFile.test(f));
}

/**
 * Formats (or, with check, checks) each language; one result per tool.
 * @param {{ check?: boolean }} [options]
 * @returns {{ tool: string, ok: boolean, output: string }[]}
 */
function format({ check = false } = {}) {
  const prettier = run('npx', [
    'prettier',
    ...(check ? ['--list-different'] : ['--write', '--log-level=warn']),
    prettierFiles,
  ]);
  const clang = run(clangFormat, [...(check ? ['--dry-run', '--Werror'] : ['-i']), ...cppFiles()]);
  // clang-format reports every differing line; a list of the files is what a person needs.
  const clangFiles = [...new Set([...clang.output.matchAll(/^(.+?):\d+:\d+: (?:error|warning):/gm)].map((m) => m[1]))];
  return [
    {
      tool: 'prettier',
      ...prettier,
      output: check && !prettier.ok ? `not formatted:\n${prettier.output}` : prettier.output,
    },
    {
      tool: clangFormat,
      ...clang,
      output: check && clangFiles.length ? `not formatted:\n${clangFiles.join('\n')}` : clang.output,
    },
  ];
}

const check = process.argv.includes('--check');
const results = format({ check });
for (const { tool, ok, output } of results) {
  if (output) console.log(`${tool}: ${output}`);
  if (!ok) console.error(`${tool}: ${check ? 'files are not formatted (npm run format)' : 'failed'}`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
