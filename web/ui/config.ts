// The training settings as the page shows them and as the URL carries them: one table of
// fields (label, kind, allowed range), and the codec between a configuration and a query
// string. A shared link holds the preset plus only the fields that differ from it, e.g.
//   ?preset=tp&batch_size=32&epochs=2
// URL values are checked like file contents: an unknown key or an out-of-range value is
// refused with a message naming it, never passed on to the engine. No DOM here.
import type { PresetInfo, TrainConfig } from '../shared/protocol';
import { VIEW_KEYS } from './view-params';

/** URL keys that are not training settings: the build, the test hook, the view (web/ui/view-params.ts). */
export const PAGE_KEYS: readonly string[] = ['build', 'debug', ...VIEW_KEYS];

type Key = keyof TrainConfig;

export interface Field {
  key: Key;
  label: string;
  kind: 'layers' | 'enum' | 'int' | 'number' | 'bool';
  options?: string[];
  min?: number;
  max?: number;
  /** Exclusive lower bound (learning rate > 0). */
  above?: number;
  step?: string;
  help?: string;
}

const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'identity', 'softmax'];

export const FIELDS: Field[] = [
  { key: 'layers', label: 'Layer sizes', kind: 'layers', help: 'input-hidden…-output, e.g. 784-128-64-10' },
  { key: 'hidden', label: 'Hidden activation', kind: 'enum', options: ACTIVATIONS.filter((a) => a !== 'softmax') },
  { key: 'output', label: 'Output activation', kind: 'enum', options: ACTIVATIONS },
  { key: 'loss', label: 'Loss', kind: 'enum', options: ['cross-entropy', 'mse', 'squared-error'] },
  { key: 'bias', label: 'Biases', kind: 'bool' },
  { key: 'init', label: 'Weight init', kind: 'enum', options: ['normal-sqrt-n', 'uniform', 'xavier', 'xavier-blog', 'he'] },
  { key: 'init_scale', label: 'Uniform init half-width', kind: 'number', above: 0, max: 10, step: 'any' },
  { key: 'reduction', label: 'Batch gradient', kind: 'enum', options: ['sum', 'mean'], help: 'sum (δw = aᵀ·e) or mean over the batch' },
  { key: 'optimizer', label: 'Optimiser', kind: 'enum', options: ['sgd', 'momentum', 'adam'] },
  { key: 'learning_rate', label: 'Learning rate', kind: 'number', above: 0, max: 1000, step: 'any' },
  { key: 'momentum', label: 'Momentum', kind: 'number', min: 0, max: 1, step: 'any' },
  { key: 'beta1', label: 'Adam β1', kind: 'number', min: 0, max: 1, step: 'any' },
  { key: 'beta2', label: 'Adam β2', kind: 'number', min: 0, max: 1, step: 'any' },
  { key: 'epsilon', label: 'Adam ε', kind: 'number', above: 0, max: 1, step: 'any' },
  { key: 'batch_size', label: 'Batch size', kind: 'int', min: 0, max: 1_000_000, help: '1 = one sample per step, 0 = the whole training set' },
  { key: 'epochs', label: 'Epochs', kind: 'int', min: 1, max: 100_000 },
  { key: 'shuffle', label: 'Shuffle every epoch', kind: 'bool', help: 'off: every epoch in file order' },
  { key: 'validation', label: 'Validation samples', kind: 'int', min: 0, max: 10_000_000, help: 'the last K training samples, held out' },
  { key: 'limit', label: 'Training subset', kind: 'int', min: 0, max: 10_000_000, help: 'first N training samples (0 = all)' },
  { key: 'test_limit', label: 'Test subset', kind: 'int', min: 0, max: 10_000_000, help: 'first N test samples (0 = all)' },
  { key: 'l2', label: 'L2 (λ)', kind: 'number', min: 0, max: 100, step: 'any' },
  { key: 'dropout', label: 'Dropout', kind: 'number', min: 0, max: 0.99, step: 'any' },
  { key: 'anneal_on_rise', label: 'Anneal lr when the cost rises', kind: 'bool' },
  { key: 'anneal_factor', label: 'Anneal factor', kind: 'number', above: 0, max: 1, step: 'any' },
  { key: 'step_decay_every', label: 'Step decay every N epochs', kind: 'int', min: 0, max: 100_000, help: '0 = off' },
  { key: 'step_decay_factor', label: 'Step decay factor', kind: 'number', above: 0, max: 1, step: 'any' },
  { key: 'seed', label: 'Seed', kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER },
  { key: 'threads', label: 'Threads', kind: 'int', min: 1, max: 64 },
];

const byKey = new Map(FIELDS.map((f) => [f.key, f]));

/** The text a field shows (and a URL carries) for a value. */
export function formatValue(field: Field, value: unknown): string {
  if (field.kind === 'layers') return (value as number[]).join('-');
  if (field.kind === 'bool') return value ? '1' : '0';
  return String(value);
}

/** Parses one field's text; a message names the field and says what is allowed. */
export function parseValue(field: Field, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const name = `${field.label} (${field.key})`;
  const t = text.trim();
  switch (field.kind) {
    case 'layers': {
      const parts = t.split(/[-,\s]+/).filter(Boolean);
      const sizes = parts.map(Number);
      if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 100_000))
        return { ok: false, error: `${name} must be at least two whole numbers from 1 to 100000 separated by "-", got "${t.slice(0, 40)}"` };
      return { ok: true, value: sizes };
    }
    case 'enum':
      if (!field.options!.includes(t)) return { ok: false, error: `${name} must be one of ${field.options!.join(', ')}, got "${t.slice(0, 40)}"` };
      return { ok: true, value: t };
    case 'bool':
      if (['1', 'true', 'yes', 'on'].includes(t)) return { ok: true, value: true };
      if (['0', 'false', 'no', 'off'].includes(t)) return { ok: true, value: false };
      return { ok: false, error: `${name} must be 1 or 0, got "${t.slice(0, 40)}"` };
    case 'int':
    case 'number': {
      const n = t === '' ? NaN : Number(t);
      const range = `${field.above !== undefined ? `above ${field.above}` : `from ${field.min}`} to ${field.max}`;
      if (!Number.isFinite(n) || (field.kind === 'int' && !Number.isInteger(n)))
        return { ok: false, error: `${name} must be ${field.kind === 'int' ? 'a whole number' : 'a number'} ${range}, got "${t.slice(0, 40)}"` };
      if ((field.min !== undefined && n < field.min) || (field.above !== undefined && n <= field.above) || (field.max !== undefined && n > field.max))
        return { ok: false, error: `${name} must be ${range}, got ${n}` };
      return { ok: true, value: n };
    }
  }
}

export interface UrlConfig {
  preset: string;
  overrides: Partial<TrainConfig>;
  errors: string[];
}

/** Reads `?preset=…&key=value…`; refused values are left out and reported. */
export function configFromQuery(query: string, presets: PresetInfo[]): UrlConfig {
  const params = new URLSearchParams(query);
  const errors: string[] = [];
  let preset = presets[0]?.name ?? 'tp';
  const wanted = params.get('preset');
  if (wanted !== null) {
    if (presets.some((p) => p.name === wanted)) preset = wanted;
    else errors.push(`The link asks for preset "${wanted.slice(0, 40)}", which is not one of ${presets.map((p) => p.name).join(', ')}; using ${preset}.`);
  }
  const overrides: Partial<TrainConfig> = {};
  for (const [key, text] of params) {
    if (key === 'preset' || PAGE_KEYS.includes(key)) continue;
    const field = byKey.get(key as Key);
    if (!field) {
      errors.push(`The link has an unknown setting "${key.slice(0, 40)}"; it was ignored.`);
      continue;
    }
    const r = parseValue(field, text);
    if (r.ok) (overrides as Record<string, unknown>)[key] = r.value;
    else errors.push(`The link's ${r.error}; the preset's value is used.`);
  }
  return { preset, overrides, errors };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The query string for a configuration: the preset and the fields that differ from it. */
export function queryFromConfig(preset: PresetInfo, config: TrainConfig, keep: URLSearchParams = new URLSearchParams()): string {
  const params = new URLSearchParams();
  params.set('preset', preset.name);
  for (const field of FIELDS) {
    const value = config[field.key];
    if (!same(value, preset.config[field.key])) params.set(field.key, formatValue(field, value));
  }
  for (const k of PAGE_KEYS) if (keep.has(k)) params.set(k, keep.get(k)!);
  return params.toString();
}

/** Short labels for the settings in which `config` differs from `base` (to name runs). */
export function differences(base: TrainConfig, config: TrainConfig): string[] {
  return FIELDS.filter((f) => !same(base[f.key], config[f.key])).map((f) => `${f.key}=${formatValue(f, config[f.key])}`);
}
