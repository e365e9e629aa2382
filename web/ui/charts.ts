// The page's plots, on Chart.js: per-epoch error rates (train / validation / test), the
// per-batch training loss, and the overlay of kept runs. Only the Chart.js pieces used are
// registered, to keep the bundle small. Updates skip animation: the data changes several
// times a second while training.
import {
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
} from 'chart.js';
import type { EpochMetrics } from '../shared/protocol';
import { isSweep, meanAndStd } from './run-groups';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  CategoryScale,
  Filler,
  Legend,
  Tooltip,
);
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

const COLOURS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const percent = (v: number | null) => (v === null ? null : v * 100);

type Points = { x: number; y: number | null }[];

/** A line chart of error rates (%) against the epoch: the per-run plot (from 0, to see how far
 *  a run has come) and the overlay (fitted to the runs, so differences of a few % show). */
function errorRateChart(
  canvas: HTMLCanvasElement,
  datasets: ChartDataset<'line', Points>[],
  fromZero: boolean,
): Chart<'line', Points> {
  return new Chart<'line', Points>(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      // A series with no point (no validation split, no test set) gets no legend entry.
      // (A band's edges are drawn without a label: they get none either.)
      plugins: {
        legend: {
          labels: {
            filter: (item, data) =>
              Boolean(item.text) && (data.datasets[item.datasetIndex ?? 0]?.data as Points).some((p) => p.y !== null),
          },
        },
      },
      scales: {
        x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { precision: 0 } },
        y: { type: 'linear', beginAtZero: fromZero, title: { display: true, text: 'error rate (%)' } },
      },
    },
  });
}

export class ErrorChart {
  readonly chart: Chart<'line', Points>;

  constructor(canvas: HTMLCanvasElement) {
    const series = (label: string, colour: string): ChartDataset<'line', Points> => ({
      label,
      data: [],
      borderColor: colour,
      backgroundColor: colour,
      pointRadius: 2,
      spanGaps: true,
    });
    this.chart = errorRateChart(
      canvas,
      [series('train', COLOURS[0]), series('validation', COLOURS[1]), series('test', COLOURS[2])],
      true,
    );
  }

  setEpochs(history: EpochMetrics[]): void {
    const [train, validation, test] = this.chart.data.datasets;
    train.data = history.map((m) => ({ x: m.epoch, y: percent(m.train_error) }));
    validation.data = history.map((m) => ({ x: m.epoch, y: percent(m.validation_error) }));
    test.data = history.map((m) => ({ x: m.epoch, y: percent(m.test_error) }));
    this.chart.update('none');
  }
}

/** The per-batch loss; long runs are binned to at most MAX_POINTS means so drawing stays cheap. */
export class LossChart {
  private static MAX_POINTS = 1500;
  readonly chart: Chart<'line', { x: number; y: number }[]>;
  private losses: number[] = [];
  private dirty = false;

  constructor(canvas: HTMLCanvasElement) {
    this.chart = new Chart<'line', { x: number; y: number }[]>(canvas, {
      type: 'line',
      data: {
        datasets: [
          {
            label: 'batch loss',
            data: [],
            borderColor: COLOURS[3],
            backgroundColor: COLOURS[3],
            pointRadius: 0,
            borderWidth: 1,
          },
        ],
      },
      options: {
        parsing: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'batch' }, ticks: { precision: 0 } },
          y: { type: 'linear', title: { display: true, text: 'loss (mean per sample)' } },
        },
      },
    });
  }

  reset(losses: number[] = []): void {
    this.losses = [...losses];
    this.dirty = true;
    this.draw();
  }

  add(batchLosses: ArrayLike<number>): void {
    for (let i = 0; i < batchLosses.length; i++) this.losses.push(batchLosses[i]);
    if (!this.dirty) {
      this.dirty = true;
      requestAnimationFrame(() => this.draw());
    }
  }

  get all(): readonly number[] {
    return this.losses;
  }

  private draw(): void {
    this.dirty = false;
    const n = this.losses.length;
    const bin = Math.max(1, Math.ceil(n / LossChart.MAX_POINTS));
    const points: { x: number; y: number }[] = [];
    for (let i = 0; i < n; i += bin) {
      let sum = 0,
        count = 0;
      for (let j = i; j < Math.min(n, i + bin); j++)
        if (Number.isFinite(this.losses[j])) {
          sum += this.losses[j];
          count++;
        }
      if (count) points.push({ x: i + 1, y: sum / count });
    }
    this.chart.data.datasets[0].data = points;
    this.chart.update('none');
  }
}

export interface RunCurve {
  label: string;
  history: EpochMetrics[];
  /** The sweep or seed repeat it belongs to. */
  group?: string;
}

/** The error a run is compared by, per epoch: test when it was measured, else validation, else training. */
export function comparedErrors(history: EpochMetrics[]): (number | null)[] {
  const useTest = history.some((m) => m.test_error !== null);
  return history.map((m) => (useTest ? m.test_error : (m.validation_error ?? m.train_error)));
}

/** Kept runs overlaid: each run's compared error; the runs of a seed repeat as one line, their
 *  mean, in a band of ± one standard deviation (sample, as the group's line says). */
export class CompareChart {
  readonly chart: Chart<'line', Points>;

  constructor(canvas: HTMLCanvasElement) {
    this.chart = errorRateChart(canvas, [], false);
  }

  setRuns(runs: RunCurve[]): void {
    const datasets: ChartDataset<'line', Points>[] = [];
    const seen = new Set<string>();
    for (const run of runs) {
      const colour = COLOURS[datasets.filter((d) => d.label).length % COLOURS.length];
      const line = { borderColor: colour, backgroundColor: colour, pointRadius: 2 };
      if (!run.group || isSweep(run.group)) {
        const errors = comparedErrors(run.history);
        datasets.push({
          label: run.label,
          data: run.history.map((m, e) => ({ x: m.epoch, y: percent(errors[e]) })),
          ...line,
        });
        continue;
      }
      if (seen.has(run.group)) continue;
      seen.add(run.group);
      const members = runs.filter((r) => r.group === run.group).map((r) => comparedErrors(r.history));
      const epochs = Math.min(...members.map((m) => m.length));
      const stats = Array.from({ length: epochs }, (_, e) => meanAndStd(members.map((m) => (m[e] ?? NaN) * 100)));
      const at = (f: (s: { mean: number; std: number }) => number) =>
        stats.map((s, e) => ({ x: run.history[e].epoch, y: f(s) }));
      const band = `${colour}33`;
      datasets.push(
        {
          label: '',
          data: at((s) => s.mean + s.std),
          borderColor: band,
          backgroundColor: band,
          pointRadius: 0,
          borderWidth: 0,
          fill: '+1',
        },
        {
          label: '',
          data: at((s) => s.mean - s.std),
          borderColor: band,
          backgroundColor: band,
          pointRadius: 0,
          borderWidth: 0,
          fill: false,
        },
        { label: `${run.group}: mean ± std of ${members.length} seeds`, data: at((s) => s.mean), ...line },
      );
    }
    this.chart.data.datasets = datasets;
    this.chart.update('none');
  }
}
