// The page's settings fields are built from the engine's settings table (web/ui/config.ts):
// they refuse exactly what the engine refuses, worded with the page's labels, in the form and
// in a link; the inspector's choices and rules come from the same table.
import { beforeAll, describe, expect, it } from 'vitest';
import type { SettingSchema } from '../../../web/core/session';
import type { PresetInfo, TrainConfig } from '../../../web/shared/protocol';
import {
  activationRules,
  configFromQuery,
  FIELDS,
  fieldsFromSchema,
  parseValue,
  type Field,
} from '../../../web/ui/config';
import { EXAMPLES, inspectorActivations, inspectorLosses, structureError } from '../../../web/ui/inspector-model';
import { installEngineSettings } from './settings-schema';

let schema: SettingSchema[] = [];
beforeAll(async () => {
  schema = await installEngineSettings();
});

const field = (key: string): Field => {
  const f = FIELDS.find((x) => x.key === key);
  if (!f) throw new Error(`no field ${key}`);
  return f;
};
const accepts = (key: string, text: string) => parseValue(field(key), text).ok;

describe('fields built from the engine settings table', () => {
  it('has one field per setting but the preset, with the engine labels and help', () => {
    expect(FIELDS.map((f) => f.key)).toEqual(schema.filter((s) => s.key !== 'preset').map((s) => s.key));
    for (const f of FIELDS) {
      const s = schema.find((x) => x.key === f.key)!;
      expect(f.label).toBe(s.label);
      expect(f.help).toBe(s.help);
      if (s.type === 'enum') expect(f.options).toEqual(s.values);
    }
  });

  it('refuses momentum 1 and a 100,000-unit layer, as the engine does', () => {
    expect(accepts('momentum', '1')).toBe(false);
    expect(accepts('momentum', '0.999')).toBe(true);
    expect(accepts('momentum', '0')).toBe(true);
    expect(parseValue(field('momentum'), '1')).toEqual({
      ok: false,
      error: 'Momentum (momentum) must be at least 0 and below 1, got 1',
    });
    expect(accepts('layers', '784-100000-10')).toBe(false);
    expect(accepts('layers', '784-65536-10')).toBe(true);
    expect(accepts('layers', '784-65537-10')).toBe(false);
    expect(accepts('layers', '784-30-9')).toBe(false);
    expect(parseValue(field('layers'), '784-conv5x8-pool2-10')).toEqual({
      ok: true,
      value: [784, 'conv5x8', 'pool2', 10],
    });
    expect(accepts('layers', 'conv5x8-784-10')).toBe(false);
    expect(accepts('layers', '784-dense5-10')).toBe(false);
    expect(accepts('layers', '784-10-pool2')).toBe(false);
    expect(accepts('hidden', 'softmax')).toBe(false);
    expect(accepts('output', 'softmax')).toBe(true);
  });

  it("lets through by name exactly the layers the engine's table names", () => {
    const layers = schema.find((s) => s.key === 'layers')!;
    expect(layers.layer_prefixes).toEqual(['conv', 'pool']);
    expect(field('layers').layerPrefixes).toEqual(layers.layer_prefixes);
    // The rule is the table's: a table naming only conv layers makes pool2 an unknown word.
    const convOnly = fieldsFromSchema(schema.map((s) => (s.key === 'layers' ? { ...s, layer_prefixes: ['conv'] } : s)));
    const layersField = convOnly.find((f) => f.key === 'layers')!;
    expect(parseValue(layersField, '784-conv5x8-10').ok).toBe(true);
    expect(parseValue(layersField, '784-conv5x8-pool2-10').ok).toBe(false);
  });

  it('probes every bound of the table from both sides', () => {
    let probed = 0;
    for (const s of schema) {
      if (s.type !== 'int' && s.type !== 'number') continue;
      const step = (x: number, up: boolean) =>
        s.type === 'int'
          ? x + (up ? 1 : -1)
          : up
            ? x + Math.max(Math.abs(x), 1) * 1e-9
            : x - Math.max(Math.abs(x), 1) * 1e-9;
      for (const [bound, exclusive, outward] of [
        [s.min, s.min_exclusive, false],
        [s.max, s.max_exclusive, true],
      ] as const) {
        if (bound === undefined) continue;
        const inside = step(bound, !outward),
          outside = step(bound, outward);
        expect(accepts(s.key, String(bound)), `${s.key} = ${bound}`).toBe(!exclusive);
        expect(
          accepts(s.key, String(exclusive ? inside : outside)),
          `${s.key} just ${exclusive ? 'inside' : 'outside'} ${bound}`,
        ).toBe(!!exclusive);
        probed++;
      }
    }
    expect(probed).toBeGreaterThanOrEqual(25);
  });

  it('reports a bad link value in the page words', () => {
    const tp = { name: 'tp', source: '', description: '', config: {} as TrainConfig } as PresetInfo;
    const r = configFromQuery('?preset=tp&momentum=1&layers=784-100000-10', [tp]);
    expect(r.overrides).toEqual({});
    expect(r.errors).toEqual([
      "The link's Momentum (momentum) must be at least 0 and below 1, got 1; the preset's value is used.",
      'The link\'s Layer sizes (layers) must be at least 2 whole numbers from 1 to 65536 separated by "-", the last 10, got "784-100000-10"; the preset\'s value is used.',
    ]);
  });

  it('gives the inspector the engine activations, losses and rules', () => {
    expect(inspectorActivations()).toEqual(schema.find((s) => s.key === 'output')!.values);
    expect(inspectorLosses()).toEqual(schema.find((s) => s.key === 'loss')!.values);
    expect(activationRules().beforeOutput).not.toContain('softmax');
    const lab = EXAMPLES[0].network;
    expect(structureError({ ...lab, activations: ['softmax', 'sigmoid'] })).toMatch(
      /^Activation of layer 1: softmax is only allowed on the output layer/,
    );
    expect(structureError({ ...lab, loss: 'cross-entropy' })).toMatch(
      /^Loss: cross-entropy needs a softmax output, but the activation of layer 2 is sigmoid/,
    );
  });
});
