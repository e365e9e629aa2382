// The plots (web/ui/charts.ts): error rates per epoch and the loss of every batch under
// "3. Train", with their exports, and the kept runs overlaid under "6. Models and runs".
import type { AppStore, Deps } from '../app-state';
import { CompareChart, ErrorChart, LossChart } from '../charts';
import { curvesCsv, download } from '../export';
import { $ } from '../views';

export interface Charts {
  /** Every batch loss of the run shown (for the run file). */
  losses(): readonly number[];
  /** Points drawn in the per-epoch error chart, all series (for the end-to-end tests). */
  errorPoints(): number;
}

export function mountCharts(store: AppStore, _deps: Deps): Charts {
  const errorCanvas = $('error-chart') as HTMLCanvasElement;
  const errorChart = new ErrorChart(errorCanvas);
  const lossChart = new LossChart($('loss-chart') as HTMLCanvasElement);
  const compareChart = new CompareChart($('compare-chart') as HTMLCanvasElement);

  store.subscribe((s) => s.history, (history) => errorChart.setEpochs(history));
  store.subscribe((s) => s.progress, (p) => p && lossChart.add(p.batchLosses));
  store.subscribe((s) => s.lossesAtStart, (losses) => lossChart.reset([...losses]));
  store.subscribe((s) => s.runs, (runs) => compareChart.setRuns(runs));

  $('export-csv').addEventListener('click', () => download('digitrain-curves.csv', curvesCsv(store.get().history), 'text/csv'));
  $('export-png').addEventListener('click', () => errorCanvas.toBlob((blob) => blob && download('digitrain-error.png', blob, 'image/png')));

  return {
    losses: () => lossChart.all,
    errorPoints: () => errorChart.chart.data.datasets.reduce((n, d) => n + d.data.filter((p) => p.y !== null).length, 0),
  };
}
