// A TrainerCore driven directly, as train.worker.ts drives it, but in Node: requests go in
// through handle(), events and replies are collected. `yieldToMessages` decides how the
// training loop lets other messages in between chunks (fake-timer tests need setImmediate).
import type { Engine } from '../../../web/core/engine';
import type { FromWorker, Request, WorkerEvent } from '../../../web/shared/protocol';
import { TrainerCore } from '../../../web/worker/trainer-core';

export function trainerHarness(engine: Engine, yieldToMessages: () => Promise<void>) {
  const events: WorkerEvent[] = [];
  const replies = new Map<number, FromWorker>();
  let id = 0;
  const core = new TrainerCore({
    post: (m) => (m.kind === 'event' ? events.push(m.event) : replies.set(m.id, m)),
    loadEngine: async () => ({ engine, build: 'st', reason: 'test' }),
    fetchBytes: async () => new Uint8Array(),
    now: () => performance.now(),
    yieldToMessages,
    cores: 1,
    origin: 'http://x',
    crash: () => {},
  });
  /** Sends one request and returns the worker's reply message. */
  const send = async (method: Request['method'], args: object = {}): Promise<FromWorker> => {
    const n = ++id;
    await core.handle({ kind: 'request', id: n, method, args } as Request);
    return replies.get(n)!;
  };
  return { core, events, send };
}
