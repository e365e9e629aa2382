// The engine line in the header: which build, how many threads, and why — or why it could not start.
import { threadsOffered, type AppStore, type Deps } from '../app-state';
import { bootState, singleThreadReason } from '../isolation';
import { $ } from '../views';

export function mountEngine(store: AppStore, { params }: Deps): void {
  const line = $('engine-status');
  store.subscribe((s) => s.info, (info) => {
    if (!info) return;
    const threads = threadsOffered(info);
    // Single-threaded for want of isolation: the boot script knows why, and what would help.
    const why = info.build === 'st' && !crossOriginIsolated && params.get('build') !== 'st' ? singleThreadReason(bootState()) : null;
    line.textContent =
      `Engine ${info.version}: ${info.label} build, training with up to ${threads} thread${threads > 1 ? 's' : ''} ` +
      `(${info.cores} cores) — ${why ?? info.reason}`;
    line.dataset.build = info.build;
    line.dataset.isolation = bootState()?.status ?? '';
    line.dataset.threads = String(threads);
  });
  store.subscribe((s) => s.engineError, (error) => {
    if (!error) return;
    line.textContent = `The engine could not start: ${error}`;
    line.classList.add('error');
  });
}
