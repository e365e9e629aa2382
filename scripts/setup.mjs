#!/usr/bin/env node
// Installs what digitrain needs on a fresh Debian 12 machine, and nothing twice:
// Debian packages (as root, through apt) and the npm dependencies (npm ci).
// Used by `npm start`, `npm test` and .ci/run. Only Node built-ins here: it runs before
// node_modules exists.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// package → a file that proves it is installed
const debianPackages = {
  cmake: '/usr/bin/cmake',
  'g++': '/usr/bin/g++',
  'clang-14': '/usr/bin/clang++-14',
  'clang-format-14': '/usr/bin/clang-format-14',
  'libclang-rt-14-dev': '/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a',
  'libgtest-dev': '/usr/include/gtest/gtest.h',
  'libeigen3-dev': '/usr/include/eigen3/Eigen/Core',
  'zlib1g-dev': '/usr/include/zlib.h',
  'nlohmann-json3-dev': '/usr/include/nlohmann/json.hpp',
  emscripten: '/usr/bin/em++',
  chromium: '/usr/bin/chromium',
  'python3-numpy': '/usr/lib/python3/dist-packages/numpy/__init__.py',
};

/** @param {string} cmd */
function run(cmd) {
  console.log(`setup: ${cmd}`);
  execSync(cmd, { stdio: 'inherit', cwd: root, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

export function setup() {
  const missing = Object.entries(debianPackages)
    .filter(([, file]) => !existsSync(file))
    .map(([p]) => p);
  if (missing.length > 0) {
    const sudo = process.getuid && process.getuid() === 0 ? '' : 'sudo ';
    run(`${sudo}apt-get update -qq`);
    run(`${sudo}apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`);
  }
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(stamp) || statSync(stamp).mtimeMs < statSync(lock).mtimeMs) run('npm ci --no-audit --no-fund');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) setup();
