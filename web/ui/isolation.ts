// Why the page is (not) cross-origin isolated, as public/boot.js found out, and the one calm
// line the page shows when it runs single-threaded: the cause and what an instructor can do.
// No DOM here (the boot script's state is read from globalThis).

export type IsolationStatus =
  | 'pending'
  | 'reloading'
  | 'isolated'
  | 'dev'
  | 'insecure'
  | 'no-service-worker'
  | 'sw-blocked'
  | 'sw-failed'
  | 'sw-slow'
  | 'sw-no-isolation'
  | 'reload-failed'
  | 'embedded';

export interface BootState {
  status: IsolationStatus;
  detail: string;
  framed: boolean;
  swActive: boolean;
}

interface BootGlobal {
  digitrainBoot?: { isolation: Promise<BootState>; state: BootState };
}

/** The boot script's findings (null when the page was opened without it). */
export function bootState(): BootState | null {
  return (globalThis as BootGlobal).digitrainBoot?.state ?? null;
}

/** Resolves once the boot script has decided; never resolves on a page that is about to reload. */
export function isolationSettled(): Promise<BootState | null> {
  const boot = (globalThis as BootGlobal).digitrainBoot;
  return boot ? boot.isolation : Promise.resolve(null);
}

const HEADERS = 'the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp';

/** The reason shown after "SIMD only build … —" when the page is not isolated; null: keep the engine's own. */
export function singleThreadReason(state: BootState | null): string | null {
  if (!state) return null;
  const one = (cause: string, remedy: string) =>
    `the page is not cross-origin isolated here (${cause}), so training runs on one core. ${remedy}`;
  switch (state.status) {
    case 'embedded':
      if (state.detail === 'no-allow')
        return one(
          'its iframe has no allow="cross-origin-isolated"',
          'For threads: open it in its own tab, or serve the course page with COOP/COEP headers and add allow="cross-origin-isolated" to the iframe.',
        );
      return one(
        'the page it is embedded in is not isolated',
        'For threads: open it in its own tab, or serve the course page with COOP/COEP headers and embed it with allow="cross-origin-isolated".',
      );
    case 'insecure':
      return one(
        'it is served over plain http, where browsers run no service worker',
        `For threads, publish it over https, or serve it with ${HEADERS}.`,
      );
    case 'no-service-worker':
      return one(
        'this browser cannot run the service worker that adds the isolation headers',
        `For threads, serve digitrain with ${HEADERS}.`,
      );
    case 'sw-blocked':
    case 'sw-failed':
      return one(
        `the service worker that adds the isolation headers could not start${state.detail ? `: ${state.detail}` : ''}`,
        `For threads, allow service workers for this site, or serve digitrain with ${HEADERS}.`,
      );
    case 'sw-slow':
      return one(
        'the first download took too long to reload the page in time',
        'Reload the page: from now on it uses threads, offline too.',
      );
    case 'sw-no-isolation':
    case 'reload-failed':
      return one(
        'the browser did not isolate it even through the service worker',
        `For threads, serve digitrain with ${HEADERS}.`,
      );
    default:
      return null;
  }
}
