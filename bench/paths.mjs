// `npm run bench -- --presets --paths`: what each optimiser path adds to a training step of the
// same network. The `best` preset's network (784-256-128-10 ReLU + softmax, batch 64) trains
// with plain SGD and no biases, then with one thing changed at a time: biases, momentum, Adam,
// L2, dropout, and all of best's own settings at once. The variants take turns within each
// repetition (round-robin, back to back), so a change in the machine's load touches them alike.
// Each variant's cost is its time per sample against plain SGD's from the same repetition
// (median and range of those ratios over the repetitions), beside its samples/s.
//
// A repetition's figure is, by default, the fastest epoch's samples/s of 2 + E epochs (--epochs,
// default 12, of the first --limit 4,000 digits) less the first 2, as the CLI times each epoch:
// start-up and the first epochs (reading the data, compiling and tiering up the wasm) are left
// out. On the 2-core VM this was written on, even idle, a run's epochs go at two speeds (plain
// SGD in x86-64-v2: ~50k and ~65k samples/s, switching within and between runs), so a figure
// from one short run lands on either: the fastest of 8 epochs including the first two (the
// figure before) moved a variant's cost by ±30 % between idle repetitions, and so did the
// median epoch (--median) and CPU time (--cpu: GNU time's user + system time of 2 + E epochs
// less that of 2, one thread; the subtraction carries the start-up's own variation). The
// fastest of 12 steady epochs lands on the fast speed far more often; still, for effects of a
// few %, give --reps 7 or more, or compare per-function profiles (perf record -e cpu-clock).
//
//   v2       build-x86-64-v2/digitrain train (SSE4.2: the same 128-bit vectors as wasm)
//   wasm     build-wasm/node/digitrain.js train under Node (`npm run cli`), the engine the
//            page runs, compiled for Node: the issue's optimiser-path targets are stated for it
//   native   build-native/digitrain train (-march=native)
// each implementation's figures beside the others' (and their ratios).
//
// Options (after --presets --paths): --data DIR, --limit N, --reps N, --epochs E, --load,
// --no-build, as for --presets; --threads LIST (default 1); --impl LIST: native,v2,wasm
// (default v2,wasm); --cli A,B: these CLIs instead of the builds (a `.js` one runs under
// Node), each variant on each in turn (a build before and after a change, back to back);
// --median: the median epoch after the first 2 instead; --cpu: samples per CPU second.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeBuild } from '../scripts/native.mjs';
import { nativeCliSteps, runCommand } from './lib/command.mjs';
import { jsonLines, note } from './lib/groups.mjs';
import { trainingFiles } from './lib/training-files.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Plain SGD on best's network; each variant is these flags plus its own.
const base = [
  ['--layers', '784,256,128,10'],
  ['--hidden', 'relu'],
  ['--output', 'softmax'],
  ['--loss', 'cross-entropy'],
  ['--init', 'he'],
  ['--reduction', 'mean'],
  ['--batch', '64'],
  ['--lr', '0.05'],
  ['--optimizer', 'sgd'],
  ['--bias', 'false'],
  ['--dropout', '0'],
  ['--l2', '0'],
  ['--shuffle', 'true'],
].flat();

/** @type {[string, string[]][]} */
const variants = [
  ['sgd', []],
  ['+ biases', ['--bias', 'true']],
  ['+ momentum 0.9', ['--optimizer', 'momentum', '--momentum', '0.9']],
  ['+ adam', ['--optimizer', 'adam', '--lr', '0.001']],
  ['+ l2 1e-4', ['--l2', '0.0001']],
  ['+ dropout 0.2', ['--dropout', '0.2']],
  ['best (all of them)', ['--bias', 'true', '--optimizer', 'momentum', '--momentum', '0.9', '--dropout', '0.2']],
];

// Where each implementation's CLI is, and how it is built.
const impls = {
  native: nativeImpl('native'),
  v2: nativeImpl('x86-64-v2'),
  wasm: {
    cli: 'build-wasm/node/digitrain.js',
    /** @returns {[string, string[]][]} */
    steps: () => [['npm', ['run', '--silent', 'build:wasm', '--', '--quiet', '--target=digitrain_node']]],
  },
};

/** @param {string} arch a -march value */
function nativeImpl(arch) {
  const build = nativeBuild({ arch });
  return { cli: join(build.dir, 'digitrain'), steps: () => nativeCliSteps(build) };
}

/** @param {string} message @returns {never} */
function fatal(message) {
  console.error(`bench --presets --paths: ${message}`);
  process.exit(2);
}

/** @param {number[]} xs */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** @param {string[]} argv */
export async function runPaths(argv) {
  const opts = {
    dir: '',
    limit: NaN,
    reps: 3,
    epochs: NaN,
    load: false,
    threads: [1],
    build: true,
    clis: [''],
    impls: ['v2', 'wasm'],
    cpu: false,
    median: false,
  };
  opts.clis = [];
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split('=');
    const value = () => inline ?? argv[++i] ?? '';
    if (key === '--presets' || key === '--paths') continue;
    else if (key === '--data') opts.dir = value();
    else if (key === '--limit') opts.limit = Number(value());
    else if (key === '--reps') opts.reps = Number(value());
    else if (key === '--epochs') opts.epochs = Number(value());
    else if (key === '--load') opts.load = true;
    else if (key === '--threads') opts.threads = value().split(',').map(Number);
    else if (key === '--no-build') opts.build = false;
    else if (key === '--cli') opts.clis = value().split(',');
    else if (key === '--impl') opts.impls = value().split(',');
    else if (key === '--cpu') opts.cpu = true;
    else if (key === '--median') opts.median = true;
    else fatal(`unknown option ${argv[i]} (see the top of bench/paths.mjs)`);
  }
  if (!(Number.isInteger(opts.reps) && opts.reps >= 3)) fatal('--reps must be a whole number, at least 3');
  if (!opts.threads.every((t) => Number.isInteger(t) && t >= 1)) fatal('--threads: whole numbers from 1, e.g. 1,2');
  if (opts.cpu && opts.median) fatal('--cpu and --median exclude each other');
  // Spinning threads burn CPU time while they wait: CPU time per sample means something on one.
  if (opts.cpu && opts.threads.some((t) => t > 1)) fatal('--cpu measures one thread: give --threads 1');
  if (Number.isNaN(opts.epochs)) opts.epochs = 12;
  if (!(Number.isInteger(opts.epochs) && opts.epochs >= 1)) fatal('--epochs must be a whole number, at least 1');
  if (opts.cpu && !existsSync('/usr/bin/time')) fatal('--cpu needs /usr/bin/time (GNU time)');

  const unknownImpl = opts.impls.filter((i) => !(i in impls));
  if (unknownImpl.length) fatal(`--impl: ${unknownImpl.join(', ')} (choose from ${Object.keys(impls).join(', ')})`);
  if (!opts.clis.length)
    for (const name of opts.impls) {
      const impl = impls[/** @type {keyof typeof impls} */ (name)];
      if (opts.build) {
        note(`• build: ${impl.cli}`);
        for (const [cmd, args] of impl.steps()) runCommand(cmd, args);
      }
      opts.clis.push(join(root, impl.cli));
    }
  const clis = opts.clis;
  for (const c of clis) if (!existsSync(c)) fatal(`${c} is missing (build it, or leave out --no-build)`);

  const files = await trainingFiles(opts.dir).catch((e) => fatal(e.message));
  if (Number.isNaN(opts.limit)) opts.limit = opts.dir ? 4000 : 0;

  const spinner = opts.load ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : null;
  const load = loadavg()[0].toFixed(1);
  /** @type {Map<string, number[]>} samples/s per `${threads} ${variant}`, one per repetition */
  const rates = new Map();
  try {
    for (let rep = 0; rep < opts.reps; rep++) {
      for (const threads of opts.threads) {
        for (const [name, flags] of variants)
          for (const cli of clis) {
            /** @param {number} epochs */
            const train = (epochs) => {
              const args = ['train', '--train-images', files.images, '--train-labels', files.labels, ...base, ...flags];
              args.push('--limit', String(opts.limit), '--validation', '0', '--epochs', String(epochs));
              args.push('--threads', String(threads), '--json');
              const command = cli.endsWith('.js') ? [process.execPath, cli] : [cli];
              const [cmd, all] = opts.cpu
                ? ['/usr/bin/time', ['-f', 'cpu %U %S', ...command, ...args]]
                : [command[0], [...command.slice(1), ...args]];
              const r = spawnSync(cmd, all, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
              if (r.status !== 0) fatal(`${cmd} ${all.join(' ')} failed: ${(r.stderr || '').trim()}`);
              const cpu = /^cpu ([\d.]+) ([\d.]+)$/m.exec(r.stderr ?? '');
              return { epochs: jsonLines(r.stdout), cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN };
            };
            const key = `${cli} ${threads} ${name}`;
            let fastest;
            if (opts.cpu) {
              // CPU time, which waiting for a core does not add to: two runs, 2 and 2 + E epochs,
              // so loading the data and starting up cancel out.
              const short = train(2).cpu;
              fastest = (opts.epochs * (opts.limit || 8000)) / (train(2 + opts.epochs).cpu - short);
            } else {
              const steady = train(2 + opts.epochs)
                .epochs.slice(2)
                .map((e) => e.samples_per_second);
              fastest = opts.median ? median(steady) : Math.max(...steady);
            }
            rates.set(key, [...(rates.get(key) ?? []), fastest]);
          }
      }
      note(`  repetition ${rep + 1} of ${opts.reps} done`);
    }
  } finally {
    spinner?.kill();
  }

  const k = (/** @type {number} */ x) => `${(x / 1000).toFixed(x < 10000 ? 1 : 0)}k`;
  const pct = (/** @type {number} */ c) => `${c >= 1 ? '+' : ''}${((c - 1) * 100).toFixed(0)} %`;
  const label = (/** @type {string} */ cli) => cli.replace(`${root}/`, '');
  const out = [
    `Training samples/s of best's network (784-256-128-10, batch 64) per optimiser path,` +
      (opts.cpu
        ? ` per CPU second (the CPU time of ${opts.epochs} more epochs)`
        : ` the ${opts.median ? 'median' : 'fastest'} of ${opts.epochs} epochs after 2`) +
      ` of ${opts.limit ? `the first ${opts.limit}` : 'all'} ${opts.dir ? 'full-MNIST' : 'demo'} digits` +
      ` per repetition, median of ${opts.reps} (min–max); cost: time per sample against plain SGD's (same CLI, same` +
      ` repetition), median (min–max). Load average ${load} at the start${opts.load ? ', one core kept busy (--load)' : ''}.`,
    '',
    '| CLI | path | threads | samples/s | cost vs sgd |',
    '|---|---|--:|--:|--:|',
  ];
  for (const cli of clis)
    for (const threads of opts.threads) {
      const sgd = rates.get(`${cli} ${threads} sgd`) ?? [];
      for (const [name] of variants) {
        const xs = rates.get(`${cli} ${threads} ${name}`) ?? [];
        const costs = xs.map((x, i) => sgd[i] / x);
        const cost =
          name === 'sgd' ? '—' : `${pct(median(costs))} (${pct(Math.min(...costs))} to ${pct(Math.max(...costs))})`;
        out.push(
          `| ${label(cli)} | ${name} | ${threads} | ${k(median(xs))} (${k(Math.min(...xs))}–${k(Math.max(...xs))}) | ${cost} |`,
        );
      }
    }
  for (const cli of clis)
    for (const threads of opts.threads.filter((t) => t > 1)) {
      out.push('');
      out.push(`${label(cli)}: ${threads} threads / 1 thread, median of the same repetitions' ratios:`);
      for (const [name] of variants) {
        const one = rates.get(`${cli} 1 ${name}`);
        const many = rates.get(`${cli} ${threads} ${name}`);
        if (!one || !many) continue;
        out.push(`  ${name.padEnd(20)} ${median(many.map((x, i) => x / one[i])).toFixed(2)}×`);
      }
    }
  if (clis.length > 1) {
    out.push('');
    out.push(`Each CLI against ${label(clis[0])}, samples/s, median of the same repetitions' ratios:`);
    for (const cli of clis.slice(1))
      for (const threads of opts.threads)
        for (const [name] of variants) {
          const a = rates.get(`${clis[0]} ${threads} ${name}`) ?? [];
          const b = rates.get(`${cli} ${threads} ${name}`) ?? [];
          out.push(`  ${label(cli)} ${name} ${threads}T: ${median(b.map((x, i) => x / a[i])).toFixed(2)}×`);
        }
  }
  process.stdout.write(out.join('\n') + '\n');
}
