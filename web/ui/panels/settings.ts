// 2. Network and training: the preset, every setting as a form field (web/ui/config.ts), the
// page address that carries them, and the Share panel. The form and the store's `config` stay
// in step both ways: the form writes what it reads, and fills itself from any other change
// (a preset, a sweep's run, an opened run).
import type { TrainConfig } from '../../shared/protocol';
import { DRAWING_PRESET, type AppStore, type Deps } from '../app-state';
import { configFromQuery, FIELDS, formatValue, parseValue, queryFromConfig } from '../config';
import { mountShare } from '../share';
import { $, el, showError } from '../views';

export function mountSettings(store: AppStore, { params }: Deps): { readForm: () => void } {
  const presetSelect = $('preset') as HTMLSelectElement;
  const presetSource = $('preset-source');
  const errorBox = $('config-error');
  const inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  /** The configuration the form itself wrote last: no need to fill the form back from it. */
  let fromForm: TrainConfig | null = null;

  function buildForm(): void {
    // Each name with where it comes from: "tp" alone means nothing to a newcomer.
    presetSelect.replaceChildren(
      ...store
        .get()
        .presets.map((p) =>
          el('option', { value: p.name }, [`${p.name} — ${p.name === DRAWING_PRESET ? 'best for drawing' : p.source}`]),
        ),
    );
    const advice = $('preset-advice');
    advice.replaceChildren(
      'To draw your own digits, choose ',
      el('strong', {}, [DRAWING_PRESET]),
      ': it reads drawings most reliably. The other presets reproduce course labs.',
    );
    advice.hidden = !store.get().presets.some((p) => p.name === DRAWING_PRESET);
    const rows = FIELDS.map((field) => {
      const id = `field-${field.key}`;
      let input: HTMLInputElement | HTMLSelectElement;
      if (field.kind === 'enum')
        input = el(
          'select',
          { id },
          field.options!.map((o) => el('option', { value: o }, [o])),
        );
      else if (field.kind === 'bool') input = el('input', { id, type: 'checkbox' });
      else if (field.kind === 'layers')
        // A phone's number pad has no letters: only a field of unit counts alone may ask for it.
        input = el('input', {
          id,
          type: 'text',
          inputmode: field.layerPrefixes?.length ? 'text' : 'numeric',
          spellcheck: 'false',
        });
      else
        input = el('input', {
          id,
          type: 'number',
          step: field.step ?? '1',
          min: String(field.min ?? field.above ?? ''),
          max: String(field.max ?? ''),
        });
      input.dataset.key = field.key;
      if (field.help) input.setAttribute('aria-describedby', `${id}-help`);
      inputs.set(field.key, input);
      input.addEventListener('change', () => readForm());
      return el('div', { class: 'field' }, [
        el('label', { for: id }, [field.label]),
        input,
        ...(field.help ? [el('span', { id: `${id}-help`, class: 'hint' }, [field.help])] : []),
      ]);
    });
    $('config-fields').replaceChildren(...rows);
  }

  function choosePreset(name: string, overrides: Partial<TrainConfig>): void {
    const presets = store.get().presets;
    const preset = presets.find((p) => p.name === name) ?? presets[0];
    store.update({ preset, config: { ...preset.config, ...overrides } });
  }

  function fillForm(config: TrainConfig): void {
    for (const field of FIELDS) {
      const input = inputs.get(field.key)!;
      const value = config[field.key];
      if (field.kind === 'bool') (input as HTMLInputElement).checked = Boolean(value);
      else input.value = formatValue(field, value);
    }
  }

  /** Reads every field; a bad one is reported by name and the last good value stays. */
  function readForm(): void {
    const errors: string[] = [];
    const next = { ...store.get().config! } as Record<string, unknown>;
    for (const field of FIELDS) {
      const input = inputs.get(field.key)!;
      const text = field.kind === 'bool' ? ((input as HTMLInputElement).checked ? '1' : '0') : input.value;
      const r = parseValue(field, text);
      if (r.ok) next[field.key] = r.value;
      else errors.push(r.error);
      input.setAttribute('aria-invalid', String(!r.ok));
    }
    fromForm = next as unknown as TrainConfig;
    store.update({ config: fromForm });
    showError(errorBox, errors.length ? errors.join('\n') : null);
  }

  /** The address keeps the settings, so a reload or a copied link gives the same run. */
  function writeUrl(): void {
    const { preset, config, savedConfig } = store.get();
    // A sweep or seed repeat borrows `config` for its runs: the address keeps the form's.
    if (!preset || !config || savedConfig) return;
    history.replaceState(null, '', `${location.pathname}?${queryFromConfig(preset, config, params)}`);
  }

  // The engine's presets arrive once: the form is built, then set as the page's address asks.
  store.subscribe(
    (s) => s.presets,
    () => {
      buildForm();
      const fromUrl = configFromQuery(location.search, store.get().presets);
      choosePreset(fromUrl.preset, fromUrl.overrides);
      showError(errorBox, fromUrl.errors.length ? fromUrl.errors.join('\n') : null);
    },
  );
  store.subscribe(
    (s) => s.preset,
    (preset) => {
      if (!preset) return;
      presetSelect.value = preset.name;
      presetSource.textContent = `${preset.source}: ${preset.description}.`;
      writeUrl();
    },
  );
  store.subscribe(
    (s) => s.config,
    (config) => {
      if (config && config !== fromForm) fillForm(config);
      writeUrl();
    },
  );
  presetSelect.addEventListener('change', () => choosePreset(presetSelect.value, {}));

  // Share: the link (seed included) and the embed snippets (web/ui/share.ts).
  mountShare($('share-button') as HTMLButtonElement, () => {
    const { preset, config } = store.get();
    return preset && config ? { preset, config } : null;
  });

  return { readForm };
}
