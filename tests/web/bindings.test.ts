// The hand-written API contract (web/core/engine.d.ts) against the real modules: every member
// it declares exists on both builds, and each answers with the declared kind of value.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Session } from '../../web/core/engine';
import { BUILDS, digits, engineFor, root } from './helpers';

const dts = readFileSync(join(root, 'web', 'core', 'engine.d.ts'), 'utf8');

/** Member names declared in `interface <name> ... { ... }` (methods and properties). */
function membersOf(name: string): string[] {
  const start = dts.search(new RegExp(`interface ${name}\\b[^{]*\\{`));
  expect(start, `interface ${name} in engine.d.ts`).toBeGreaterThanOrEqual(0);
  const body = dts.slice(dts.indexOf('{', start) + 1);
  let depth = 1;
  let end = 0;
  for (; end < body.length && depth > 0; ++end) {
    if (body[end] === '{') depth++;
    else if (body[end] === '}') depth--;
  }
  const names: string[] = [];
  for (const line of body.slice(0, end - 1).split('\n')) {
    const m = /^\s{2}(\w+)\s*[(:]/.exec(line); // members sit at one indent; comments start with * or /
    if (m) names.push(m[1]);
  }
  return names;
}

const sessionMembers = membersOf('Session');
const engineMembers = membersOf('Engine');

it('engine.d.ts declares the members this suite knows how to call', () => {
  // If this fails, engine.d.ts changed: extend the calls below (and embind.cpp) to match.
  expect(sessionMembers.sort()).toEqual(
    [
      'augmentPreview',
      'batchLosses',
      'clearSlot',
      'configure',
      'delete',
      'describeIdx',
      'evaluate',
      'exportModel',
      'exportNpz',
      'featureMaps',
      'importModel',
      'inspect',
      'predict',
      'sampleImages',
      'sampleLabels',
      'setDataset',
      'train',
    ].sort(),
  );
  expect(engineMembers.sort()).toEqual(
    ['Session', 'maxThreads', 'memoryStats', 'presets', 'settingsSchema', 'version'].sort(),
  );
});

describe.each(BUILDS)('%s build', (build) => {
  const live: Session[] = [];
  afterAll(() => live.splice(0).forEach((s) => s.delete()));

  it('has every Engine member of engine.d.ts', async () => {
    const engine = await engineFor(build);
    for (const name of engineMembers)
      expect(typeof (engine as unknown as Record<string, unknown>)[name], name).toBe('function');
    expect(engine.version()).toMatch(/^\d+\.\d+\.\d+/);
    const presets = JSON.parse(engine.presets());
    expect(presets.map((p: { name: string }) => p.name)).toContain('tp');
    for (const p of presets) expect(Object.keys(p).sort()).toEqual(['config', 'description', 'name', 'source']);
    const settings = JSON.parse(engine.settingsSchema());
    expect(settings.map((s: { key: string }) => s.key).sort()).toEqual(Object.keys(presets[0].config).sort());
    expect(engine.maxThreads()).toBe(build === 'st' ? 1 : 4); // pool of 3 workers + the calling thread
    const memory = JSON.parse(engine.memoryStats());
    expect(memory.ok).toBe(true);
    for (const key of ['heap_bytes', 'allocated_bytes', 'arena_bytes', 'workers_in_use'])
      expect(typeof memory[key], key).toBe('number');
  });

  it('has every Session member of engine.d.ts, each answering with the declared kind of value', async () => {
    const engine = await engineFor(build);
    const s = new engine.Session();
    live.push(s);
    for (const name of sessionMembers)
      expect(typeof (s as unknown as Record<string, unknown>)[name], name).toBe('function');

    // With nothing loaded every call fails politely: JSON with ok:false and a message, or empty bytes.
    const failure = (text: string) => {
      const j = JSON.parse(text);
      expect(j.ok).toBe(false);
      expect(typeof j.error).toBe('string');
      expect(j.error.length).toBeGreaterThan(0);
    };
    const empty = new Uint8Array(0);
    failure(s.describeIdx('none.idx', empty));
    failure(s.setDataset('train', 'a', empty, 'b', empty));
    failure(s.setDataset('nope' as 'train', 'a', empty, 'b', empty));
    // Clearing an empty slot is fine, and leaves no model; a slot that is not one is refused.
    expect(JSON.parse(s.clearSlot('test'))).toEqual({ ok: true, has_model: false });
    failure(s.clearSlot('nope' as 'test'));
    expect(s.sampleImages('train', 0, 4)).toBeInstanceOf(Uint8Array);
    expect(s.sampleImages('train', 0, 4).length).toBe(0);
    expect(s.sampleLabels('test', 0, 4)).toBeInstanceOf(Uint8Array);
    failure(s.configure('{"preset":"tp"}', ''));
    failure(s.train(1));
    expect(s.batchLosses()).toBeInstanceOf(Float32Array);
    expect(s.batchLosses().length).toBe(0); // a failed train trained nothing
    failure(s.evaluate('test', false));
    failure(s.evaluate('bogus' as 'test', false));
    failure(s.predict(new Float32Array(784)));
    failure(s.exportModel());
    failure(s.importModel('{', 'broken.json'));
    expect(s.exportNpz()).toBeInstanceOf(Uint8Array);
    expect(s.exportNpz().length).toBe(0);
    failure(s.inspect('{}', '[1]', '[1]', 0.1));
    // An object, not JSON text: the bytes come back as one copy.
    const preview = s.augmentPreview('{"augment":true}', 0, 1, 0, 1);
    expect(preview.ok).toBe(false);
    expect(preview.ok ? '' : preview.error).toMatch(/no training data/);
    const maps = s.featureMaps(new Float32Array(784));
    expect(maps.ok ? '' : maps.error).toMatch(/^no model: /);
  });

  it("gives a convnet's feature maps as one Float32Array per conv and pool layer", async () => {
    const engine = await engineFor(build);
    const s = new engine.Session();
    live.push(s);
    expect(JSON.parse(s.setDataset('train', 'i', digits.trainImages(), 'l', digits.trainLabels())).ok).toBe(true);
    const run = JSON.parse(s.configure('{"preset":"tfjs-example","layers":[784,"conv5x3","pool2s1",10]}', ''));
    expect(run.ok, run.error).toBe(true);
    const maps = s.featureMaps(new Float32Array(784).fill(0.5));
    if (!maps.ok) throw new Error(maps.error);
    expect(maps.layers.map(({ values: _, ...shape }) => shape)).toEqual([
      { layer: 'conv5x3', kind: 'conv', rows: 24, cols: 24, channels: 3 },
      { layer: 'pool2s1', kind: 'pool', rows: 23, cols: 23, channels: 3 },
    ]);
    expect(maps.layers[0].values).toBeInstanceOf(Float32Array);
    expect(maps.layers[0].values.length).toBe(24 * 24 * 3);
    expect(maps.layers[1].values.length).toBe(23 * 23 * 3);
    // After ReLU: none negative, and an even grey input lights some filter.
    expect(Math.min(...maps.layers[0].values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...maps.layers[0].values)).toBeGreaterThan(0);
    const refused = s.featureMaps(new Float32Array(10));
    expect(refused.ok ? '' : refused.error).toBe('featureMaps: got 10 values but the model has 784 inputs');
  });
});
