// The page's Threads line when `auto` changes its mind mid-run, met as a user meets it: the page
// trains `best` (batch 64) at auto threads while other programs keep every core busy. The engine
// re-measures while it trains (a short probe at the other count every ~2 s and 20 batches) and
// moves where the probe was faster; the line, the status's "on N threads" and the list of moves
// ("threads from epoch E, batch B: …", the CLI's words) must follow, during the run and after
// it is stopped.
//
// Why real load and not a scripted one: the move is decided from measured batch times, and the
// engine offers the page no way to feed it others (holdThreads replays a count for the native
// determinism test and says "as held", not a measured reason). Real load pushes reliably one
// way only: spin loops in plain processes on every core (the issue's "another process keeps a
// core busy") slow two threads joined at a barrier far more than one, so a run that started on
// 2 threads moves to 1 within a few probes. The other way (1 → 2) needs the machine to be
// quiet, which a test cannot arrange on a shared CI machine: tried here under a load of ~9 on 2
// cores, a run that started on one thread did not move up in 120 s. So the test starts the run
// again (up to three starts) until it starts on two threads; if none does, it checks the
// start's measured reason and that the page stays consistent while the run trains on under
// the spinners, instead of waiting for a move that may never come. After the spinners stop, the
// test takes whatever the adapter then decides and checks that the page agrees with it.
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

/** Waits until a move after the first `seen` ones went down, and returns every move so far. */
async function moveDownAfter(page: Page, seen: number, timeout: number): Promise<string[]> {
  await expect
    .poll(async () => (await changes(page)).slice(seen).some((m) => DOWN.test(reasonOf(m))), {
      timeout,
      interval: 250,
    })
    .toBe(true);
  return changes(page);
}

/** The page agrees with the last move: the line says its reason, the status its count. Read
 *  together, so that a move made in between is a retry, not a failure. */
async function expectPageShows(page: Page): Promise<void> {
  const shown = async () => {
    const moves = await changes(page);
    const last = moves[moves.length - 1];
    const used = countOf(last);
    return {
      line: (await page.textContent('#train-threads')) === `Threads — ${reasonOf(last)}.`,
      count: (await threadsNow(page)) === used,
      status: new RegExp(`samples/s on ${used} threads?\\b`).test((await page.textContent('#train-status')) ?? ''),
    };
  };
  await expect.poll(shown, { timeout: 10_000 }).toEqual({ line: true, count: true, status: true });
}

describe('the Threads line while auto re-measures', () => {
  // Never finishes while the test runs (it is stopped at the end); short epochs of 2,000 digits
  // (31 batches), so that the waits below, counted in epochs, stay short on a slow machine.
  const page = usePage(browser, '?preset=best&epochs=1000&limit=2000');

  it('moves to 1 thread with a measured reason when every core is kept busy, and shows every move', async () => {
    if ((await page().getAttribute('#settings', 'open')) === null) await page().click('#settings summary');
    expect(await page().inputValue('#field-threads')).toBe('0'); // auto
    expect(await page().isVisible('#train-thread-changes')).toBe(false);
    // The start-up measurement at batch 64 is close on two cores (1.03× and 1.31× were both
    // seen, and 2 threads need 1.05×): a run that starts on one thread is stopped and started
    // again, up to three starts, as a user who wants to watch the move would.
    for (let start = 1; ; start++) {
      await page().click('#train-button');
      await expect.poll(() => trainState(page()), { timeout: 30_000 }).toBe('running');
      // The count chosen at the start, and why (measured, or not worth sharing).
      await expect.poll(() => page().textContent('#train-threads')).toMatch(/^Threads — (1 thread|2 threads): .+\.$/);
      if ((await threadsNow(page())) === 2 || start === 3) break;
      await page().click('#stop-button');
      await expect.poll(() => trainState(page())).toBe('stopped');
    }

    let moves: string[] = [];
    startSpinners();
    if ((await threadsNow(page())) === 2) {
      // Every core spun: two threads joined at a barrier fall behind one within a few probes.
      moves = await moveDownAfter(page(), 0, 60_000);
      expect(moves.find((m) => DOWN.test(reasonOf(m)))).toMatch(CHANGE);
    } else {
      // Three starts measured one thread (the machine was busy, or two threads gained under
      // 5 %): one thread, for a measured reason. With every core now spun as well, a probe at two cannot win, so the
      // run stays on one thread; what the page shows is checked as below.
      expect(await page().textContent('#train-threads')).toMatch(
        /^Threads — 1 thread: 2 threads measured \d+\.\d\d× one thread's speed at batch 64 \(too little to share, or the other cores are busy\)\.$/,
      );
      const epochs = await epochsDone(page());
      await expect.poll(() => epochsDone(page()), { timeout: 90_000 }).toBeGreaterThanOrEqual(epochs + 30);
      moves = await changes(page());
    }
    if (moves.length) await expectPageShows(page());
    await page()
      .locator('#train')
      .screenshot({ path: `${shotsDir}/threads-moved.png` });

    // The spinners stop; the run trains on for many more probes, and whatever the adapter
    // decides, the page shows it, also once the run is stopped.
    stopSpinners();
    const epochs = await epochsDone(page());
    await expect.poll(() => epochsDone(page()), { timeout: 90_000 }).toBeGreaterThanOrEqual(epochs + 40);
    await page().click('#stop-button');
    await expect.poll(() => trainState(page())).toBe('stopped');
    moves = await changes(page());
    if (moves.length) await expectPageShows(page());
    expect(await page().isVisible('#train-thread-changes')).toBe(moves.length > 0);
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
  }, 300_000);
});
