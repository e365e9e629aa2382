// The page's state as one typed object, and the one way to change it. Panels read it with
// get(), change it with update() and redraw in subscribe() listeners, which run when the
// slice they select changes (compared with Object.is). So updates replace what they change —
// a new array, never a push into the old one — or no listener would notice. No DOM here.

export interface Store<S extends object> {
  get(): Readonly<S>;
  /** Merges `change` (or what `change(current)` returns) into the state, then notifies. */
  update(change: Partial<S> | ((state: Readonly<S>) => Partial<S>)): void;
  /** Calls `listener(slice, previous)` after each update that changes `select(state)`; returns
   *  the unsubscribe function. Nothing is called at subscription: render the current state then. */
  subscribe<T>(select: (state: Readonly<S>) => T, listener: (slice: T, previous: T) => void): () => void;
}

interface Subscription<S> {
  select: (state: Readonly<S>) => unknown;
  listener: (slice: unknown, previous: unknown) => void;
  last: unknown;
}

export function createStore<S extends object>(initial: S): Store<S> {
  let state: Readonly<S> = { ...initial };
  const subscriptions = new Set<Subscription<S>>();

  return {
    get: () => state,
    update(change) {
      const patch = typeof change === 'function' ? change(state) : change;
      state = { ...state, ...patch };
      // A listener may update the store in turn: each subscription remembers the slice it last
      // saw before its listener runs, so the nested update neither repeats nor loses a call.
      for (const sub of [...subscriptions]) {
        if (!subscriptions.has(sub)) continue;
        const slice = sub.select(state);
        if (Object.is(slice, sub.last)) continue;
        const previous = sub.last;
        sub.last = slice;
        sub.listener(slice, previous);
      }
    },
    subscribe(select, listener) {
      const sub: Subscription<S> = {
        select,
        listener: listener as Subscription<S>['listener'],
        last: select(state),
      };
      subscriptions.add(sub);
      return () => void subscriptions.delete(sub);
    },
  };
}
