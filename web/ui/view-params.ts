// The page's view parameters, next to the training settings in the URL:
//   panels=draw | train,plot | settings,train,plot,draw | inspector | …  which panels show
//   compact=1 | 0 | auto     a layout for narrow columns (auto: below 600 px wide)
//   theme=light | dark | auto   auto follows the system (or the embedding page's) preference
//   embed=1                  inside a course page: no big header, a link to open it in a tab
//   autotrain=1 | 0          train as soon as the data is in (default: when the train panel is hidden)
// Checked like the settings: an unknown panel or value is reported by name, never guessed.
// No DOM here (web/ui/embed-view.ts applies them; public/boot.js applies the first paint's part).

/** URL keys that are about the page, not the training: the settings codec leaves them alone. */
export const VIEW_KEYS = ['panels', 'compact', 'theme', 'embed', 'autotrain'] as const;

export const PANELS = ['data', 'settings', 'train', 'plot', 'draw', 'understand', 'inspector', 'models'] as const;
export type Panel = (typeof PANELS)[number];

const ALIASES: Record<string, Panel> = {
  configure: 'settings',
  config: 'settings',
  plots: 'plot',
  charts: 'plot',
  confusion: 'understand',
  runs: 'models',
  model: 'models',
};

/** The page section each panel lives in (train and plot share #train; the inspector sits in #understand). */
export const PANEL_SECTION: Record<Panel, string> = {
  data: 'data',
  settings: 'configure',
  train: 'train',
  plot: 'train',
  draw: 'draw',
  understand: 'understand',
  inspector: 'understand',
  models: 'models',
};

export interface ViewParams {
  /** null: every panel (the full page). */
  panels: Panel[] | null;
  compact: 'on' | 'off' | 'auto';
  theme: 'light' | 'dark' | 'auto';
  embed: boolean;
  autotrain: boolean;
  errors: string[];
}

const TRUE = ['1', 'true', 'yes', 'on', ''];
const FALSE = ['0', 'false', 'no', 'off'];

export function viewFromQuery(query: string): ViewParams {
  const params = new URLSearchParams(query);
  const errors: string[] = [];
  let panels: Panel[] | null = null;
  const p = params.get('panels');
  if (p !== null) {
    const wanted = p
      .split(/[\s,+]+/)
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    const known: Panel[] = [];
    for (const name of wanted) {
      const panel = (PANELS as readonly string[]).includes(name) ? (name as Panel) : ALIASES[name];
      if (panel) {
        if (!known.includes(panel)) known.push(panel);
      } else
        errors.push(
          `The link asks for a panel "${name.slice(0, 40)}", which is not one of ${PANELS.join(', ')}; it was ignored.`,
        );
    }
    panels = known.length ? known : null;
  }

  const choice = <T extends string>(key: string, options: readonly T[], fallback: T): T => {
    const v = params.get(key);
    if (v === null) return fallback;
    const t = v.trim().toLowerCase();
    if ((options as readonly string[]).includes(t)) return t as T;
    errors.push(`The link's ${key} must be one of ${options.join(', ')}, got "${v.slice(0, 40)}"; using ${fallback}.`);
    return fallback;
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const v = params.get(key);
    if (v === null) return fallback;
    const t = v.trim().toLowerCase();
    if (TRUE.includes(t)) return true;
    if (FALSE.includes(t)) return false;
    errors.push(`The link's ${key} must be 1 or 0, got "${v.slice(0, 40)}"; using ${fallback ? 1 : 0}.`);
    return fallback;
  };

  const compactText = params.get('compact');
  const compact: ViewParams['compact'] =
    compactText === null || compactText.trim().toLowerCase() === 'auto'
      ? 'auto'
      : flag('compact', false)
        ? 'on'
        : 'off';
  const theme = choice('theme', ['light', 'dark', 'auto'] as const, 'auto');
  const embed = flag('embed', false);
  // Without the train panel nobody could press Train: the network trains by itself.
  const autotrain = flag('autotrain', panels !== null && !panels.includes('train'));
  return { panels, compact, theme, embed, autotrain, errors };
}

/** The sections to show, and within #train / #understand which halves. */
export function visibleSections(panels: Panel[] | null): {
  sections: Set<string>;
  trainControls: boolean;
  plots: boolean;
  understandAll: boolean;
} {
  if (!panels)
    return { sections: new Set(Object.values(PANEL_SECTION)), trainControls: true, plots: true, understandAll: true };
  return {
    sections: new Set(panels.map((p) => PANEL_SECTION[p])),
    trainControls: panels.includes('train'),
    plots: panels.includes('plot'),
    understandAll: panels.includes('understand'),
  };
}
