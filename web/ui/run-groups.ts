// What the page says about a group of runs (a learning-rate sweep, or one configuration repeated
// over seeds): each run's final error, and over seeds the mean ± sample standard deviation, the
// statistic the assignment asks for. No DOM here.
import type { EpochMetrics, TrainConfig } from '../shared/protocol';

export interface GroupRun {
  history: EpochMetrics[];
  config: Pick<TrainConfig, 'seed' | 'learning_rate'>;
}

/** A run's final error: test when measured, else validation, else training (null: no epoch yet). */
export function finalError(run: { history: EpochMetrics[] }): number | null {
  const last = run.history[run.history.length - 1];
  return last?.test_error ?? last?.validation_error ?? last?.train_error ?? null;
}

/** Mean and sample standard deviation (n − 1; 0 for one value) of `values`. */
export function meanAndStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, std };
}

/** The name a learning-rate sweep's group starts with (the others repeat one configuration over seeds). */
export const SWEEP_GROUP = 'learning-rate sweep';
export const isSweep = (group: string): boolean => group.startsWith(SWEEP_GROUP);

const percent = (e: number | null) => `${((e ?? NaN) * 100).toFixed(2)}%`;

/** One line for a group: per learning rate for a sweep, else mean ± std over its runs and each seed's error. */
export function describeGroup(name: string, runs: GroupRun[], sweep: boolean): string {
  const each = (key: 'seed' | 'learning_rate') =>
    runs.map((r) => `${key}=${r.config[key]} → ${percent(finalError(r))}`).join(', ');
  if (sweep) return `${name}: ${each('learning_rate')}`;
  const errors = runs
    .map(finalError)
    .filter((e): e is number => e !== null)
    .map((e) => e * 100);
  const { mean, std } = meanAndStd(errors);
  return `${name}: ${runs.length} runs, final error ${mean.toFixed(2)}% ± ${std.toFixed(2)}% (mean ± std); ${each('seed')}`;
}
