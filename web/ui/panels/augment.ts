// The augmentation preview (in 2. Network and training): a few training digits as the network
// sees them this epoch — each row one digit, its stored image first, then its distortions in
// this epoch and the next ones. The engine draws them (Session.augmentPreview), from the same
// (seed, epoch, sample) the training uses. It follows the form as its fields are typed in or
// stepped, before they are committed, so moving a range shows what it does at once.
import type { TrainConfig } from '../../shared/protocol';
import type { AppStore, Deps } from '../app-state';
import { FIELDS, parseValue } from '../config';
import { $, drawDigit } from '../views';

const DIGITS = 4;
const VARIANTS = 5;
const SCALE = 2;
const GAP = 6;

/** The settings that change what the preview shows: the switch, the ranges, and the seed. */
function affectsPreview(key: string): boolean {
  return key === 'augment' || key === 'seed' || key.startsWith('augment_') || key.startsWith('elastic_');
}

export function mountAugmentPreview(store: AppStore, { client }: Deps): void {
  const canvas = $('augment-preview') as HTMLCanvasElement;
  const caption = $('augment-preview-caption');
  const fields = $('config-fields');
  let pending: Partial<TrainConfig> | null = null;
  let busy = false;

  /** The store's settings with the form's augmentation fields as they read now. */
  function formConfig(): Partial<TrainConfig> | null {
    const config = store.get().config;
    if (!config) return null;
    const next: Record<string, unknown> = { ...config };
    for (const field of FIELDS) {
      if (!affectsPreview(field.key)) continue;
      const input = document.getElementById(`field-${field.key}`) as HTMLInputElement | null;
      if (!input) continue;
      const r = parseValue(field, field.kind === 'bool' ? (input.checked ? '1' : '0') : input.value);
      if (r.ok) next[field.key] = r.value;
    }
    return next;
  }

  // One request at a time; a change made meanwhile is drawn when it returns.
  async function refresh(config: Partial<TrainConfig> | null): Promise<void> {
    const s = store.get();
    if (!config || !s.dataset) return;
    if (busy) {
      pending = config;
      return;
    }
    busy = true;
    try {
      const epoch = s.history.length;
      const p = await client.call('augmentPreview', { config, start: 0, count: DIGITS, epoch, variants: VARIANTS });
      draw(p.images, p.count, p.variants, p.rows, p.cols, config.augment === true, epoch);
    } catch {
      // A setting out of range is reported by the form; the preview keeps its last picture.
    } finally {
      busy = false;
      const next = pending;
      pending = null;
      if (next) void refresh(next);
    }
  }

  function draw(
    images: Uint8Array,
    count: number,
    variants: number,
    rows: number,
    cols: number,
    on: boolean,
    epoch: number,
  ): void {
    const cellW = cols * SCALE + GAP,
      cellH = rows * SCALE + GAP;
    canvas.width = (1 + variants) * cellW + GAP;
    canvas.height = count * cellH;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (let d = 0; d < count; d++)
      for (let v = 0; v <= variants; v++) {
        // A wider gap after each digit's stored image sets it apart from its distortions.
        const x = v * cellW + (v > 0 ? GAP : 0);
        drawDigit(ctx, images, (d * (1 + variants) + v) * rows * cols, rows, cols, x, d * cellH, SCALE);
      }
    const what = on
      ? `as the network sees them in epoch ${epoch + 1} and the ${variants - 1} epochs after`
      : 'unchanged: augmentation is off';
    caption.textContent = `The first ${count} training digits: the stored image, then ${variants} times ${what}.`;
    canvas.setAttribute('aria-label', caption.textContent);
    canvas.dataset.epoch = String(epoch);
  }

  // Typed or stepped values, before they are committed with Enter or by leaving the field.
  const onEdit = (e: Event) => {
    const key = (e.target as HTMLElement).dataset.key;
    if (key && affectsPreview(key)) void refresh(formConfig());
  };
  fields.addEventListener('input', onEdit);
  fields.addEventListener('change', onEdit);
  store.subscribe(
    (s) => s.config,
    () => void refresh(formConfig()),
  );
  store.subscribe(
    (s) => s.dataset,
    () => void refresh(formConfig()),
  );
  // A new epoch: the digits as that epoch draws them.
  store.subscribe(
    (s) => s.history.length,
    () => void refresh(formConfig()),
  );
}
