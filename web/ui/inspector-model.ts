// The hand-computation inspector's data, without the DOM: a tiny network as the student
// edits it (layer sizes, one activation per layer, loss, biases, every weight, the input,
// the target and the learning rate), the two worked examples of the labs, the checks that
// turn the form's text into numbers (a bad field is refused by name), and the model file
// the engine's double-precision inspector reads (cpp/core/model_io.cpp: input rows×cols
// must equal layers[0].inputs, shapes chain, softmax only last, cross-entropy needs it).
import type { Activation, Loss } from '../shared/protocol';
import { activationRules } from './config';

// The choices and the rules come from the engine's settings table (web/ui/config.ts), so a
// new activation or loss, or a change of rule, needs no edit here.
export const inspectorActivations = (): Activation[] => activationRules().all as Activation[];
export const inspectorLosses = (): Loss[] => activationRules().losses as Loss[];
/** Hand computation stays small: at most 8 units per layer and 4 weight layers. */
export const MAX_UNITS = 8;
export const MAX_WEIGHT_LAYERS = 4;

/** A tiny convolution in front of the dense layers: one filter over a side×side image, then a
 *  max-pool. Its shape is fixed (what hand computation can follow); its numbers are edited. */
export interface TinyConv {
  /** The input image's side: the input x is side×side values, row by row. */
  side: number;
  /** The filter's k×k weights, kernel[ky][kx]. */
  kernel: number[][];
  /** Its bias (used when the network has biases). */
  bias: number;
  stride: number;
  activation: Activation;
  /** The max-pool's window and stride. */
  pool: number;
}

/** The side of a valid convolution's (or pool's) output: windows of k at steps of `stride`. */
export const outputSide = (side: number, k: number, stride: number): number => Math.floor((side - k) / stride) + 1;
/** The conv layer's feature map side, and the pooled map's. */
export const convSides = (c: TinyConv) => {
  const map = outputSide(c.side, c.kernel.length, c.stride);
  return { map, pooled: outputSide(map, c.pool, c.pool) };
};

export interface TinyNetwork {
  /** Units per layer, inputs first: [2, 2, 1]. With a conv part, sizes[0] is the pooled map's
   *  size, which the dense layers read. */
  sizes: number[];
  /** A convolution and pool in front of the dense layers (absent: a dense network). */
  conv?: TinyConv;
  /** One per weight layer (sizes.length − 1). */
  activations: Activation[];
  loss: Loss;
  bias: boolean;
  /** weights[l][i][j]: from unit i of layer l (the input for l = 0) to unit j of layer l + 1. */
  weights: number[][][];
  /** biases[l][j]: of unit j of layer l + 1. */
  biases: number[][];
  input: number[];
  target: number[];
  learningRate: number;
}

export interface Example {
  id: string;
  title: string;
  source: string;
  network: TinyNetwork;
}

export const EXAMPLES: Example[] = [
  {
    id: 'lab',
    title: 'Lab 2-2-1 (sigmoid, MSE)',
    source:
      'Lab "ANN for Handwritten Digits Recognition", question 1.1.1: sigmoid everywhere, squared error, ' +
      'x = (0.8, 0.2), target 0.4, learning rate 5.',
    network: {
      sizes: [2, 2, 1],
      activations: ['sigmoid', 'sigmoid'],
      loss: 'mse',
      bias: true,
      weights: [
        [
          [0.3, -0.5],
          [0.8, 0.2],
        ],
        [[-0.6], [0.4]],
      ],
      biases: [[0.2, -0.4], [0.5]],
      input: [0.8, 0.2],
      target: [0.4],
      learningRate: 5,
    },
  },
  {
    id: 'softmax',
    title: '2-3-2 (sigmoid + softmax, cross-entropy)',
    source:
      'Assignment "Implementing an MLP using NumPy", its worked 2-3-2 example: x = (1, −1), W = [[1, 1, 1], [−1, −1, −1]], ' +
      'b = 0, V = [[1, 1], [−1, −1], [−1, −1]], c = 0, target class 0 (one-hot (1, 0)); learning rate 1 ' +
      'so that each updated weight is the old one minus its gradient.',
    network: {
      sizes: [2, 3, 2],
      activations: ['sigmoid', 'softmax'],
      loss: 'cross-entropy',
      bias: true,
      weights: [
        [
          [1, 1, 1],
          [-1, -1, -1],
        ],
        [
          [1, 1],
          [-1, -1],
          [-1, -1],
        ],
      ],
      biases: [
        [0, 0, 0],
        [0, 0],
      ],
      input: [1, -1],
      target: [1, 0],
      learningRate: 1,
    },
  },
  {
    id: 'conv',
    title: 'Tiny convnet (4×4, conv 2×2, max-pool)',
    source:
      'The smallest convnet worth a step by hand (the case `digitrain step` checks to 1e-12): a 4×4 input 1…16 read ' +
      'row by row, one 2×2 filter [[0.5, 0], [0, 0.5]] at stride 2 (so the four windows do not overlap), ReLU, a 2×2 ' +
      'max-pool, then one weight 0.1 to a linear output; squared error ½(o − y)² with target 1, learning rate 1.',
    network: {
      sizes: [1, 1],
      conv: {
        side: 4,
        kernel: [
          [0.5, 0],
          [0, 0.5],
        ],
        bias: 0,
        stride: 2,
        activation: 'relu',
        pool: 2,
      },
      activations: ['identity'],
      loss: 'squared-error',
      bias: false,
      weights: [[[0.1]]],
      biases: [[0]],
      input: Array.from({ length: 16 }, (_, i) => i + 1),
      target: [1],
      learningRate: 1,
    },
  },
];

export const cloneNetwork = (n: TinyNetwork): TinyNetwork => JSON.parse(JSON.stringify(n)) as TinyNetwork;

/** The same network with new layer sizes: numbers keep their (layer, i, j) place, new ones are 0. */
export function resizeNetwork(n: TinyNetwork, requested: number[]): TinyNetwork {
  // The dense layers read the pooled map: its size is not the form's to change.
  const sizes = n.conv ? [convSides(n.conv).pooled ** 2, ...requested.slice(1)] : requested;
  const pick = (values: number[] | undefined, count: number) =>
    Array.from({ length: count }, (_, k) => values?.[k] ?? 0);
  const layers = sizes.length - 1;
  return {
    ...n,
    sizes: [...sizes],
    activations: Array.from({ length: layers }, (_, l) =>
      l === layers - 1
        ? (n.activations[n.activations.length - 1] ?? 'sigmoid')
        : activationRules().beforeOutput.includes(n.activations[l] ?? 'sigmoid')
          ? (n.activations[l] ?? 'sigmoid')
          : 'sigmoid',
    ),
    weights: Array.from({ length: layers }, (_, l) =>
      Array.from({ length: sizes[l] }, (_, i) => pick(n.weights[l]?.[i], sizes[l + 1])),
    ),
    biases: Array.from({ length: layers }, (_, l) => pick(n.biases[l], sizes[l + 1])),
    input: n.conv ? [...n.input] : pick(n.input, sizes[0]),
    target: pick(n.target, sizes[sizes.length - 1]),
  };
}

/** The names the page shows and messages use (1-based, like the labs). */
export const names = {
  weight: (l: number, i: number, j: number) => `W${l + 1}[${i + 1},${j + 1}]`,
  bias: (l: number, j: number) => `b${l + 1}[${j + 1}]`,
  input: (i: number) => `x${i + 1}`,
  target: (j: number) => `y${j + 1}`,
  /** Unit i of the layer below weight layer l: the input x for l = 0 (the pooled map p after a conv part). */
  from: (l: number, i: number, conv = false) =>
    l === 0 ? `${conv ? 'p' : 'x'}${i + 1}` : `unit ${i + 1} of layer ${l}`,
  /** The conv filter's weight at (ky, kx) (after the step with `after`), its bias, and input
   *  pixel (row, col), 1-based. */
  kernel: (ky: number, kx: number, after = false) => `K${after ? "'" : ''}[${ky + 1},${kx + 1}]`,
  convBias: 'c',
  pixel: (row: number, col: number) => `x[${row + 1},${col + 1}]`,
  to: (l: number, j: number) => `unit ${j + 1} of layer ${l + 1}`,
};

/** Layer sizes as typed ("2-2-1"): 2 to 5 whole numbers from 1 to MAX_UNITS. */
export function parseSizes(text: string): { ok: true; sizes: number[] } | { ok: false; error: string } {
  const parts = text
    .trim()
    .split(/[-,\s]+/)
    .filter(Boolean);
  const sizes = parts.map(Number);
  if (
    sizes.length < 2 ||
    sizes.length > MAX_WEIGHT_LAYERS + 1 ||
    sizes.some((s) => !Number.isInteger(s) || s < 1 || s > MAX_UNITS)
  )
    return {
      ok: false,
      error:
        `Layer sizes must be 2 to ${MAX_WEIGHT_LAYERS + 1} whole numbers from 1 to ${MAX_UNITS} separated by "-" ` +
        `(e.g. 2-2-1), got "${text.trim().slice(0, 40)}".`,
    };
  return { ok: true, sizes };
}

/** One number as typed in a field named `name`: finite, nothing else. */
export function parseNumber(name: string, text: string): { ok: true; value: number } | { ok: false; error: string } {
  const t = text.trim();
  // Number('') is 0 and Number('0x10') is 16: only plain decimal notation is a number here.
  const value = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(value))
    return {
      ok: false,
      error: `${name} is not a number: "${t.slice(0, 40)}". Type a decimal number such as -0.5 or 1e-3.`,
    };
  return { ok: true, value };
}

/** What the engine cannot compute, said with the form's names (null when all is well). */
export function structureError(n: TinyNetwork): string | null {
  const rules = activationRules();
  const last = n.activations.length - 1;
  if (n.conv && !rules.beforeOutput.includes(n.conv.activation))
    return `Activation of the conv layer: ${n.conv.activation} is only allowed on the output layer (layer ${last + 1}).`;
  for (let l = 0; l < last; l++)
    if (!rules.beforeOutput.includes(n.activations[l]))
      return `Activation of layer ${l + 1}: ${n.activations[l]} is only allowed on the output layer (layer ${last + 1}).`;
  const needed = rules.requiredOutput[n.loss];
  if (needed !== undefined && n.activations[last] !== needed)
    return `Loss: ${n.loss} needs a ${needed} output, but the activation of layer ${last + 1} is ${n.activations[last]}.`;
  if (!Number.isFinite(n.learningRate) || n.learningRate < 0) return 'Learning rate must be a number ≥ 0.';
  return null;
}

/** The model file for the engine's inspector: one row of inputs, scale as the format demands. */
export function modelFile(n: TinyNetwork): string {
  const c = n.conv;
  const k = c?.kernel.length ?? 0;
  const front = c
    ? [
        {
          type: 'conv',
          kernel: k,
          filters: 1,
          stride: c.stride,
          padding: 'valid',
          activation: c.activation,
          weights: [[c.kernel]],
          bias: n.bias ? [c.bias] : null,
        },
        { type: 'pool', kernel: c.pool, stride: c.pool },
      ]
    : [];
  return JSON.stringify({
    format: 'digitrain-model',
    // Conv and pool layers need the format's version 2; a dense network stays version 1.
    version: c ? 2 : 1,
    loss: n.loss,
    input: c ? { rows: c.side, cols: c.side, scale: 'pixel/255' } : { rows: 1, cols: n.sizes[0], scale: 'pixel/255' },
    layers: [
      ...front,
      ...n.weights.map((w, l) => ({
        inputs: n.sizes[l],
        outputs: n.sizes[l + 1],
        activation: n.activations[l],
        weights: w,
        bias: n.bias ? n.biases[l] : null,
      })),
    ],
  });
}

/** A number with every digit a double holds: the shortest text that reads back as exactly it. */
export const exact = (v: number | null | undefined): string =>
  v === null || v === undefined ? '—' : Object.is(v, -0) ? '-0' : String(v);
