// The worker's way to the engine: web/core/loadEngine.ts picks the build (threads + SIMD when
// the page is cross-origin isolated, else SIMD only) and imports the Emscripten glue by URL.
// This file only adapts it to TrainerCore's host interface.
import { loadEngine } from '../core/loadEngine';
import type { Engine } from '../core/engine';
import type { BuildKind } from '../shared/protocol';

export async function startEngine(
  base: string,
  force: BuildKind | undefined,
  onAbort: (what: unknown) => void,
): Promise<{ engine: Engine; build: BuildKind; reason: string }> {
  return loadEngine({ base, build: force, onAbort });
}
