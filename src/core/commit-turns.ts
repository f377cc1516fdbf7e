/**
 * How commits to one session are ordered and retried. Inside one process, commits queued under a
 * session's key take turns, so only writers in other processes ever make a compare-and-set fail
 * (N parallel commits would otherwise make O(N²) failed attempts). The first conflict a commit
 * meets is then the commit that took its turn just before, already done: it is retried at once.
 * Later conflicts (other processes) back off exponentially with full jitter.
 */
import { randomInt } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'

const BACKOFF_BASE_MS = 2
const BACKOFF_CAP_MS = 100

/** Run `task` after every earlier task queued under `key` in `turns` settled. */
export async function inTurn<T>(
  turns: Map<string, Promise<unknown>>,
  key: string,
  task: () => Promise<T>,
): Promise<T> {
  const previous = turns.get(key)
  // Nothing queued (the usual case): start now rather than a microtask later.
  const run = previous === undefined ? task() : previous.then(task, task)
  const settled = run.catch(() => undefined)
  turns.set(key, settled)
  try {
    return await run
  } finally {
    if (turns.get(key) === settled) turns.delete(key)
  }
}

/**
 * Wait before retrying after the `attempt`-th failed compare-and-set (0 for the first): not at
 * all after the first, then up to 2, 4, 8 … 100 ms, never past `deadline` (a `performance.now()`
 * time). Holding the turn while sleeping after the first conflict would make every commit queued
 * behind it wait out a timer in series.
 */
export async function backOff(attempt: number, deadline: number): Promise<void> {
  if (attempt === 0) return
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1))
  const left = Math.max(0, Math.floor(deadline - performance.now()))
  await sleep(Math.min(left, randomInt(0, ceiling + 1)))
}
