#!/usr/bin/env node
// Configures, builds and (with `test`) runs the native C++ suite through CMake/CTest.
//   node scripts/native.mjs build [--asan]   → build/ (or build-asan/: ASan + UBSan, with the
//                                             libFuzzer targets of tests/fuzz, see scripts/fuzz.mjs)
//   node scripts/native.mjs test  [--asan]
//   node scripts/native.mjs build --arch=native   → build-native/: compiled for this machine's
//                                             CPU (CMake's DIGITRAIN_ARCH; build/ is portable)
// Importable: `nativeBuild({ asan, arch })` names the directory and the CMake configure
// arguments of each build, so scripts/fuzz.mjs and bench/run.mjs configure them the same way.
import { execSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The build directory (relative to the repository) and CMake configure arguments of one build.
 * @param {{ asan?: boolean, arch?: string }} [options] asan: clang + ASan + UBSan + the fuzz
 *   targets (RelWithDebInfo); arch: a -march value (CMake's DIGITRAIN_ARCH) instead of the default.
 * @returns {{ dir: string, args: string[] }}
 */
export function nativeBuild({ asan = false, arch } = {}) {
  if (asan && arch) throw new Error('native build: --asan and --arch cannot be combined');
  if (asan) {
    return {
      dir: 'build-asan',
      args: [
        '-DCMAKE_BUILD_TYPE=RelWithDebInfo',
        '-DCMAKE_CXX_COMPILER=clang++-14',
        '-DDIGITRAIN_SANITIZE=ON',
        '-DDIGITRAIN_FUZZ=ON',
      ],
    };
  }
  if (arch !== undefined && !/^[\w.-]+$/.test(arch))
    throw new Error(`native build: --arch=${arch} is not a -march value`);
  return {
    dir: arch ? `build-${arch}` : 'build',
    args: ['-DCMAKE_BUILD_TYPE=Release', ...(arch ? [`-DDIGITRAIN_ARCH=${arch}`] : [])],
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [command = 'build', ...flags] = process.argv.slice(2);
  const arch = flags.find((f) => f.startsWith('--arch='))?.slice('--arch='.length);
  const unknown = flags.filter((f) => f !== '--asan' && !f.startsWith('--arch='));
  if (!['build', 'test'].includes(command) || unknown.length) {
    console.error(
      `native.mjs: unknown ${unknown.length ? `option ${unknown.join(' ')}` : `command ${command}`} (build|test [--asan | --arch=A])`,
    );
    process.exit(2);
  }
  const { dir, args } = nativeBuild({ asan: flags.includes('--asan'), arch });
  const sh = (/** @type {string} */ cmd) => execSync(cmd, { stdio: 'inherit', cwd: root });
  sh(`cmake -S . -B ${dir} ${args.join(' ')} > /dev/null`);
  sh(`cmake --build ${dir} -j${Math.max(2, availableParallelism())}`);
  if (command === 'test') sh(`ctest --test-dir ${dir} --output-on-failure -j2`);
}
