// The page's Threads line when `auto` changes its mind mid-run, met as a user meets it: the page
// trains `best` (batch 64) at auto threads while other programs start and stop keeping every
// core busy. The engine re-measures while it trains (a short probe at the other count every
// ~2 s and 20 batches) and moves where the probe was faster; the line, the status's
// "on N threads" and the list of changes ("threads from epoch E, batch B: …", the CLI's words)
// must follow.
//
// Why real load and not a scripted one: the move is decided from measured batch times, and the
// engine offers the page no way to feed it others (holdThreads replays a count for the native
// determinism test, and would show "as held", not a measured reason). The load is made to push
// the one way it reliably pushes on any machine: spin loops in plain processes on every core
// (what the issue measured as "another process keeps a core busy") slow two threads joined at a
// barrier far more than one, so a run at 2 threads moves to 1 within a few probes. A run that
// measured 1 thread at its start (the machine was busy already) is first left to train without
// the spinners until its probes find 2 threads faster; that wait is the one step that depends
// on the machine quietening, and it ends as soon as the probe wins. After the spinners stop,
// the test takes whatever the adapter then decides, and checks that what the page shows agrees
// with it, whichever way it went.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { shotsDir, useBrowser, usePage } from './browser';
import { trainState } from './page-actions';

const browser = useBrowser();

/** The engine's reasons for a move made while training (cpp/core/parallel.cpp, ThreadAdapter). */
const UP = /^(\d+) threads: measured \d+\.\d\d× the speed of (\d+) threads? at batch 64 while training$/;
const DOWN =
  /^(\d+) threads?: measured \d+\.\d\d× the speed of (\d+) threads at batch 64 while training \((the other cores are busy|as fast, within 5 %, on fewer cores)\)$/;
const CHANGE = /^threads from epoch (\d+), batch (\d+): (.*)$/;

/** Spin loops in their own processes, one per core: the load a browser tab meets from the
 *  rest of the machine. */
let spinners: ChildProcess[] = [];
function startSpinners(): void {
  spinners = Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
}
function stopSpinners(): void {
  for (const p of spinners) p.kill('SIGKILL');
  spinners = [];
}
afterAll(stopSpinners);

const threadsNow = async (page: Page) => Number(await page.getAttribute('#train-status', 'data-threads'));
const changes = (page: Page) => page.locator('#train-thread-changes li').allTextContents();
const epochsDone = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { digitrain: { history: unknown[] } }).digitrain.history.length);
/** The reason of a line of the list of moves. */
const reasonOf = (move: string) => CHANGE.exec(move)?.[3] ?? '';
/** The count a move went to. */
const countOf = (move: string) => Number(/^(\d+) threads?:/.exec(reasonOf(move))?.[1]);

/** Waits until a move after the first `seen` ones went down (up with `up`), and returns every move so far. */
async function moveAfter(page: Page, seen: number, up: boolean, timeout: number): Promise<string[]> {
  await expect
    .poll(async () => (await changes(page)).slice(seen).some((m) => (up ? UP : DOWN).test(reasonOf(m))), {
      timeout,
      interval: 250,
    })
    .toBe(true);
  return changes(page);
}

/** The page agrees with the last move: the line says its reason, the status its count. */
async function expectPageShows(page: Page, moves: string[]): Promise<void> {
  const last = moves[moves.length - 1];
  const used = countOf(last);
  await expect.poll(() => page.textContent('#train-threads')).toBe(`Threads — ${reasonOf(last)}.`);
  expect(await threadsNow(page)).toBe(used);
  await expect
    .poll(() => page.textContent('#train-status'), { timeout: 10_000 })
    .toMatch(new RegExp(`samples/s on ${used} threads?\\b`));
}

describe('the Threads line while auto re-measures', () => {
  // Long enough never to finish while the test runs: it is stopped at the end.
  const page = usePage(browser, '?preset=best&epochs=1000');

  it('moves to 1 thread with a measured reason when every core is kept busy, and follows what comes after', async () => {
    if ((await page().getAttribute('#settings', 'open')) === null) await page().click('#settings summary');
    expect(await page().inputValue('#field-threads')).toBe('auto');
    expect(await page().isVisible('#train-thread-changes')).toBe(false);
    await page().click('#train-button');
    await expect.poll(() => trainState(page()), { timeout: 30_000 }).toBe('running');
    // The count chosen at the start, and why (measured, or not worth sharing).
    await expect.poll(() => page().textContent('#train-threads')).toMatch(/^Threads — (1 thread|2 threads): .+\.$/);

    let moves: string[] = [];
    if ((await threadsNow(page())) === 1) {
      // Started on one thread: the probes at 2 move it up once the machine has a core free.
      moves = await moveAfter(page(), 0, true, 120_000);
    }

    startSpinners();
    const before = moves.length;
    moves = await moveAfter(page(), before, false, 60_000);
    const down = moves.slice(before).find((m) => DOWN.test(reasonOf(m)))!;
    expect(down).toMatch(CHANGE);
    await page()
      .locator('#train')
      .screenshot({ path: `${shotsDir}/threads-moved.png` });

    // The spinners stop; the run trains on for many more probes, and whatever the adapter
    // decides, the page shows it.
    stopSpinners();
    const epochs = await epochsDone(page());
    await expect.poll(() => epochsDone(page()), { timeout: 90_000 }).toBeGreaterThanOrEqual(epochs + 20);
    moves = await changes(page());
    await expectPageShows(page(), moves);
    // Every move is a measured one, to the other count than the one before, at a later batch.
    let at = [0, 0];
    moves.forEach((move, i) => {
      const m = CHANGE.exec(move);
      expect(m, move).not.toBeNull();
      const [, to, from] = (UP.exec(m![3]) ?? DOWN.exec(m![3]))!;
      if (i > 0) expect(Number(from)).toBe(countOf(moves[i - 1]));
      expect(Number(to)).not.toBe(Number(from));
      const next = [Number(m![1]), Number(m![2])];
      expect(
        next[0] > at[0] || (next[0] === at[0] && next[1] > at[1]),
        `${move} after epoch ${at[0]}, batch ${at[1]}`,
      ).toBe(true);
      at = next;
    });

    await page().click('#stop-button');
    await expect.poll(() => trainState(page())).toBe('stopped');
    // The stopped run keeps its record of the moves.
    expect(await changes(page())).toEqual(moves);
  });
});
