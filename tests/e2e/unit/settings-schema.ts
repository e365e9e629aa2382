// The engine's own settings table for the page's Node tests: loaded from the SIMD-only
// WebAssembly build (public/wasm/st, `npm run build:wasm`) and installed in web/ui/config.ts
// the way web/ui/main.ts does with the worker's, so the tests check the page against the
// engine rather than against a copy.
import { engineFor } from '../../web/helpers';
import { settingsSchema, type SettingSchema } from '../../../web/core/session';
import { useSettingsSchema } from '../../../web/ui/config';

export async function installEngineSettings(): Promise<SettingSchema[]> {
  const schema = settingsSchema(await engineFor('st'));
  useSettingsSchema(schema);
  return schema;
}
