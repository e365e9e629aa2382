// The bench page's globals, for the type check of bench/browser/*.js and bench/run.mjs:
// TensorFlow.js, loaded as classic scripts (bench/browser/index.html) with its wasm backend
// on `tf.wasm`, and what bench.js hands to bench/run.mjs through `window`.
import type * as tfjs from '@tensorflow/tfjs';
import type * as tfjsWasm from '@tensorflow/tfjs-backend-wasm';

/** One measurement, as bench/run.mjs records it. */
export interface BenchFigure {
  impl: string;
  threads: number;
  batch: number;
  samples_per_second: number;
  data: string;
}

/** One repetition of a preset's measurement (bench/presets.mjs). */
export interface PresetFigure {
  impl: string;
  preset: string;
  threads: number | 'auto';
  rep: number;
  batch: number;
  samples_per_second: number;
  threads_used?: number;
  threads_reason?: string;
}

declare global {
  const tf: typeof tfjs & { wasm: typeof tfjsWasm };
  interface Window {
    bench: {
      ours(options: object): Promise<BenchFigure[]>;
      tfjs(options: object): Promise<BenchFigure[]>;
      tfjsPresets(options: object): Promise<PresetFigure[]>;
      tfjsThreads(options: { threadsCount: number }): Promise<number>;
      info(): { userAgent: string; hardwareConcurrency: number; crossOriginIsolated: boolean; tfjs?: string };
    };
    benchReady?: boolean;
  }
}
