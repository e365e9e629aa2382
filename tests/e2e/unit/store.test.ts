// The page's store (web/ui/store.ts): listeners run once per change of the slice they select,
// in a nested update too, and never after they unsubscribe.
import { describe, expect, it } from 'vitest';
import { createStore } from '../../../web/ui/store';

const start = () => createStore({ count: 0, items: [] as number[], label: 'a' });

describe('createStore', () => {
  it('merges a patch or what a function of the state returns', () => {
    const store = start();
    store.update({ label: 'b' });
    store.update((s) => ({ count: s.count + 2 }));
    expect(store.get()).toEqual({ count: 2, items: [], label: 'b' });
  });

  it('calls a listener only when its slice changes, with the previous slice', () => {
    const store = start();
    const seen: [number, number][] = [];
    store.subscribe(
      (s) => s.count,
      (count, previous) => seen.push([count, previous]),
    );
    store.update({ label: 'b' });
    store.update({ count: 0 });
    store.update({ count: 1 });
    store.update({ count: 1, label: 'c' });
    store.update({ count: 3 });
    expect(seen).toEqual([
      [1, 0],
      [3, 1],
    ]);
  });

  it('compares slices by identity: a new array is a change, a mutated one is not', () => {
    const store = start();
    let calls = 0;
    store.subscribe(
      (s) => s.items,
      () => calls++,
    );
    store.get().items.push(1);
    store.update({ label: 'b' });
    expect(calls).toBe(0);
    store.update((s) => ({ items: [...s.items, 2] }));
    expect(calls).toBe(1);
  });

  it('runs a listener once when another listener updates the store in turn', () => {
    const store = start();
    const labels: string[] = [];
    store.subscribe(
      (s) => s.count,
      (count) => store.update({ label: `count ${count}` }),
    );
    store.subscribe(
      (s) => s.label,
      (label) => labels.push(label),
    );
    const counts: number[] = [];
    store.subscribe(
      (s) => s.count,
      (count) => counts.push(count),
    );
    store.update({ count: 1 });
    expect(labels).toEqual(['count 1']);
    expect(counts).toEqual([1]);
    expect(store.get()).toMatchObject({ count: 1, label: 'count 1' });
  });

  it('stops calling a listener after it unsubscribes', () => {
    const store = start();
    let calls = 0;
    const stop = store.subscribe(
      (s) => s.count,
      () => calls++,
    );
    store.update({ count: 1 });
    stop();
    store.update({ count: 2 });
    expect(calls).toBe(1);
  });

  it('keeps the initial object unchanged', () => {
    const initial = { count: 0 };
    const store = createStore(initial);
    store.update({ count: 5 });
    expect(initial.count).toBe(0);
  });
});
