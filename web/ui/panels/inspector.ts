// The hand-computation inspector under "5. Understand the model" (web/ui/inspector.ts): one
// SGD step of a tiny network, every intermediate value computed by the worker's engine.
import type { AppStore, Deps } from '../app-state';
import { mountInspector } from '../inspector';
import { $ } from '../views';

export function mountInspectorPanel(_store: AppStore, { client }: Deps): void {
  mountInspector($('understand'), (args) => client.call('inspect', args));
}
