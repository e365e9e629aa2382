// The page's side of portable runs: "Export run (JSON)" writes the finished run as
// one file (web/ui/run-file.ts), "Open run…" reads one back — refused with a message naming
// the file and the problem when it is not a good run file. What a run is made of and how it
// is shown belong to the page (panels/models.ts passes `gather` and `show`).
import { parseRunFile, runFileName, type RunFile } from './run-file';
import { showError } from './views';

export interface RunPanel {
  /** Opens a run file (from the file input, a drop, or "Load model…" given a run). */
  open(file: File): Promise<void>;
}

export function mountRunPanel(deps: {
  exportButton: HTMLButtonElement;
  input: HTMLInputElement;
  errorBox: HTMLElement;
  statusBox: HTMLElement;
  gather(): Promise<RunFile>;
  show(run: RunFile, fileName: string): Promise<void>;
  download(name: string, data: BlobPart, type: string): void;
}): RunPanel {
  const { exportButton, input, errorBox, statusBox } = deps;

  async function exportRun(): Promise<void> {
    showError(errorBox, null);
    try {
      const run = await deps.gather();
      const name = runFileName(run);
      deps.download(name, JSON.stringify(run), 'application/json');
      statusBox.textContent = `Exported ${name}: settings, ${run.history.length} epochs of curves, ${run.confusion ? 'the confusion matrix, ' : ''}and the model.`;
    } catch (e) {
      showError(errorBox, `The run could not be exported: ${(e as Error).message}`);
    }
  }
  exportButton.addEventListener('click', () => void exportRun());

  async function open(file: File): Promise<void> {
    showError(errorBox, null);
    let parsed;
    try {
      parsed = parseRunFile(await file.text(), file.name);
    } catch (e) {
      parsed = { ok: false as const, error: `${file.name} could not be read: ${(e as Error).message}` };
    }
    if (!parsed.ok) {
      showError(errorBox, `${parsed.error}\nNothing was changed.`);
      return;
    }
    try {
      await deps.show(parsed.run, file.name);
    } catch (e) {
      // The engine refused the model inside (its message names the file and the field).
      showError(
        errorBox,
        `${file.name}: its model was refused: ${(e as Error).message}\nThe current model is unchanged.`,
      );
    }
  }

  input.addEventListener('change', () => {
    const f = input.files?.[0];
    input.value = '';
    if (f) void open(f);
  });
  return { open };
}
