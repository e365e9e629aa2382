// Page security checks that need no browser ("Security of the page"):
//   - no HTML parsing of strings and no code from strings anywhere in web/ (and the page's
//     own scripts in public/, e.g. boot.js): innerHTML,
//     outerHTML, insertAdjacentHTML, document.write, eval, new Function, and string
//     callbacks to setTimeout/setInterval are forbidden outright (the allowlist is empty), so
//     no file- or URL-derived text can ever reach one. Found with TypeScript's scanner, so
//     comments and strings mentioning them do not count;
//   - index.html has its Content-Security-Policy meta tag, first in <head>, and no inline
//     script, inline style or event-handler attribute it would block;
//   - the "Load from URLs" address check (web/ui/url-policy.ts) agrees with that policy;
//   - the inspector's form checks (web/ui/inspector-model.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EXAMPLES,
  modelFile,
  parseNumber,
  parseSizes,
  resizeNetwork,
  structureError,
} from '../../../web/ui/inspector-model';
import { configFromQuery } from '../../../web/ui/config';
import { checkFetchUrl } from '../../../web/ui/url-policy';
import type { PresetInfo, TrainConfig } from '../../../web/shared/protocol';
import { installEngineSettings } from './settings-schema';

// The page's fields come from the engine's settings table, as in the page.
beforeAll(async () => {
  await installEngineSettings();
});

const root = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** `file:line: what` for every forbidden construct in one source file. */
export function forbiddenUses(fileName: string, text: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, /* skipTrivia */ true, ts.LanguageVariant.Standard, text);
  const tokens: { kind: ts.SyntaxKind; text: string; pos: number }[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    // A `/` after an expression is division, elsewhere a regular expression: rescan so a
    // regex literal is one token (as the parser would see it).
    if (kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) {
      const prev = tokens[tokens.length - 1];
      const afterValue =
        prev &&
        [
          ts.SyntaxKind.Identifier,
          ts.SyntaxKind.NumericLiteral,
          ts.SyntaxKind.StringLiteral,
          ts.SyntaxKind.CloseParenToken,
          ts.SyntaxKind.CloseBracketToken,
        ].includes(prev.kind);
      if (!afterValue) kind = scanner.reScanSlashToken();
    }
    if (kind === ts.SyntaxKind.CloseBraceToken) kind = scanner.reScanTemplateToken(false);
    tokens.push({ kind, text: scanner.getTokenText(), pos: scanner.getTokenStart() });
  }
  const out: string[] = [];
  const line = (pos: number) => text.slice(0, pos).split('\n').length;
  const at = (i: number, what: string) => out.push(`${fileName}:${line(tokens[i].pos)}: ${what}`);
  tokens.forEach((t, i) => {
    const prev = tokens[i - 1],
      next = tokens[i + 1];
    if (t.kind !== ts.SyntaxKind.Identifier) return;
    if (['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'srcdoc'].includes(t.text)) at(i, t.text);
    if (t.text === 'eval' && prev?.kind !== ts.SyntaxKind.DotToken) at(i, 'eval');
    if (t.text === 'eval' && prev?.kind === ts.SyntaxKind.DotToken && next?.kind === ts.SyntaxKind.OpenParenToken)
      at(i, '.eval(');
    if (t.text === 'Function' && prev?.kind === ts.SyntaxKind.NewKeyword) at(i, 'new Function');
    if (
      t.text === 'Function' &&
      next?.kind === ts.SyntaxKind.OpenParenToken &&
      prev?.kind !== ts.SyntaxKind.DotToken &&
      prev?.kind !== ts.SyntaxKind.NewKeyword
    )
      at(i, 'Function(');
    if (
      (t.text === 'write' || t.text === 'writeln') &&
      prev?.kind === ts.SyntaxKind.DotToken &&
      tokens[i - 2]?.text === 'document'
    )
      at(i, `document.${t.text}`);
    // setTimeout('code', …): a string callback is eval.
    if (['setTimeout', 'setInterval'].includes(t.text) && next?.kind === ts.SyntaxKind.OpenParenToken) {
      const arg = tokens[i + 2];
      if (
        arg &&
        [ts.SyntaxKind.StringLiteral, ts.SyntaxKind.NoSubstitutionTemplateLiteral, ts.SyntaxKind.TemplateHead].includes(
          arg.kind,
        )
      )
        at(i, `${t.text} with a string`);
    }
  });
  return out;
}

describe('no HTML or code built from strings in web/', () => {
  /** Files allowed to use one of the forbidden constructs, with why. Keep it empty. */
  const ALLOWLIST: Record<string, string> = {};

  it('finds nothing outside the allowlist', () => {
    // web/ and the page's hand-written scripts in public/ (not the generated engine in public/wasm/).
    const files = [
      ...sources(join(root, 'web')),
      ...readdirSync(join(root, 'public'))
        .filter((n) => /\.m?js$/.test(n))
        .map((n) => join(root, 'public', n)),
    ];
    expect(files.length).toBeGreaterThan(10);
    const found = files
      .flatMap((f) => forbiddenUses(relative(root, f), readFileSync(f, 'utf8')))
      .filter((u) => !(u.split(':')[0] in ALLOWLIST));
    expect(found).toEqual([]);
  });

  it('would catch each construct, and ignores comments and strings', () => {
    const bad = [
      'box.innerHTML = name;',
      'el.outerHTML = x;',
      'el.insertAdjacentHTML("beforeend", x);',
      'eval(text);',
      'window.eval(text);',
      'const f = new Function("a", body);',
      'const g = Function("return 1");',
      'document.write(x);',
      "setTimeout('go()', 10);",
      'frame.srcdoc = page;',
    ];
    for (const code of bad) expect(forbiddenUses('x.ts', code), code).toHaveLength(1);
    const fine = [
      '// never innerHTML, never eval(x), never new Function',
      '/* document.write(x) */ const a = 1;',
      'const s = "innerHTML eval( new Function";',
      'const t = `template with innerHTML ${"and"} eval(`;',
      'const r = /innerHTML|eval\\(/.test(s);',
      'box.textContent = name; setTimeout(() => go(), 10); const evaluation = evaluate(x);',
      'const q = a / b / c; // eval(',
    ];
    for (const code of fine) expect(forbiddenUses('x.ts', code), code).toEqual([]);
  });
});

describe('index.html', () => {
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k, v]),
  );

  it('carries a Content-Security-Policy that allows only what the page needs', () => {
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('worker-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toEqual(["'self'", 'https:', 'http://localhost:*', 'http://127.0.0.1:*']);
    expect(directives.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    const sources = [...directives.values()].flat();
    for (const loose of ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", '*', 'http:'])
      expect(sources).not.toContain(loose);
  });

  it('puts the policy before anything it governs is loaded', () => {
    const head = html.slice(html.indexOf('<head>'), html.indexOf('</head>'));
    const meta = head.indexOf('Content-Security-Policy');
    for (const tag of ['<link', '<script', '<style'])
      if (head.includes(tag)) expect(head.indexOf(tag)).toBeGreaterThan(meta);
  });

  it('has no inline script, inline style or event-handler attribute', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc=/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
    expect(html).not.toMatch(/javascript:/i);
  });
});

describe('load-from-URL addresses (web/ui/url-policy.ts)', () => {
  const page = 'http://127.0.0.1:5173/digitrain/?preset=tp';
  it('allows this origin, https anywhere and http from localhost', () => {
    expect(checkFetchUrl('data/train.gz', page)).toEqual({
      ok: true,
      url: 'http://127.0.0.1:5173/digitrain/data/train.gz',
    });
    expect(checkFetchUrl(' https://example.org/mnist/train-images-idx3-ubyte.gz ', page).ok).toBe(true);
    expect(checkFetchUrl('http://localhost:8000/t10k.gz', page).ok).toBe(true);
    expect(checkFetchUrl('http://127.0.0.1:9999/t10k.gz', page).ok).toBe(true);
  });
  it('refuses the rest with a message naming the address', () => {
    const http = checkFetchUrl('http://example.org/train.gz', page);
    expect(http.ok === false && http.error).toMatch(/^http:\/\/example\.org\/train\.gz: plain http:\/\/ .*https:\/\//);
    for (const bad of [
      'javascript:alert(1)',
      'data:application/octet-stream;base64,AAAA',
      'file:///etc/passwd',
      'blob:http://x/1',
    ])
      expect(checkFetchUrl(bad, page)).toMatchObject({
        ok: false,
        error: expect.stringMatching(/only http:\/\/ and https:\/\//),
      });
    expect(checkFetchUrl('http://[bad', page)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/is not a web address/),
    });
  });
});

describe('URL parameters are validated like files (web/ui/config.ts)', () => {
  const tp = {
    name: 'tp',
    source: '',
    description: '',
    config: { preset: 'tp', layers: [784, 128, 64, 10], learning_rate: 0.001, epochs: 30 } as unknown as TrainConfig,
  };
  it('refuses out-of-range and unknown values by name and passes none of them on', () => {
    const r = configFromQuery(
      '?epochs=-3&lr=abc&preset=evil&learning_rate=abc&layers=784-0-10&threads=1e9&bias=maybe',
      [tp as PresetInfo],
    );
    expect(r.preset).toBe('tp');
    expect(r.overrides).toEqual({});
    const text = r.errors.join('\n');
    for (const re of [
      /preset "evil"/,
      /Epochs \(epochs\) must be from 1 to 100000, got -3/,
      /unknown setting "lr"/,
      /learning_rate\) must be a number above 0/,
      /layers\)/,
      /threads\) must be from 0 to 64/,
      /bias\) must be 1 or 0/,
    ])
      expect(text).toMatch(re);
  });
});

describe('inspector form (web/ui/inspector-model.ts)', () => {
  it('names a field that is not a number, and only accepts plain decimals', () => {
    expect(parseNumber('Weight W1[1,1]', ' -0.5 ')).toEqual({ ok: true, value: -0.5 });
    expect(parseNumber('x', '1e-3')).toEqual({ ok: true, value: 0.001 });
    for (const bad of ['abc', '', '0x10', '1,5', 'NaN', 'Infinity', '1e999'])
      expect(parseNumber('Weight W1[2,1]', bad)).toMatchObject({
        ok: false,
        error: expect.stringMatching(/^Weight W1\[2,1\] is not a number/),
      });
  });
  it('checks sizes and structure, and writes the model file the engine reads', () => {
    expect(parseSizes('2-3-2')).toEqual({ ok: true, sizes: [2, 3, 2] });
    expect(parseSizes('2')).toMatchObject({ ok: false });
    expect(parseSizes('2-9-1')).toMatchObject({ ok: false, error: expect.stringMatching(/^Layer sizes must be/) });
    const lab = EXAMPLES[0].network;
    expect(structureError(lab)).toBeNull();
    expect(structureError({ ...lab, loss: 'cross-entropy' })).toMatch(
      /^Loss: cross-entropy needs a softmax output, but the activation of layer 2 is sigmoid/,
    );
    expect(structureError({ ...lab, activations: ['softmax', 'sigmoid'] })).toMatch(/^Activation of layer 1: softmax/);
    // The same file as the committed lab model (which also records an empty history).
    const { history: _, ...labFile } = JSON.parse(
      readFileSync(join(root, 'tests', 'fixtures', 'models', 'lab-2-2-1.json'), 'utf8'),
    );
    expect(JSON.parse(modelFile(lab))).toEqual(labFile);
    expect(JSON.parse(modelFile({ ...lab, bias: false })).layers[0].bias).toBeNull();
  });
  it('keeps every number in its place when the sizes change', () => {
    const grown = resizeNetwork(EXAMPLES[0].network, [2, 3, 1]);
    expect(grown.weights[0]).toEqual([
      [0.3, -0.5, 0],
      [0.8, 0.2, 0],
    ]);
    expect(grown.weights[1]).toEqual([[-0.6], [0.4], [0]]);
    expect(grown.biases).toEqual([[0.2, -0.4, 0], [0.5]]);
    const deeper = resizeNetwork(EXAMPLES[1].network, [2, 3, 3, 2]);
    expect(deeper.activations).toEqual(['sigmoid', 'sigmoid', 'softmax']);
    expect(deeper.target).toEqual([1, 0]);
  });
  it('writes the tiny convnet as the model file `digitrain step` checks, and keeps its shape', () => {
    const conv = EXAMPLES.find((e) => e.id === 'conv')!.network;
    expect(structureError(conv)).toBeNull();
    expect(structureError({ ...conv, conv: { ...conv.conv!, activation: 'softmax' } })).toMatch(
      /^Activation of the conv layer: softmax is only allowed on the output layer/,
    );
    // The committed case gives the filter a bias of 0; without biases the file says null.
    const fixture = JSON.parse(readFileSync(join(root, 'tests', 'fixtures', 'models', 'conv-4x4.json'), 'utf8'));
    fixture.layers[0].bias = null;
    expect(JSON.parse(modelFile(conv))).toEqual(fixture);
    expect(JSON.parse(modelFile({ ...conv, bias: true, biases: [[0]] })).layers[0].bias).toEqual([0]);
    // The dense layers read the pooled map (one value): their input size stays, the rest may grow.
    const grown = resizeNetwork(conv, [5, 2, 1]);
    expect(grown.sizes).toEqual([1, 2, 1]);
    expect(grown.input).toEqual(conv.input);
    expect(grown.weights[0]).toEqual([[0.1, 0]]);
  });
});
