// The hand-computation inspector panel ("Understand"): a tiny network whose every number
// is editable (layer sizes, activations, loss, biases, weights, input, target, learning
// rate), and one SGD step of it computed by the engine's double-precision inspector in the
// training worker (the protocol's `inspect` request, so the main thread never runs the
// engine). Every z, a, error e = ∂L/∂z, gradient and updated weight is shown with all the
// digits of its double, so a student can check a pen-and-paper computation number by number.
// The data and checks live in inspector-model.ts; this file is DOM only, and every text goes
// in through textContent (views.ts's el), never innerHTML.
import type { Inspection } from '../shared/protocol';
import {
  EXAMPLES,
  cloneNetwork,
  convSides,
  exact,
  inspectorActivations,
  inspectorLosses,
  modelFile,
  names,
  parseNumber,
  parseSizes,
  resizeNetwork,
  structureError,
  type TinyNetwork,
} from './inspector-model';
import { settingsLoaded } from './config';
import { el, showError } from './views';

export type InspectFn = (args: {
  model: string;
  input: number[];
  target: number[];
  learningRate: number;
}) => Promise<Inspection>;

const text = (id: string, value: string, label: string) =>
  el('input', {
    id,
    type: 'text',
    inputmode: 'decimal',
    spellcheck: 'false',
    autocomplete: 'off',
    value,
    'aria-label': label,
    class: 'num',
  });

/** Builds the panel inside `parent` (at its end) and wires it to `inspect`. */
export function mountInspector(
  parent: HTMLElement,
  inspect: InspectFn,
): { element: HTMLDetailsElement; compute(): Promise<void> } {
  let net = cloneNetwork(EXAMPLES[0].network);
  let sequence = 0;

  const sizes = el('input', {
    id: 'inspector-sizes',
    type: 'text',
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'inspector-sizes-help',
  });
  const loss = el('select', { id: 'inspector-loss' });
  const bias = el('input', { id: 'inspector-bias', type: 'checkbox' });
  const lr = text('inspector-lr', '', 'Learning rate');
  lr.removeAttribute('aria-label');
  const source = el('p', { id: 'inspector-source', class: 'hint' });
  const params = el('div', { id: 'inspector-params' });
  const error = el('div', { id: 'inspector-error', class: 'error', role: 'alert', hidden: '' });
  const status = el('p', { id: 'inspector-status', class: 'hint', role: 'status' });
  const results = el('div', { id: 'inspector-results' });
  const computeButton = el('button', { id: 'inspector-compute', type: 'button', class: 'primary' }, [
    'Compute one step',
  ]);

  const exampleButtons = EXAMPLES.map((ex) => {
    const b = el('button', { id: `inspector-example-${ex.id}`, type: 'button' }, [`Load ${ex.title}`]);
    b.addEventListener('click', () => {
      net = cloneNetwork(ex.network);
      source.textContent = ex.source;
      render();
      void compute();
    });
    return b;
  });

  const field = (label: string, input: HTMLElement, help?: string) =>
    el('div', { class: 'field' }, [
      el('label', { for: input.id }, [label]),
      input,
      ...(help ? [el('span', { id: `${input.id}-help`, class: 'hint' }, [help])] : []),
    ]);

  const details = el('details', { id: 'inspector', class: 'inspector' }, [
    el('summary', {}, ['Hand-computation inspector: one training step of a tiny network, every number']),
    el('p', { class: 'hint' }, [
      "For the labs' pen-and-paper exercises. Layer ℓ computes zℓ = aℓ₋₁·Wℓ + bℓ and aℓ = f(zℓ), with a₀ = x; " +
        'Wℓ[i,j] is the weight from unit i of the layer below to unit j of layer ℓ. The backward pass gives ' +
        'eℓ = ∂L/∂zℓ, ∂L/∂Wℓ[i,j] = aℓ₋₁[i]·eℓ[j] and ∂L/∂bℓ = eℓ; the step sets W ← W − lr·∂L/∂W. ' +
        'The engine computes it all in double precision and every digit is shown: edit any number and compare. ' +
        "The last digit or two may differ from another program's: floating-point sums depend on their order " +
        '(the engine adds b after x·W, and takes σ(z) = 1/(1 + e^−z)).',
    ]),
    el('div', { class: 'row wrap', role: 'group', 'aria-label': 'Worked examples' }, exampleButtons),
    source,
    el('div', { class: 'fields' }, [
      field('Layer sizes', sizes, 'input-hidden…-output, e.g. 2-2-1 (up to 8 units a layer)'),
      field('Loss', loss),
      field('Biases', bias),
      field('Learning rate', lr),
    ]),
    params,
    el('div', { class: 'row' }, [computeButton]),
    error,
    status,
    results,
  ]);
  parent.append(details);

  /** The form's numbers and choices into `net`; a field that does not parse is named. */
  function read(): string[] {
    const errors: string[] = [];
    const num = (input: HTMLInputElement | null, name: string, set: (v: number) => void) => {
      if (!input) return;
      const r = parseNumber(name, input.value);
      input.setAttribute('aria-invalid', String(!r.ok));
      if (r.ok) set(r.value);
      else errors.push(r.error);
    };
    const q = (id: string) => details.querySelector<HTMLInputElement>(`#${id}`);
    num(lr, 'Learning rate', (v) => (net.learningRate = v));
    net.loss = loss.value as TinyNetwork['loss'];
    net.bias = bias.checked;
    net.sizes.forEach((_, l) => {
      if (l === 0) return;
      const select = details.querySelector<HTMLSelectElement>(`#inspector-act-${l}`);
      if (select) net.activations[l - 1] = select.value as TinyNetwork['activations'][number];
    });
    const conv = net.conv;
    if (conv) {
      const act = details.querySelector<HTMLSelectElement>('#inspector-conv-act');
      if (act) conv.activation = act.value as TinyNetwork['activations'][number];
      conv.kernel.forEach((row, ky) =>
        row.forEach((_, kx) =>
          num(q(`inspector-k-${ky + 1}-${kx + 1}`), `Filter weight ${names.kernel(ky, kx)}`, (v) => (row[kx] = v)),
        ),
      );
      if (net.bias) num(q('inspector-c'), `Filter bias ${names.convBias}`, (v) => (conv.bias = v));
    }
    const inputName = (i: number) =>
      conv ? `Input ${names.pixel(Math.floor(i / conv.side), i % conv.side)}` : `Input ${names.input(i)}`;
    net.input.forEach((_, i) => num(q(`inspector-x-${i + 1}`), inputName(i), (v) => (net.input[i] = v)));
    net.target.forEach((_, j) =>
      num(q(`inspector-y-${j + 1}`), `Target ${names.target(j)}`, (v) => (net.target[j] = v)),
    );
    net.weights.forEach((w, l) =>
      w.forEach((row, i) =>
        row.forEach((_, j) =>
          num(
            q(`inspector-w-${l + 1}-${i + 1}-${j + 1}`),
            `Weight ${names.weight(l, i, j)} (from ${names.from(l, i, Boolean(conv))} to ${names.to(l, j)})`,
            (v) => (w[i][j] = v),
          ),
        ),
      ),
    );
    if (net.bias)
      net.biases.forEach((b, l) =>
        b.forEach((_, j) =>
          num(q(`inspector-b-${l + 1}-${j + 1}`), `Bias ${names.bias(l, j)} (of ${names.to(l, j)})`, (v) => (b[j] = v)),
        ),
      );
    return errors;
  }

  /** The per-network part of the form: activations, input, target, one weight table per layer. */
  function render(): void {
    sizes.value = net.sizes.join('-');
    sizes.setAttribute('aria-invalid', 'false');
    // The choices are the engine's (its settings table arrives after mounting).
    loss.replaceChildren(...inspectorLosses().map((l) => el('option', { value: l }, [l])));
    loss.value = net.loss;
    bias.checked = net.bias;
    lr.value = String(net.learningRate);
    lr.setAttribute('aria-invalid', 'false');
    const n = net.sizes.length - 1;
    const vector = (caption: string, prefix: string, values: number[], name: (k: number) => string) =>
      el('table', { class: 'inspector-table' }, [
        el('caption', {}, [caption]),
        el('tbody', {}, [
          el(
            'tr',
            {},
            values.map((v, k) =>
              el('td', {}, [
                el('label', { for: `${prefix}-${k + 1}`, class: 'cell-name' }, [name(k)]),
                text(`${prefix}-${k + 1}`, String(v), name(k)),
              ]),
            ),
          ),
        ]),
      ]);
    const layers = net.weights.map((w, l) => {
      const select = el(
        'select',
        { id: `inspector-act-${l + 1}` },
        inspectorActivations().map((a) => el('option', { value: a }, [a])),
      );
      select.value = net.activations[l];
      const head = el('tr', {}, [
        el('th', { scope: 'col' }, ['weight']),
        ...w[0].map((_, j) => el('th', { scope: 'col' }, [`→ ${l === n - 1 ? 'output' : 'unit'} ${j + 1}`])),
      ]);
      const rows = w.map((row, i) =>
        el('tr', {}, [
          el('th', { scope: 'row' }, [`from ${l === 0 ? names.from(0, i, Boolean(net.conv)) : `unit ${i + 1}`}`]),
          ...row.map((v, j) =>
            el('td', {}, [
              text(
                `inspector-w-${l + 1}-${i + 1}-${j + 1}`,
                String(v),
                `${names.weight(l, i, j)}: from ${names.from(l, i, Boolean(net.conv))} to ${names.to(l, j)}`,
              ),
            ]),
          ),
        ]),
      );
      const biasRow = net.bias
        ? [
            el('tr', {}, [
              el('th', { scope: 'row' }, [`bias b${l + 1}`]),
              ...net.biases[l].map((v, j) =>
                el('td', {}, [
                  text(`inspector-b-${l + 1}-${j + 1}`, String(v), `${names.bias(l, j)}: bias of ${names.to(l, j)}`),
                ]),
              ),
            ]),
          ]
        : [];
      return el('fieldset', { class: 'inspector-layer' }, [
        el('legend', {}, [
          `Layer ${l + 1}${l === n - 1 ? ' (output)' : ''}: ${net.sizes[l]} → ${net.sizes[l + 1]} units`,
        ]),
        el('div', { class: 'field' }, [el('label', { for: select.id }, [`Activation of layer ${l + 1}`]), select]),
        el('table', { class: 'inspector-table' }, [
          el('caption', {}, [`W${l + 1}${net.bias ? ` and b${l + 1}` : ''}`]),
          el('thead', {}, [head]),
          el('tbody', {}, [...rows, ...biasRow]),
        ]),
      ]);
    });
    params.replaceChildren(
      el('div', { class: 'row wrap' }, [
        net.conv ? inputGrid(net.conv.side) : vector('Input x', 'inspector-x', net.input, names.input),
        vector('Target y', 'inspector-y', net.target, names.target),
      ]),
      el('div', { class: 'row wrap' }, [...(net.conv ? [convFieldset(net.conv)] : []), ...layers]),
    );
  }

  /** A conv part's input: the side×side image as a grid of fields, row by row. */
  function inputGrid(side: number): HTMLElement {
    return el('table', { class: 'inspector-table' }, [
      el('caption', {}, [`Input x: ${side}×${side} pixels`]),
      el(
        'tbody',
        {},
        Array.from({ length: side }, (_, r) =>
          el(
            'tr',
            {},
            Array.from({ length: side }, (_, c) =>
              el('td', {}, [
                text(`inspector-x-${r * side + c + 1}`, String(net.input[r * side + c]), names.pixel(r, c)),
              ]),
            ),
          ),
        ),
      ),
    ]);
  }

  /** A conv part's filter (k×k weights, its bias) and activation; its shape is the example's. */
  function convFieldset(c: NonNullable<TinyNetwork['conv']>): HTMLElement {
    const k = c.kernel.length;
    const { map, pooled } = convSides(c);
    const select = el(
      'select',
      { id: 'inspector-conv-act' },
      inspectorActivations().map((a) => el('option', { value: a }, [a])),
    );
    select.value = c.activation;
    return el('fieldset', { class: 'inspector-layer' }, [
      el('legend', {}, [
        `Conv layer: one ${k}×${k} filter K at stride ${c.stride} → a ${map}×${map} map; ` +
          `max-pool ${c.pool}×${c.pool} → ${pooled}×${pooled} (p, the dense layers' inputs)`,
      ]),
      el('div', { class: 'field' }, [el('label', { for: select.id }, ['Activation of the conv layer']), select]),
      el('table', { class: 'inspector-table' }, [
        el('caption', {}, [`K${net.bias ? ` and its bias ${names.convBias}` : ''}`]),
        el('tbody', {}, [
          ...c.kernel.map((row, ky) =>
            el(
              'tr',
              {},
              row.map((v, kx) =>
                el('td', {}, [
                  text(`inspector-k-${ky + 1}-${kx + 1}`, String(v), `Filter weight ${names.kernel(ky, kx)}`),
                ]),
              ),
            ),
          ),
          ...(net.bias
            ? [el('tr', {}, [el('td', {}, [text('inspector-c', String(c.bias), `Filter bias ${names.convBias}`)])])]
            : []),
        ]),
      ]),
    ]);
  }

  function showResults(r: Inspection): void {
    /** One table of the results: its caption, a header row of `columns`, then `rows`. */
    const valuesTable = (caption: string, columns: string[], rows: HTMLElement[]) =>
      el('table', { class: 'inspector-values' }, [
        el('caption', {}, [caption]),
        el('thead', {}, [
          el(
            'tr',
            {},
            columns.map((c) => el('th', { scope: 'col' }, [c])),
          ),
        ]),
        el('tbody', {}, rows),
      ]);
    const cell = (name: string, v: number | null | undefined) => el('td', { 'data-name': name }, [exact(v)]);
    const L = r.layers.length;
    const blocks = r.layers.map((layer, l) => {
      const units = layer.z.map((_, j) =>
        el('tr', {}, [
          el('th', { scope: 'row' }, [`unit ${j + 1}`]),
          cell(`z${l + 1}[${j + 1}]`, layer.z[j]),
          cell(`a${l + 1}[${j + 1}]`, layer.a[j]),
          cell(`e${l + 1}[${j + 1}]`, layer.e[j]),
          ...(layer.bias_gradient
            ? [
                cell(`db${l + 1}[${j + 1}]`, layer.bias_gradient[j]),
                cell(`b${l + 1}'[${j + 1}]`, layer.bias_after?.[j]),
              ]
            : []),
        ]),
      );
      const weights = layer.weight_gradient.flatMap((row, i) =>
        row.map((g, j) =>
          el('tr', {}, [
            el('th', { scope: 'row' }, [names.weight(l, i, j)]),
            cell(`W${l + 1}[${i + 1},${j + 1}]`, net.weights[l]?.[i]?.[j]),
            cell(`dW${l + 1}[${i + 1},${j + 1}]`, g),
            cell(`W${l + 1}'[${i + 1},${j + 1}]`, layer.weights_after[i][j]),
          ]),
        ),
      );
      return el('div', { class: 'inspector-block' }, [
        el('h4', {}, [`Layer ${l + 1}${l === L - 1 ? ' (output)' : ''}, ${net.activations[l]}`]),
        valuesTable(
          'Forward and backward pass, unit by unit',
          [
            'unit',
            `z${l + 1}`,
            `a${l + 1} = f(z${l + 1})`,
            `e${l + 1} = ∂L/∂z${l + 1}`,
            ...(layer.bias_gradient ? [`∂L/∂b${l + 1}`, `b${l + 1} after`] : []),
          ],
          units,
        ),
        valuesTable(
          'Weights: gradient and update',
          ['weight', 'before', '∂L/∂W', `after (− ${exact(r.learning_rate)} × ∂L/∂W)`],
          weights,
        ),
      ]);
    });
    const outputs = valuesTable(
      'Outputs and loss, before and after the step',
      ['quantity', 'before', 'after'],
      [
        ...r.output_before.map((v, j) =>
          el('tr', {}, [
            el('th', { scope: 'row' }, [`output ${j + 1}`]),
            cell(`output_before[${j + 1}]`, v),
            cell(`output_after[${j + 1}]`, r.output_after[j]),
          ]),
        ),
        el('tr', {}, [
          el('th', { scope: 'row' }, ['loss']),
          cell('loss_before', r.loss_before),
          cell('loss_after', r.loss_after),
        ]),
      ],
    );
    results.replaceChildren(outputs, ...convBlocks(r, valuesTable, cell), ...blocks);
  }

  /** A conv part's step: each window of the input under the filter and what it gives, the
   *  pooled map, and the filter's gradient and update. */
  function convBlocks(
    r: Inspection,
    valuesTable: (caption: string, columns: string[], rows: HTMLElement[]) => HTMLElement,
    cell: (name: string, v: number | null | undefined) => HTMLElement,
  ): HTMLElement[] {
    const c = net.conv;
    const [conv, pool] = r.front ?? [];
    if (!c || !conv || !pool) return [];
    const k = c.kernel.length;
    const { map, pooled } = convSides(c);
    const at = (row: number, col: number) => `${row + 1},${col + 1}`;
    const windows = Array.from({ length: map * map }, (_, w) => {
      const [row, col] = [Math.floor(w / map), w % map];
      // The input under the filter, row by row: what Σ K·patch multiplies.
      const patch = Array.from({ length: k }, (_, ky) =>
        Array.from({ length: k }, (_, kx) => exact(r.input[(row * c.stride + ky) * c.side + col * c.stride + kx])).join(
          ', ',
        ),
      ).join(' / ');
      return el('tr', {}, [
        el('th', { scope: 'row' }, [`(${at(row, col)})`]),
        el('td', { 'data-name': `patch[${at(row, col)}]` }, [patch]),
        cell(`m[${at(row, col)}]`, conv.a[w]),
        cell(`em[${at(row, col)}]`, conv.e[w]),
      ]);
    });
    const pools = Array.from({ length: pooled * pooled }, (_, w) => {
      const [row, col] = [Math.floor(w / pooled), w % pooled];
      return el('tr', {}, [
        el('th', { scope: 'row' }, [`(${at(row, col)})`]),
        cell(`p[${at(row, col)}]`, pool.a[w]),
        cell(`ep[${at(row, col)}]`, pool.e[w]),
      ]);
    });
    const kernelRows = c.kernel.flatMap((row, ky) =>
      row.map((v, kx) =>
        el('tr', {}, [
          el('th', { scope: 'row' }, [names.kernel(ky, kx)]),
          cell(names.kernel(ky, kx), v),
          cell(`d${names.kernel(ky, kx)}`, conv.weight_gradient?.[0][0][ky][kx]),
          cell(names.kernel(ky, kx, true), conv.weights_after?.[0][0][ky][kx]),
        ]),
      ),
    );
    const biasRows = conv.bias_gradient
      ? [
          el('tr', {}, [
            el('th', { scope: 'row' }, [names.convBias]),
            cell(names.convBias, c.bias),
            cell(`d${names.convBias}`, conv.bias_gradient[0]),
            cell(`${names.convBias}'`, conv.bias_after?.[0]),
          ]),
        ]
      : [];
    return [
      el('div', { class: 'inspector-block' }, [
        el('h4', {}, [`Conv layer, ${c.activation}: m = f(Σ K·patch${net.bias ? ' + c' : ''}), then max-pool p`]),
        valuesTable(
          'Each window of the input under the filter',
          ['window', `patch (${k}×${k}, row by row)`, 'm = f(z)', 'e = ∂L/∂z'],
          windows,
        ),
        valuesTable(
          `Max-pool ${c.pool}×${c.pool}: the largest m of each window (its error goes to that m alone)`,
          ['window', 'p', '∂L/∂p'],
          pools,
        ),
        valuesTable(
          'Filter: gradient (Σ e·patch over the windows) and update',
          ['weight', 'before', '∂L/∂K', `after (− ${exact(r.learning_rate)} × ∂L/∂K)`],
          [...kernelRows, ...biasRows],
        ),
      ]),
    ];
  }

  /** Why a softmax over a single unit learns nothing, said where its zeros show. */
  function oneUnitSoftmax(n: typeof net): string {
    const last = n.activations.length - 1;
    return n.activations[last] === 'softmax' && n.weights[last]?.[0]?.length === 1
      ? ' The output is a softmax over one unit: it is exactly 1 whatever the weights, so every gradient is 0 (and a ' +
          'cross-entropy loss is 0 too) and nothing changes. For one output use sigmoid; for softmax give the output layer ' +
          'two or more units.'
      : '';
  }

  async function compute(): Promise<void> {
    const errors = read();
    const wrong = errors.length ? null : structureError(net);
    if (errors.length || wrong) {
      ++sequence; // an answer still on its way is for numbers that are no longer in the form
      showError(error, [...errors, ...(wrong ? [wrong] : [])].join('\n'));
      status.textContent =
        'Not computed: fix the field named above. The numbers below are from the last valid network.';
      results.classList.add('stale');
      return;
    }
    const mine = ++sequence;
    status.textContent = 'Computing…';
    try {
      const r = await inspect({
        model: modelFile(net),
        input: net.input,
        target: net.target,
        learningRate: net.learningRate,
      });
      if (mine !== sequence) return; // a newer edit is on its way
      showError(error, null);
      showResults(r);
      results.classList.remove('stale');
      status.textContent =
        `One step at learning rate ${exact(r.learning_rate)}: loss ${exact(r.loss_before)} → ${exact(r.loss_after)}.` +
        oneUnitSoftmax(net);
    } catch (e) {
      if (mine !== sequence) return;
      showError(error, `The engine refused this network: ${(e as Error).message}`);
      status.textContent = '';
      results.classList.add('stale');
    }
  }

  // Structure changes rebuild the form (keeping every number that still has a place).
  sizes.addEventListener('change', () => {
    const r = parseSizes(sizes.value);
    sizes.setAttribute('aria-invalid', String(!r.ok));
    if (!r.ok) {
      showError(error, r.error);
      return;
    }
    read();
    net = resizeNetwork(net, r.sizes);
    render();
    void compute();
  });
  bias.addEventListener('change', () => {
    read();
    render();
    void compute();
  });
  // Any other edit recomputes: on change (Enter, Tab, a select), and shortly after typing stops.
  let typing = 0;
  details.addEventListener('change', (e) => {
    if (e.target === sizes || e.target === bias) return;
    clearTimeout(typing);
    void compute();
  });
  details.addEventListener('input', (e) => {
    if (e.target === sizes || !(e.target instanceof HTMLInputElement) || e.target.type !== 'text') return;
    clearTimeout(typing);
    typing = window.setTimeout(() => void compute(), 400);
  });
  computeButton.addEventListener('click', () => void compute());
  // The form and the first computation when the panel is first opened, once the engine's
  // settings table (which lists the activations and losses) is there: an embed may open the
  // panel before the engine has started.
  let opened = false;
  details.addEventListener('toggle', () => {
    if (details.open && !opened) {
      opened = true;
      void settingsLoaded.then(() => {
        render();
        void compute();
      });
    }
  });

  source.textContent = EXAMPLES[0].source;
  return { element: details, compute };
}
