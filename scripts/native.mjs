#!/usr/bin/env node
// Configures, builds and (with `test`) runs the native C++ suite through CMake/CTest.
//   node scripts/native.mjs build [--asan]   → build/ (or build-asan/: ASan + UBSan, with the
//                                             libFuzzer targets of tests/fuzz, see scripts/fuzz.mjs)
//   node scripts/native.mjs test  [--asan]
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [command = 'build', ...flags] = process.argv.slice(2);
const asan = flags.includes('--asan');
const dir = asan ? 'build-asan' : 'build';
const configure = asan
  ? `cmake -S . -B ${dir} -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 -DDIGITRAIN_SANITIZE=ON -DDIGITRAIN_FUZZ=ON -DDIGITRAIN_NATIVE_ARCH=OFF`
  : `cmake -S . -B ${dir} -DCMAKE_BUILD_TYPE=Release`;

const sh = (cmd) => execSync(cmd, { stdio: 'inherit', cwd: root });
sh(`${configure} > /dev/null`);
sh(`cmake --build ${dir} -j${Math.max(2, (await import('node:os')).availableParallelism())}`);
if (command === 'test') sh(`ctest --test-dir ${dir} --output-on-failure -j2`);
