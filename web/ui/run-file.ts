// The portable run file: one JSON file holding a finished run — its settings, the
// per-epoch curves, every batch's training loss, the final confusion matrix on the test
// digits, what data it saw, and the model itself (the engine's digitrain-model file, with
// weights) — that a student can hand in, and that the page opens again to show the same
// plots and draw with the same model.
//
//   { "format": "digitrain-run", "version": 1, "created": "…", "engine": {…}, "preset": "tp",
//     "config": {…}, "data": {…}, "history": [{epoch, train_loss, …}, …],
//     "batch_losses": [..], "batch_loss_every": 1, "confusion": {split, count, error, loss, matrix},
//     "model": { "format": "digitrain-model", … } }
//
// parseRunFile() checks a file like the engine checks its inputs: a wrong or foreign file is
// refused with a message naming the file and the problem; the model inside is checked again
// by the engine when it is loaded. No DOM here.
import { EPOCH_MEASURES, type EpochMetrics, type Evaluation, type TrainConfig } from '../shared/protocol';
import { FIELDS, formatValue, parseValue } from './config';

export const RUN_FORMAT = 'digitrain-run';
export const RUN_VERSION = 1;
/** Larger files are refused before parsing (a full-MNIST model is ~1–5 MB). */
export const MAX_RUN_BYTES = 200 * 1024 * 1024;
/** Longer loss curves are stored as means of `batch_loss_every` consecutive batches. */
export const MAX_LOSSES = 200_000;

export interface RunConfusion {
  split: 'test' | 'validation' | 'train';
  count: number;
  error: number | null;
  loss: number | null;
  /** matrix[true][predicted]. */
  matrix: number[][];
}

export interface RunFile {
  format: typeof RUN_FORMAT;
  version: number;
  created: string;
  engine: { version: string; build: string } | null;
  preset: string;
  config: TrainConfig;
  data: {
    source: string;
    train: { count: number; images: string; labels: string };
    test: { count: number; images: string; labels: string } | null;
  } | null;
  history: EpochMetrics[];
  batch_losses: number[];
  batch_loss_every: number;
  confusion: RunConfusion | null;
  /** The engine's model file, parsed. */
  model: Record<string, unknown>;
}

export interface RunParts {
  preset: string;
  config: TrainConfig;
  history: EpochMetrics[];
  losses: readonly number[];
  evaluation: Evaluation | null;
  modelJson: string;
  engine: { version: string; build: string } | null;
  data: RunFile['data'];
  now?: Date;
}

const round = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(7)) : null);

/** Builds the run file from what the page holds. */
export function makeRunFile(p: RunParts): RunFile {
  let every = 1;
  let losses = p.losses as number[];
  if (losses.length > MAX_LOSSES) {
    every = Math.ceil(losses.length / MAX_LOSSES);
    const binned: number[] = [];
    for (let i = 0; i < losses.length; i += every) {
      const part = losses.slice(i, i + every).filter(Number.isFinite);
      binned.push(part.length ? part.reduce((a, b) => a + b, 0) / part.length : NaN);
    }
    losses = binned;
  }
  return {
    format: RUN_FORMAT,
    version: RUN_VERSION,
    created: (p.now ?? new Date()).toISOString(),
    engine: p.engine,
    preset: p.preset,
    config: p.config,
    data: p.data,
    history: p.history,
    batch_losses: losses.map(round) as number[],
    batch_loss_every: every,
    confusion: p.evaluation
      ? {
          split: p.evaluation.split,
          count: p.evaluation.count,
          error: p.evaluation.error,
          loss: p.evaluation.loss,
          matrix: p.evaluation.confusion,
        }
      : null,
    model: JSON.parse(p.modelJson) as Record<string, unknown>,
  };
}

/** A file name a student can hand in: digitrain-run-tp-seed1-2025-01-31.json. */
export function runFileName(run: Pick<RunFile, 'preset' | 'config' | 'created'>): string {
  const safe = (s: string) => s.replace(/[^a-zA-Z0-9_-]+/g, '-').slice(0, 40);
  return `digitrain-run-${safe(run.preset)}-seed${run.config.seed}-${run.created.slice(0, 10)}.json`;
}

export type Parsed = { ok: true; run: RunFile } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kindOf = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;

/** What the first bytes say a non-JSON file is. */
function sniff(text: string): string {
  if (text.startsWith('PK')) return 'a ZIP archive (an .npz or .zip?)';
  if (text.startsWith('\u001f\u008b') || text.startsWith('\u001f\ufffd')) return 'a gzip file (MNIST data?)';
  if (text.startsWith('\u0089PNG') || text.startsWith('\ufffdPNG')) return 'a PNG image';
  if (/^\s*</.test(text)) return 'HTML or XML';
  if (/^[^\n]*,[^\n]*\n/.test(text)) return 'CSV text (an exported curve?)';
  return '';
}

/** Checks a run file's text; `name` is the file's name for the messages. */
export function parseRunFile(text: string, name: string): Parsed {
  const fail = (problem: string): Parsed => ({ ok: false, error: `${name} ${problem}` });
  if (text.length === 0) return fail('is empty: it is not a digitrain run file.');
  if (text.length > MAX_RUN_BYTES)
    return fail(
      `is ${Math.round(text.length / 2 ** 20)} MB, larger than any digitrain run file (at most ${MAX_RUN_BYTES / 2 ** 20} MB).`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const what = sniff(text);
    return fail(
      `is not a digitrain run file: ${what ? `it looks like ${what}` : `it is not JSON (${(e as Error).message})`}.`,
    );
  }
  if (!isObject(value)) return fail(`is not a digitrain run file: it holds ${kindOf(value)}, not an object.`);
  const v = value;
  if (v.format === 'digitrain-model')
    return fail('is a digitrain model file (weights only), not a run: open it with "Load model…" instead.');
  if (v.format !== RUN_FORMAT) {
    const keys = Object.keys(v).slice(0, 6).join(', ');
    return fail(
      typeof v.format === 'string'
        ? `is a "${String(v.format).slice(0, 40)}" file, not a digitrain run file ("format": "${RUN_FORMAT}").`
        : `is not a digitrain run file: it has no "format": "${RUN_FORMAT}" (its keys: ${keys || 'none'}).`,
    );
  }
  if (typeof v.version !== 'number' || !Number.isInteger(v.version) || v.version < 1)
    return fail(`has no valid "version" (got ${JSON.stringify(v.version)?.slice(0, 20)}).`);
  if (v.version > RUN_VERSION)
    return fail(
      `is a run file of version ${v.version}, made by a newer digitrain; this page reads version ${RUN_VERSION}. Open it with a newer digitrain.`,
    );

  if (typeof v.preset !== 'string') return fail('has no "preset" name.');
  if (!isObject(v.config)) return fail(`has no settings ("config" is ${kindOf(v.config)}).`);
  for (const field of FIELDS) {
    if (!(field.key in v.config)) return fail(`has settings without "${field.key}" (${field.label}).`);
    const raw = v.config[field.key];
    const typeOk =
      field.kind === 'layers'
        ? Array.isArray(raw)
        : field.kind === 'bool'
          ? typeof raw === 'boolean'
          : field.kind === 'enum'
            ? typeof raw === 'string'
            : typeof raw === 'number';
    const r = typeOk ? parseValue(field, formatValue(field, raw)) : null;
    if (!r || !r.ok)
      return fail(`has a bad setting: ${r && !r.ok ? r.error : `${field.label} (${field.key}) is ${kindOf(raw)}`}.`);
  }

  if (!Array.isArray(v.history)) return fail(`has no per-epoch curves ("history" is ${kindOf(v.history)}).`);
  for (const [i, m] of v.history.entries()) {
    if (!isObject(m) || typeof m.epoch !== 'number' || !Number.isInteger(m.epoch) || m.epoch < 1)
      return fail(`has a bad curve point: history[${i}] has no epoch number.`);
    for (const k of EPOCH_MEASURES)
      if (m[k] !== undefined && m[k] !== null && (typeof m[k] !== 'number' || !Number.isFinite(m[k])))
        return fail(
          `has a bad curve point: history[${i}].${k} is ${JSON.stringify(m[k])?.slice(0, 20)}, not a number.`,
        );
  }

  if (
    v.batch_losses !== undefined &&
    (!Array.isArray(v.batch_losses) || v.batch_losses.some((x) => x !== null && typeof x !== 'number'))
  )
    return fail('has a bad loss curve: "batch_losses" must be a list of numbers.');
  const every = v.batch_loss_every ?? 1;
  if (typeof every !== 'number' || !Number.isInteger(every) || every < 1)
    return fail('has a bad "batch_loss_every" (a whole number ≥ 1).');

  if (v.confusion !== undefined && v.confusion !== null) {
    const c = v.confusion;
    if (!isObject(c) || !Array.isArray(c.matrix))
      return fail('has a bad confusion matrix: "confusion.matrix" is missing.');
    const n = c.matrix.length;
    const square = c.matrix.every(
      (row) => Array.isArray(row) && row.length === n && row.every((x) => Number.isInteger(x) && (x as number) >= 0),
    );
    if (!n || !square)
      return fail(`has a bad confusion matrix: it must be ${n || 10}×${n || 10} counts (whole numbers ≥ 0).`);
  }

  if (!isObject(v.model)) return fail(`has no model ("model" is ${kindOf(v.model)}).`);
  if (v.model.format !== 'digitrain-model')
    return fail('has a "model" that is not a digitrain model file ("format": "digitrain-model").');

  return {
    ok: true,
    run: {
      ...(v as unknown as RunFile),
      batch_losses: (v.batch_losses as number[] | undefined)?.map((x) => (x === null ? NaN : x)) ?? [],
      batch_loss_every: every,
      confusion: (v.confusion as RunConfusion | undefined) ?? null,
      engine: (v.engine as RunFile['engine']) ?? null,
      data: (v.data as RunFile['data']) ?? null,
    },
  };
}

/** The loss curve as the loss chart takes it: binned values repeated to their batch count. */
export function expandLosses(run: Pick<RunFile, 'batch_losses' | 'batch_loss_every'>): number[] {
  if (run.batch_loss_every <= 1) return run.batch_losses;
  return run.batch_losses.flatMap((x) => Array<number>(run.batch_loss_every).fill(x));
}

/** Whether a text is a run file (to route a dropped or loaded .json). */
export function looksLikeRun(text: string): boolean {
  return /^\s*\{[\s\S]{0,200}"format"\s*:\s*"digitrain-run"/.test(text.slice(0, 400));
}
