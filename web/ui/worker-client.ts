// The page's side of the worker protocol: typed calls that return promises, events passed
// to a callback, and crash recovery. When the worker dies (an uncaught error, an engine
// abort reported as a `fatal` event), every pending call is rejected, the worker is
// terminated and a fresh one is started; `onRestart` lets the page reload data and its
// last good model into it. It runs on the page's thread (hence web/ui/), but touches no DOM.
import type { Args, FromWorker, Method, Returns, WorkerEvent } from '../shared/protocol';
import { transferablesOf } from '../shared/protocol';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  method: Method;
}

export class WorkerClient {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  /** How many workers have died so far (tests and the page read it). */
  crashes = 0;

  constructor(
    private makeWorker: () => Worker,
    private onEvent: (event: WorkerEvent) => void,
    private onRestart: (reason: string) => void,
  ) {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const worker = this.makeWorker();
    worker.onmessage = (e: MessageEvent<FromWorker>) => {
      if (worker !== this.worker) return;
      const m = e.data;
      if (m.kind === 'event') {
        if (m.event.type === 'fatal') this.died(m.event.message);
        else this.onEvent(m.event);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      if (worker === this.worker) this.died(e.message || 'the worker failed to load or threw an uncaught error');
    };
    worker.onmessageerror = () => {
      if (worker === this.worker) this.died('a message from the worker could not be read');
    };
    return worker;
  }

  private died(reason: string): void {
    this.crashes++;
    this.worker.terminate();
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.worker = this.spawn();
    for (const p of pending) p.reject(new Error(`the training worker crashed during ${p.method}: ${reason}`));
    this.onRestart(reason);
  }

  /** Calls a worker method; buffers in `args` are transferred (the caller loses them). */
  call<M extends Method>(method: M, args: Args<M>): Promise<Returns<M>> {
    const id = this.nextId++;
    return new Promise<Returns<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      this.worker.postMessage({ kind: 'request', id, method, args }, transferablesOf(args));
    });
  }

  /** Replaces the worker with a fresh one on purpose (not a crash): the only way to empty
   *  the engine's data slots. Pending calls are rejected; the page reloads what it needs. */
  restart(): void {
    this.worker.terminate();
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.worker = this.spawn();
    for (const p of pending) p.reject(new Error(`the training worker was replaced during ${p.method}`));
  }

  terminate(): void {
    this.worker.terminate();
  }
}
