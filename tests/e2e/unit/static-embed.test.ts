// Node tests of the logic that needs no browser: the view parameters, the settings
// codec leaving them alone, the Share links, the run file (building, checking, refusing),
// the single-thread line, and the build's service worker and path check.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { absoluteUrls, buildVersion, listFiles, serviceWorkerSource } from '../../../scripts/static-site';
import type { EpochMetrics, PresetInfo, TrainConfig } from '../../../web/shared/protocol';
import { configFromQuery, queryFromConfig } from '../../../web/ui/config';
import { singleThreadReason } from '../../../web/ui/isolation';
import { expandLosses, looksLikeRun, makeRunFile, parseRunFile, runFileName } from '../../../web/ui/run-file';
import { shareLinks } from '../../../web/ui/share';
import { viewFromQuery, visibleSections } from '../../../web/ui/view-params';
import { TP_CONFIG } from '../../web/helpers';
import { installEngineSettings } from './settings-schema';

// The page's fields come from the engine's settings table, as in the page.
beforeAll(async () => {
  await installEngineSettings();
});

const config: TrainConfig = TP_CONFIG;
const presets: PresetInfo[] = [{ name: 'tp', source: 'TP', description: 'the TP', config }];
const metrics = (epoch: number): EpochMetrics => ({
  epoch,
  train_loss: 1 / epoch,
  train_error: 0.2 / epoch,
  validation_loss: null,
  validation_error: null,
  test_loss: 1.1 / epoch,
  test_error: 0.25 / epoch,
  learning_rate: 0.001,
  seconds: 1,
  samples_per_second: 8000,
});
const model = { format: 'digitrain-model', version: 1, loss: 'cross-entropy', layers: [], history: [] };

describe('view parameters', () => {
  it('reads panels (with aliases), compact, theme, embed, and trains by itself without the train panel', () => {
    const v = viewFromQuery('?panels=draw&compact=1&theme=dark&embed=1');
    expect(v).toMatchObject({
      panels: ['draw'],
      compact: 'on',
      theme: 'dark',
      embed: true,
      autotrain: true,
      errors: [],
    });
    expect(viewFromQuery('?panels=train,plots,confusion').panels).toEqual(['train', 'plot', 'understand']);
    expect(viewFromQuery('?panels=train+plot').autotrain).toBe(false);
    expect(viewFromQuery('').panels).toBeNull();
    expect(viewFromQuery('').compact).toBe('auto');
  });

  it('names what it refuses', () => {
    const v = viewFromQuery('?panels=draw,graphs&theme=pink&embed=maybe');
    expect(v.panels).toEqual(['draw']);
    expect(v.errors.join('\n')).toMatch(/panel "graphs", which is not one of data, settings, train, plot, draw/);
    expect(v.errors.join('\n')).toMatch(/theme must be one of light, dark, auto, got "pink"/);
    expect(v.errors.join('\n')).toMatch(/embed must be 1 or 0, got "maybe"/);
  });

  it('maps panels to the page sections', () => {
    const v = visibleSections(['plot', 'inspector']);
    expect([...v.sections].sort()).toEqual(['train', 'understand']);
    expect(v).toMatchObject({ trainControls: false, plots: true, understandAll: false });
  });

  it('are not training settings: the settings codec keeps them and reports nothing', () => {
    const r = configFromQuery('?preset=tp&panels=draw&compact=1&theme=dark&embed=1&autotrain=0&epochs=2', presets);
    expect(r.errors).toEqual([]);
    expect(r.overrides).toEqual({ epochs: 2 });
    const q = queryFromConfig(presets[0], { ...config, epochs: 2 }, new URLSearchParams('panels=draw&embed=1&junk=1'));
    expect(q).toBe('preset=tp&epochs=2&panels=draw&embed=1');
  });
});

describe('Share', () => {
  it('links the exact configuration with the seed, from a sub-path, keeping the view but not embed', () => {
    const s = shareLinks(
      'https://example.edu/courses/ml/digitrain/index.html?preset=tp&panels=draw&embed=1&debug',
      presets[0],
      { ...config, batch_size: 32 },
    );
    expect(s.app).toBe('https://example.edu/courses/ml/digitrain/');
    expect(s.link).toBe('https://example.edu/courses/ml/digitrain/?preset=tp&batch_size=32&panels=draw&seed=1');
    expect(s.iframe).toContain(
      'src="https://example.edu/courses/ml/digitrain/?preset=tp&amp;batch_size=32&amp;panels=draw&amp;seed=1&amp;embed=1"',
    );
    expect(s.iframe).toContain('allow="cross-origin-isolated; clipboard-write"');
    expect(s.element).toBe(
      '<script src="https://example.edu/courses/ml/digitrain/embed.js"></script><digitrain-trainer preset="tp" batch_size="32" panels="draw" seed="1"></digitrain-trainer>',
    );
  });

  it('round-trips through the settings codec', () => {
    const changed = { ...config, learning_rate: 0.03, layers: [784, 30, 10], seed: 99, bias: true };
    const s = shareLinks('http://h/', presets[0], changed);
    const back = configFromQuery(new URL(s.link).search, presets);
    expect({ ...config, ...back.overrides }).toEqual(changed);
  });
});

describe('the run file', () => {
  const parts = {
    preset: 'tp',
    config,
    history: [metrics(1), metrics(2)],
    losses: [2.3, 1.9, 1.2, NaN],
    evaluation: {
      split: 'test' as const,
      count: 3,
      loss: 0.5,
      error: 1 / 3,
      confusion: Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j && i < 3 ? 1 : 0))),
    },
    modelJson: JSON.stringify(model),
    engine: { version: '0.1.0', build: 'mt' },
    data: null,
    now: new Date('2025-03-01T10:00:00Z'),
  };

  it('holds everything, round-trips, and is named for handing in', () => {
    const run = makeRunFile(parts);
    const text = JSON.stringify(run);
    expect(looksLikeRun(text)).toBe(true);
    expect(looksLikeRun(JSON.stringify(model))).toBe(false);
    const r = parseRunFile(text, 'run.json');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.run.history).toEqual(parts.history);
    expect(r.run.confusion?.matrix).toEqual(parts.evaluation.confusion);
    expect(r.run.model).toEqual(model);
    expect(expandLosses(r.run).slice(0, 3)).toEqual([2.3, 1.9, 1.2]);
    expect(Number.isNaN(expandLosses(r.run)[3])).toBe(true);
    expect(runFileName(run)).toBe('digitrain-run-tp-seed1-2025-03-01.json');
  });

  it('bins very long loss curves and expands them back to their batch count', () => {
    const run = makeRunFile({ ...parts, losses: Array.from({ length: 450_000 }, (_, i) => (i % 3) + 1) });
    expect(run.batch_loss_every).toBe(3);
    expect(run.batch_losses.length).toBe(150_000);
    expect(run.batch_losses[0]).toBe(2);
    expect(expandLosses(run).length).toBe(450_000);
  });

  it('refuses wrong and foreign files, naming the file and the problem', () => {
    const good = makeRunFile(parts);
    const bad = (text: string) => {
      const r = parseRunFile(text, 'x.json');
      return r.ok ? 'accepted' : r.error;
    };
    expect(bad('')).toBe('x.json is empty: it is not a digitrain run file.');
    expect(bad('PK\u0003\u0004...')).toMatch(/^x\.json is not a digitrain run file: it looks like a ZIP archive/);
    expect(bad('{"format": "digitrain-run", ')).toMatch(/^x\.json is not a digitrain run file: it is not JSON \(/);
    expect(bad('[1,2]')).toBe('x.json is not a digitrain run file: it holds an array, not an object.');
    expect(bad(JSON.stringify(model))).toMatch(/is a digitrain model file .*"Load model…"/);
    expect(bad(JSON.stringify({ format: 'keras' }))).toMatch(/is a "keras" file, not a digitrain run file/);
    expect(bad(JSON.stringify({ ...good, version: 2 }))).toMatch(
      /version 2, made by a newer digitrain; this page reads version 1/,
    );
    expect(bad(JSON.stringify({ ...good, config: undefined }))).toMatch(/has no settings \("config" is a undefined\)/);
    expect(bad(JSON.stringify({ ...good, config: { ...config, layers: undefined } }))).toMatch(
      /settings without "layers"/,
    );
    expect(bad(JSON.stringify({ ...good, config: { ...config, optimizer: 'rmsprop' } }))).toMatch(
      /Optimiser \(optimizer\) must be one of sgd, momentum, adam, adadelta, got "rmsprop"/,
    );
    expect(bad(JSON.stringify({ ...good, history: [{ train_loss: 1 }] }))).toMatch(/history\[0\] has no epoch number/);
    expect(bad(JSON.stringify({ ...good, history: [{ epoch: 1, test_error: 'low' }] }))).toMatch(
      /history\[0\]\.test_error is "low", not a number/,
    );
    expect(bad(JSON.stringify({ ...good, confusion: { matrix: [[1, 2], [3]] } }))).toMatch(/bad confusion matrix/);
    expect(bad(JSON.stringify({ ...good, model: { format: 'onnx' } }))).toMatch(
      /"model" that is not a digitrain model file/,
    );
    expect(bad(JSON.stringify({ ...good, batch_losses: 'many' }))).toMatch(/bad loss curve/);
  });
});

describe('the single-thread line', () => {
  it('says why and what to do, once per cause', () => {
    const at = (status: string, detail = '') =>
      singleThreadReason({ status, detail, framed: false, swActive: false } as Parameters<
        typeof singleThreadReason
      >[0]);
    expect(at('embedded')).toMatch(
      /^the page is not cross-origin isolated here \(the page it is embedded in is not isolated\), so training runs on one core\. For threads: open it in its own tab.*allow="cross-origin-isolated"\.$/,
    );
    expect(at('embedded', 'no-allow')).toMatch(
      /\(its iframe has no allow="cross-origin-isolated"\).*add allow="cross-origin-isolated" to the iframe\.$/,
    );
    expect(at('no-service-worker')).toMatch(
      /serve digitrain with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp\.$/,
    );
    expect(at('insecure')).toMatch(/plain http.*publish it over https/);
    expect(at('sw-failed', 'quota exceeded')).toMatch(/could not start: quota exceeded\)/);
    expect(at('isolated')).toBeNull();
    expect(singleThreadReason(null)).toBeNull();
    for (const s of [
      'embedded',
      'insecure',
      'no-service-worker',
      'sw-blocked',
      'sw-failed',
      'sw-slow',
      'sw-no-isolation',
      'reload-failed',
    ])
      expect(at(s)!.includes('\n')).toBe(false);
  });
});

describe('the build: service worker and relative paths', () => {
  it('lists every file, versions them by content, and fills the worker template', () => {
    const dir = mkdtempSync(join(tmpdir(), 'digitrain-site-'));
    mkdirSync(join(dir, 'wasm', 'st'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<p>v1</p>');
    writeFileSync(join(dir, 'wasm', 'st', 'engine.wasm'), 'bytes');
    const files = listFiles(dir);
    expect(files).toEqual(['index.html', 'wasm/st/engine.wasm']);
    const v1 = buildVersion(dir, files);
    expect(v1).toMatch(/^[0-9a-f]{16}$/);
    writeFileSync(join(dir, 'index.html'), '<p>v2</p>');
    expect(buildVersion(dir, files)).not.toBe(v1);
    const sw = serviceWorkerSource(
      v1,
      files,
      "const VERSION = '__DIGITRAIN_VERSION__';\nconst FILES = __DIGITRAIN_FILES__;",
    );
    expect(sw).toBe(`const VERSION = "${v1}";\nconst FILES = [\n "index.html",\n "wasm/st/engine.wasm"\n];`);
  });

  it('finds absolute paths that would break on a sub-path', () => {
    expect(absoluteUrls('<script src="/assets/a.js"></script><link href="./b.css"><a href="//cdn.example/x">')).toEqual(
      ['/assets/a.js'],
    );
  });
});
