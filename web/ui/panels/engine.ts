// The engine line in the header: which build, how many threads, and why — or why it could not
// start — and the engine's memory once it has started (again after each load).
import type { EngineMemory } from '../../shared/protocol';
import { threadsOffered, type AppStore, type Deps } from '../app-state';
import { bootState, singleThreadReason } from '../isolation';
import { $ } from '../views';

export function mountEngine(store: AppStore, { params }: Deps): void {
  const line = $('engine-status');
  const summary = $('engine-summary');
  const details = $('engine-details');
  const reason = $('engine-reason');
  const memory = $('engine-memory');
  const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
  const showMemory = (m: EngineMemory | null) => {
    line.dataset.memoryBytes = m ? String(m.heapBytes) : '';
    memory.textContent = m
      ? `Engine memory: ${mb(m.heapBytes)} (${mb(m.usedBytes)} in use, peak ${mb(m.peakBytes)}).`
      : '';
  };
  store.subscribe(
    (s) => s.dataset?.memory,
    (m) => {
      if (m && store.get().info) showMemory(m);
    },
  );
  store.subscribe(
    (s) => s.info,
    (info) => {
      if (!info) return;
      const threads = threadsOffered(info);
      // Single-threaded for want of isolation: the boot script knows why, and what would help.
      const why =
        info.build === 'st' && !crossOriginIsolated && params.get('build') !== 'st'
          ? singleThreadReason(bootState())
          : null;
      // One short line; why this build (cross-origin isolation and what would help) and its memory on demand.
      summary.textContent = `Engine ${info.version}: ${info.label} build, up to ${threads} thread${threads > 1 ? 's' : ''} (${info.cores} cores).`;
      reason.textContent = why ?? info.reason;
      showMemory(store.get().dataset?.memory ?? info.memory);
      details.hidden = false;
      line.dataset.build = info.build;
      line.dataset.isolation = bootState()?.status ?? '';
      line.dataset.threads = String(threads);
    },
  );
  store.subscribe(
    (s) => s.engineError,
    (error) => {
      if (!error) return;
      summary.textContent = `The engine could not start: ${error}`;
      details.hidden = true;
      line.classList.add('error');
    },
  );
}
