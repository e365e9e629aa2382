// The plots (web/ui/charts.ts): error rates per epoch and the loss of every batch under
// "3. Train", with their exports, and the kept runs overlaid under "6. Models and runs".
import type { AppStore, Deps } from '../app-state';
import { CompareChart, comparedErrors, ErrorChart, LossChart } from '../charts';
import type { EpochMetrics } from '../../shared/protocol';
import { curvesCsv, download } from '../export';
import { $, fillTable } from '../views';

const percent = (v: number | null | undefined) => (v == null ? '—' : `${(v * 100).toFixed(2)}%`);

/** The per-epoch chart's numbers: only the series that were measured get a column. */
function epochTable(table: HTMLTableElement, history: EpochMetrics[]): void {
  const columns: [string, (m: EpochMetrics) => string][] = [
    ['epoch', (m) => String(m.epoch)],
    ['training error', (m) => percent(m.train_error)],
    ...(history.some((m) => m.validation_error != null)
      ? [
          ['validation error', (m: EpochMetrics) => percent(m.validation_error)] as [
            string,
            (m: EpochMetrics) => string,
          ],
        ]
      : []),
    ...(history.some((m) => m.test_error != null)
      ? [['test error', (m: EpochMetrics) => percent(m.test_error)] as [string, (m: EpochMetrics) => string]]
      : []),
    ['training loss', (m) => (m.train_loss == null ? '—' : m.train_loss.toPrecision(4))],
    ['learning rate', (m) => String(m.learning_rate)],
  ];
  fillTable(
    table,
    'Error rates and loss per epoch',
    columns.map(([h]) => h),
    history.map((m) => columns.map(([, f]) => f(m))),
  );
}

export interface Charts {
  /** Every batch loss of the run shown (for the run file). */
  losses: () => readonly number[];
  /** Points drawn in the per-epoch error chart, all series (for the end-to-end tests). */
  errorPoints(): number;
  /** The error chart's legend entries as drawn. */
  errorLegend(): string[];
  /** The comparison as drawn: its legend entries and the y-axis' lower end. */
  compareView(): { legend: string[]; yMin: number };
}

export function mountCharts(store: AppStore, _deps: Deps): Charts {
  const errorCanvas = $('error-chart') as HTMLCanvasElement;
  const errorChart = new ErrorChart(errorCanvas);
  const lossChart = new LossChart($('loss-chart') as HTMLCanvasElement);
  const compareChart = new CompareChart($('compare-chart') as HTMLCanvasElement);

  const errorTable = $('error-table') as HTMLTableElement;
  const compareTable = $('compare-table') as HTMLTableElement;
  epochTable(errorTable, []);
  store.subscribe(
    (s) => s.history,
    (history) => {
      errorChart.setEpochs(history);
      epochTable(errorTable, history);
    },
  );
  store.subscribe(
    (s) => s.progress,
    (p) => p && lossChart.add(p.batchLosses),
  );
  store.subscribe(
    (s) => s.lossesAtStart,
    (losses) => lossChart.reset([...losses]),
  );
  store.subscribe(
    (s) => s.runs,
    (runs) => {
      compareChart.setRuns(runs);
      const epochs = Math.max(0, ...runs.map((r) => r.history.length));
      fillTable(
        compareTable,
        'Error rate per epoch of every kept run (test, else validation, else training)',
        ['epoch', ...runs.map((r) => r.label)],
        Array.from({ length: epochs }, (_, e) => [
          String(e + 1),
          ...runs.map((r) => percent(comparedErrors(r.history)[e])),
        ]),
      );
    },
  );
  $('export-compare-png').addEventListener('click', () =>
    ($('compare-chart') as HTMLCanvasElement).toBlob(
      (blob) => blob && download('digitrain-runs.png', blob, 'image/png'),
    ),
  );

  $('export-csv').addEventListener('click', () =>
    download('digitrain-curves.csv', curvesCsv(store.get().history), 'text/csv'),
  );
  $('export-png').addEventListener('click', () =>
    errorCanvas.toBlob((blob) => blob && download('digitrain-error.png', blob, 'image/png')),
  );

  return {
    losses: () => lossChart.all,
    errorPoints: () =>
      errorChart.chart.data.datasets.reduce((n, d) => n + d.data.filter((p) => p.y !== null).length, 0),
    errorLegend: () => errorChart.chart.legend?.legendItems?.map((item) => item.text) ?? [],
    compareView: () => ({
      legend: compareChart.chart.legend?.legendItems?.map((item) => item.text) ?? [],
      yMin: compareChart.chart.scales.y.min,
    }),
  };
}
