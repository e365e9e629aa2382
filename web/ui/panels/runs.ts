// 6. Models and runs, the comparison: every run that ends is kept (the overlay chart is in
// panels/charts.ts), learning-rate sweeps and seed repeats queue several runs as one group,
// and each group is summed up (web/ui/run-groups.ts).
import type { PresetInfo, TrainConfig } from '../../shared/protocol';
import { guarded, newRun } from '../actions';
import { canTrain, ENDED, type AppStore, type Deps, type KeptRun } from '../app-state';
import { differences, FIELDS, formatValue } from '../config';
import { download, runsCsv } from '../export';
import { describeGroup, isSweep, SWEEP_GROUP } from '../run-groups';
import { $, el } from '../views';

const SWEEP_RATES = [0.001, 0.003, 0.01, 0.03];

/** Each numbered run labelled by the settings that differ from its preset — and, where another
 *  run of that preset changed a setting this one kept, by the preset's value too, marked
 *  "(preset)": among labelled runs, an unlabelled one reads as having no value at all. */
function labelled(runs: KeptRun[], presets: PresetInfo[]): KeptRun[] {
  const base = (run: KeptRun) => presets.find((p) => p.name === run.config.preset)?.config;
  const changedBy = (run: KeptRun, b: TrainConfig) => differences(b, run.config).map((d) => d.slice(0, d.indexOf('=')));
  const changed = new Map<string, Set<string>>();
  for (const run of runs) {
    const b = base(run);
    if (!run.name || !b) continue;
    changed.set(run.config.preset, new Set([...(changed.get(run.config.preset) ?? []), ...changedBy(run, b)]));
  }
  return runs.map((run) => {
    const b = base(run);
    if (!run.name || !b) return run;
    const own = changedBy(run, b);
    const parts = FIELDS.filter((f) => changed.get(run.config.preset)?.has(f.key)).map(
      (f) => `${f.key}=${formatValue(f, run.config[f.key])}${own.includes(f.key) ? '' : ' (preset)'}`,
    );
    return { ...run, label: [run.name, ...parts].join(' ') };
  });
}

export function mountRuns(
  store: AppStore,
  deps: Deps & { readForm: () => void; evaluateTest: () => Promise<void> },
): void {
  const { client } = deps;
  const sweep = $('sweep-button') as HTMLButtonElement;
  const seeds = $('seeds-button') as HTMLButtonElement;
  const seedCount = $('seed-count') as HTMLInputElement;
  const queueStatus = $('queue-status');
  const list = $('runs');
  const groups = $('groups');

  store.subscribe(
    (s) => s,
    (s) => (sweep.disabled = seeds.disabled = !canTrain(s) || s.state === 'running' || s.queue.length > 0),
  );

  store.subscribe(
    (s) => s.runs,
    (runs) => {
      const names = [...new Set(runs.map((r) => r.group).filter((g): g is string => Boolean(g)))];
      groups.replaceChildren(
        ...names.map((name) => {
          const members = runs.filter((r) => r.group === name);
          return el('p', { class: 'group', 'data-runs': String(members.length) }, [
            describeGroup(name, members, isSweep(name)),
          ]);
        }),
      );
      list.replaceChildren(
        ...runs.map((run, i) => {
          const last = run.history[run.history.length - 1];
          const err = last?.test_error ?? last?.validation_error;
          const remove = el('button', { type: 'button', 'aria-label': `Remove run ${run.label}` }, ['Remove']);
          remove.addEventListener('click', () => store.update((s) => ({ runs: s.runs.filter((_, k) => k !== i) })));
          return el('li', {}, [
            `${run.label}: ${run.history.length} epochs${err != null ? `, final error ${(err * 100).toFixed(2)}%` : ''} `,
            remove,
          ]);
        }),
      );
    },
  );

  /** After a run ends: keep it for comparison, then the next queued run, or look at its mistakes. */
  store.subscribe(
    (s) => s.state,
    (state) => {
      if (!ENDED.includes(state)) return;
      const { history, config, preset, runs, group } = store.get();
      if (history.length && config && preset) {
        const name = `#${runs.length + 1} ${preset.name}`;
        store.update({
          runs: labelled(
            [...runs, { name, label: name, history: [...history], config: { ...config }, group }],
            store.get().presets,
          ),
        });
      }
      // A stopped or diverged run ends a sweep; a finished one starts the next queued run.
      if (state !== 'finished') store.update({ queue: [] });
      if (store.get().queue.length) setTimeout(() => void runNextQueued(), 0);
      else {
        queueStatus.textContent = '';
        const saved = store.get().savedConfig;
        store.update(saved ? { group: undefined, config: saved, savedConfig: null } : { group: undefined });
        void deps.evaluateTest();
      }
    },
  );

  async function runNextQueued(): Promise<void> {
    const [next, ...rest] = store.get().queue;
    if (!next) return;
    store.update({ group: next.group, config: next.config, queue: rest });
    queueStatus.textContent = `${next.group}: run ${store.get().runs.filter((r) => r.group === next.group).length + 1}, ${rest.length} more queued.`;
    await guarded(store, async () => {
      await newRun(store, deps, next.config);
      await client.call('start', {});
    });
  }

  function queueRuns(group: string, configs: (config: TrainConfig) => TrainConfig[]): void {
    deps.readForm();
    const config = store.get().config!;
    store.update({ savedConfig: { ...config }, queue: configs(config).map((c) => ({ config: c, group })) });
    void runNextQueued();
  }

  sweep.addEventListener('click', () =>
    queueRuns(`${SWEEP_GROUP} ${new Date().toLocaleTimeString()}`, (config) =>
      SWEEP_RATES.map((lr) => ({ ...config, learning_rate: lr })),
    ),
  );
  seeds.addEventListener('click', () => {
    const n = Math.max(2, Math.min(10, Math.round(Number(seedCount.value)) || 3));
    queueRuns(`${n} seeds ${new Date().toLocaleTimeString()}`, (config) =>
      Array.from({ length: n }, (_, k) => ({ ...config, seed: config.seed + k })),
    );
  });
  $('export-runs').addEventListener('click', () =>
    download('digitrain-runs.csv', runsCsv(store.get().runs), 'text/csv'),
  );
}
