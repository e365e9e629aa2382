// How many training digits a run holds out for validation, fitted to the data actually
// loaded. The presets state what their lab did on full MNIST (the `lab` preset: the last
// 10,000 of 60,000); on a smaller set — the demo's 8,000 training digits, a subset via
// `limit` — that can be more than there is, which the engine refuses, or most of it, which
// leaves little to train on. Then a fifth of the available digits is held out instead, and
// the page says so in one line. Used by the worker (the run) and the page (its description
// of the data); no DOM, no engine.

import { fmt } from './format';

/** More than this share of the available digits held out is fitted down to FITTED_SHARE. */
export const MAX_VALIDATION_SHARE = 0.5;
export const FITTED_SHARE = 0.2;

/** Training digits a run can use: the first `limit` (0 = all) of the `loaded` ones. */
export function availableDigits(loaded: number, limit = 0): number {
  return limit > 0 ? Math.min(limit, loaded) : loaded;
}

export interface FittedValidation {
  validation: number;
  /** One line for the user when the request was changed, else null. */
  note: string | null;
}

/** `requested` held-out digits of `available` (after the subset), fitted as described above. */
export function fitValidation(requested: number, available: number, preset?: string): FittedValidation {
  if (!(requested > 0) || available <= 0 || requested <= available * MAX_VALIDATION_SHARE)
    return { validation: Math.max(0, requested || 0), note: null };
  const validation = Math.floor(available * FITTED_SHARE);
  const who = preset ? `The ${preset} preset holds out` : 'The settings hold out';
  return {
    validation,
    note:
      `Validation: ${who} ${fmt(requested)} digits for validation, ` +
      (requested >= available ? 'more than' : 'most of') +
      ` the ${fmt(available)} training digits loaded; this run holds out ${fmt(validation)} (a fifth) instead.`,
  };
}
