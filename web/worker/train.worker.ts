// The training worker's entry point: wires TrainerCore (all the logic) to the Worker
// globals — messages in, messages out with transferred buffers, the engine loaded by URL.
/// <reference lib="webworker" />
import type { Request } from '../shared/protocol';
import { startEngine } from './engine-loader';
import { TrainerCore } from './trainer-core';

declare const self: DedicatedWorkerGlobalScope;

// A zero-delay yield: setTimeout would be clamped to 4 ms once nested.
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();

const core = new TrainerCore({
  post: (message, transfer) => self.postMessage(message, transfer),
  loadEngine: startEngine,
  fetchBytes: async (url) => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
    return new Uint8Array(await response.arrayBuffer());
  },
  now: () => performance.now(),
  yieldToMessages: () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(0);
    }),
  cores: navigator.hardwareConcurrency || 1,
  origin: self.location.origin,
  // Thrown outside any handler, as an engine trap would be: the page sees the worker's onerror.
  crash: () =>
    setTimeout(() => {
      throw new Error('simulated crash (test hook)');
    }),
});

// Requests are handled one after another so engine calls never interleave.
let queue = Promise.resolve();
self.onmessage = (e: MessageEvent<Request>) => {
  queue = queue.then(() => core.handle(e.data));
};
