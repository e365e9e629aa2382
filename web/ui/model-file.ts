// The one place the page reads a model file's text itself: the few parts the engine gives no
// other way — the first layer's weights (to draw them) and the settings the file records. The
// text always comes from the engine (exportModel), so its shape is the engine's; what the
// engine reads from a file the user loads comes back in importModel's answer instead.
import type { TrainConfig } from '../shared/protocol';

/** A convnet's first layer: `filters` kernels of `channels` × kernel × kernel weights. */
export interface ConvFilters {
  kernel: number;
  filters: number;
  channels: number;
  /** [filter][channel][row][column], as the file (and the .npz export, and PyTorch) holds them. */
  weights: number[][][][];
}

export interface ModelFileParts {
  /** The image the first layer reads (28×28 when the file does not say). */
  input: { rows: number; cols: number };
  /** Inputs × units of a dense first layer (row i: from input pixel i); null without layers
   *  and for a convnet. */
  firstWeights: number[][] | null;
  /** A convnet's first conv layer; null for a dense network. */
  firstConv: ConvFilters | null;
  /** The settings that trained the model, when the file records them. */
  config: TrainConfig | null;
}

/** What model-file.worker.ts answers: a dense first layer (row i of `weights`: from input
 *  pixel i, `units` wide), or a convnet's first conv layer (`weights` as
 *  [filter][channel][row][column]), its weights in one Float32Array. */
export type FirstLayer =
  | { kind: 'dense'; input: { rows: number; cols: number }; units: number; weights: Float32Array }
  | { kind: 'conv'; kernel: number; filters: number; channels: number; weights: Float32Array };

type FileLayer =
  | { type?: 'dense'; weights: number[][] }
  | { type: 'conv'; kernel: number; filters: number; weights: number[][][][] }
  | { type: 'pool' };

export function readModelFile(json: string): ModelFileParts {
  const model = JSON.parse(json) as {
    input?: { rows: number; cols: number };
    layers?: FileLayer[];
    config?: TrainConfig;
  };
  const first = model.layers?.[0];
  const conv = model.layers?.find((l) => l.type === 'conv');
  return {
    input: { rows: model.input?.rows ?? 28, cols: model.input?.cols ?? 28 },
    firstWeights: first && (first.type ?? 'dense') === 'dense' ? (first as { weights: number[][] }).weights : null,
    firstConv:
      conv?.type === 'conv'
        ? { kernel: conv.kernel, filters: conv.filters, channels: conv.weights[0]?.length ?? 0, weights: conv.weights }
        : null,
    config: model.config ?? null,
  };
}
