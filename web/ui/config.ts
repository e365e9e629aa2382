// The training settings as the page shows them and as the URL carries them: the fields
// (label, kind, allowed range, help), built from the engine's settings table
// (cpp/core/settings.h, handed over by the worker at start-up), and the codec between a
// configuration and a query string. A shared link holds the preset plus only the fields that
// differ from it, e.g.
//   ?preset=tp&batch_size=32&epochs=2
// URL values are checked like file contents: an unknown key or an out-of-range value is
// refused with a message naming it, never passed on to the engine; the ranges are the
// engine's own, so the page refuses exactly what the engine would. No DOM here.
import type { LayerEntry, PresetInfo, SettingSchema, TrainConfig } from '../shared/protocol';
import { VIEW_KEYS } from './view-params';

/** URL keys that are not training settings: the build, the test hook, the view (web/ui/view-params.ts). */
export const PAGE_KEYS: readonly string[] = ['build', 'debug', ...VIEW_KEYS];

type Key = keyof TrainConfig;

export interface Field {
  key: Key;
  label: string;
  kind: 'layers' | 'enum' | 'int' | 'number' | 'bool';
  options?: string[];
  /** Inclusive bounds; for layers, of each size. */
  min?: number;
  max?: number;
  /** Exclusive bounds (learning rate > 0, momentum < 1). */
  above?: number;
  below?: number;
  /** layers: how many sizes at least, and what the last must be. */
  minCount?: number;
  last?: number;
  /** layers: the words conv and pool layers start with (the engine's, from its table). */
  layerPrefixes?: string[];
  step?: string;
  help?: string;
}

/** The rules tying the activations to their place and to the loss, from the same table. */
export interface ActivationRules {
  /** Every activation, and those a layer before the output may have. */
  all: string[];
  beforeOutput: string[];
  losses: string[];
  /** The output activation a loss needs, when it needs one. */
  requiredOutput: Record<string, string>;
}

/** The page's fields, in the engine's order; filled by useSettingsSchema once the engine has started. */
export const FIELDS: Field[] = [];
let rules: ActivationRules | null = null;
const byKey = new Map<string, Field>();

/** The fields for a settings table: the preset is not one (the page has its own chooser). */
export function fieldsFromSchema(schema: SettingSchema[]): Field[] {
  const fields: Field[] = [];
  for (const s of schema) {
    const base = { key: s.key, label: s.label, help: s.help };
    const bounds = {
      ...(s.min !== undefined ? (s.min_exclusive ? { above: s.min } : { min: s.min }) : {}),
      ...(s.max !== undefined ? (s.max_exclusive ? { below: s.max } : { max: s.max }) : {}),
    };
    switch (s.type) {
      case 'text':
        break;
      case 'layers':
        fields.push({
          ...base,
          kind: 'layers',
          ...bounds,
          minCount: s.min_count,
          last: s.last,
          layerPrefixes: s.layer_prefixes ?? [],
        });
        break;
      case 'enum':
        fields.push({ ...base, kind: 'enum', options: s.values ?? [] });
        break;
      case 'bool':
        fields.push({ ...base, kind: 'bool' });
        break;
      case 'int':
        fields.push({ ...base, kind: 'int', ...bounds });
        break;
      case 'number':
        fields.push({ ...base, kind: 'number', ...bounds, step: 'any' });
        break;
      case 'seed':
        // The engine takes any 64-bit seed; a JavaScript number is exact only up to 2^53 - 1,
        // and a link must reproduce its run exactly.
        fields.push({
          ...base,
          kind: 'int',
          min: s.min ?? 0,
          max: Math.min(s.max ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
        });
        break;
    }
  }
  return fields;
}

export function rulesFromSchema(schema: SettingSchema[]): ActivationRules {
  const find = (key: string) => schema.find((s) => s.key === key);
  const output = find('output'),
    hidden = find('hidden'),
    loss = find('loss');
  if (!output?.values || !hidden?.values || !loss?.values)
    throw new Error("the engine's settings table has no activations or losses");
  return {
    all: output.values,
    beforeOutput: hidden.values,
    losses: loss.values,
    requiredOutput: loss.required_output ?? {},
  };
}

let loaded: () => void = () => {};
/** Resolves once useSettingsSchema has installed a table (for parts of the page that may be
 *  shown before the engine has started, such as an embed opening the inspector). */
export const settingsLoaded: Promise<void> = new Promise((resolve) => (loaded = resolve));

/** Installs the engine's settings table: FIELDS and the activation rules derive from it. */
export function useSettingsSchema(schema: SettingSchema[]): void {
  FIELDS.splice(0, FIELDS.length, ...fieldsFromSchema(schema));
  byKey.clear();
  for (const f of FIELDS) byKey.set(f.key, f);
  rules = rulesFromSchema(schema);
  loaded();
}

/** The activation rules of the installed table (useSettingsSchema first). */
export function activationRules(): ActivationRules {
  if (!rules) throw new Error('the settings table is not loaded yet (useSettingsSchema)');
  return rules;
}

function fields(): Field[] {
  if (!FIELDS.length) throw new Error('the settings table is not loaded yet (useSettingsSchema)');
  return FIELDS;
}

/** The text a field shows (and a URL carries) for a value. */
export function formatValue(field: Field, value: unknown): string {
  if (field.kind === 'layers') return (value as LayerEntry[]).join('-');
  if (field.kind === 'bool') return value ? '1' : '0';
  return String(value);
}

/** "from 1 to 64", "at least 0 and below 1", "above 0": a field's range in words. */
export function rangeText(field: Field): string {
  const low =
    field.above !== undefined ? `above ${field.above}` : field.min !== undefined ? `at least ${field.min}` : '';
  const high =
    field.below !== undefined ? `below ${field.below}` : field.max !== undefined ? `at most ${field.max}` : '';
  if (field.min !== undefined && field.max !== undefined) return `from ${field.min} to ${field.max}`;
  return [low, high].filter(Boolean).join(' and ');
}

const inRange = (field: Field, n: number) =>
  !(
    (field.min !== undefined && n < field.min) ||
    (field.above !== undefined && n <= field.above) ||
    (field.max !== undefined && n > field.max) ||
    (field.below !== undefined && n >= field.below)
  );

/** Parses one field's text; a message names the field and says what is allowed. */
export function parseValue(field: Field, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const name = `${field.label} (${field.key})`;
  const t = text.trim();
  switch (field.kind) {
    case 'layers': {
      const parts = t.split(/[-,\s]+/).filter(Boolean);
      // Conv and pool layers (conv5x8, pool2) after the inputs are passed on by name: the
      // engine's settings table checks them and names the layer that does not fit. Any other
      // word is no layer at all and is refused here, in the field's own words. Which words start
      // a layer is the engine's rule, handed over with its table.
      const named = (p: string, i: number) => i > 0 && (field.layerPrefixes ?? []).some((w) => p.startsWith(w));
      const value = parts.map((p, i) => (named(p, i) ? p : Number(p)));
      const sizes = value.filter((v): v is number => typeof v === 'number');
      const last = field.last !== undefined ? `, the last ${field.last}` : '';
      if (
        sizes.length < (field.minCount ?? 1) ||
        typeof value[value.length - 1] !== 'number' ||
        sizes.some((n) => !Number.isInteger(n) || !inRange(field, n)) ||
        (field.last !== undefined && sizes[sizes.length - 1] !== field.last)
      )
        return {
          ok: false,
          error: `${name} must be at least ${field.minCount ?? 1} whole numbers ${rangeText(field)} separated by "-"${last}, got "${t.slice(0, 40)}"`,
        };
      return { ok: true, value };
    }
    case 'enum':
      if (!field.options!.includes(t))
        return { ok: false, error: `${name} must be one of ${field.options!.join(', ')}, got "${t.slice(0, 40)}"` };
      return { ok: true, value: t };
    case 'bool':
      if (['1', 'true', 'yes', 'on'].includes(t)) return { ok: true, value: true };
      if (['0', 'false', 'no', 'off'].includes(t)) return { ok: true, value: false };
      return { ok: false, error: `${name} must be 1 or 0, got "${t.slice(0, 40)}"` };
    case 'int':
    case 'number': {
      const n = t === '' ? NaN : Number(t);
      const range = rangeText(field);
      if (!Number.isFinite(n) || (field.kind === 'int' && !Number.isInteger(n)))
        return {
          ok: false,
          error: `${name} must be ${field.kind === 'int' ? 'a whole number' : 'a number'} ${range}, got "${t.slice(0, 40)}"`,
        };
      if (!inRange(field, n)) return { ok: false, error: `${name} must be ${range}, got ${n}` };
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
  fields();
  const params = new URLSearchParams(query);
  const errors: string[] = [];
  let preset = presets[0]?.name ?? 'tp';
  const wanted = params.get('preset');
  if (wanted !== null) {
    if (presets.some((p) => p.name === wanted)) preset = wanted;
    else
      errors.push(
        `The link asks for preset "${wanted.slice(0, 40)}", which is not one of ${presets.map((p) => p.name).join(', ')}; using ${preset}.`,
      );
  }
  const overrides: Partial<TrainConfig> = {};
  for (const [key, text] of params) {
    if (key === 'preset' || PAGE_KEYS.includes(key)) continue;
    const field = byKey.get(key);
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
export function queryFromConfig(
  preset: PresetInfo,
  config: TrainConfig,
  keep: URLSearchParams = new URLSearchParams(),
): string {
  const params = new URLSearchParams();
  params.set('preset', preset.name);
  for (const field of fields()) {
    const value = config[field.key];
    if (!same(value, preset.config[field.key])) params.set(field.key, formatValue(field, value));
  }
  for (const k of PAGE_KEYS) if (keep.has(k)) params.set(k, keep.get(k)!);
  return params.toString();
}

/** Short labels for the settings in which `config` differs from `base` (to name runs). */
export function differences(base: TrainConfig, config: TrainConfig): string[] {
  return fields()
    .filter((f) => !same(base[f.key], config[f.key]))
    .map((f) => `${f.key}=${formatValue(f, config[f.key])}`);
}
