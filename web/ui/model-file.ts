// The one place the page reads a model file's text itself: the few parts the engine gives no
// other way — the first layer's weights (to draw them) and the settings the file records. The
// text always comes from the engine (exportModel), so its shape is the engine's; what the
// engine reads from a file the user loads comes back in importModel's answer instead.
import type { TrainConfig } from '../shared/protocol';

export interface ModelFileParts {
  /** The image the first layer reads (28×28 when the file does not say). */
  input: { rows: number; cols: number };
  /** Inputs × units of the first layer (row i: from input pixel i); null without layers. */
  firstWeights: number[][] | null;
  /** The settings that trained the model, when the file records them. */
  config: TrainConfig | null;
}

export function readModelFile(json: string): ModelFileParts {
  const model = JSON.parse(json) as {
    input?: { rows: number; cols: number };
    layers?: { weights: number[][] }[];
    config?: TrainConfig;
  };
  return {
    input: { rows: model.input?.rows ?? 28, cols: model.input?.cols ?? 28 },
    firstWeights: model.layers?.[0]?.weights ?? null,
    config: model.config ?? null,
  };
}
