/**
 * `concurrency: 'lock'` for the drop-in: the request holds the store's exclusive lock on its
 * session from before the load until its save (or touch, or destroy) completed, so requests
 * sharing a cookie run one after another and never overwrite each other's changes.
 */
import { randomInt } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { LockLost, LockTimeout } from '../../core/errors.js'
import type { Store, StoreLock } from '../../core/store.js'

/** A lock this request holds, refreshed in the background (an unref'd timer) until released. */
export class HeldLock {
  readonly #lock: StoreLock
  readonly #timer: NodeJS.Timeout
  #lost = false
  #released = false

  constructor(lock: StoreLock, ttlMs: number) {
    this.#lock = lock
    this.#timer = setInterval(
      () => {
        lock.refresh(ttlMs).then(
          (ok) => {
            if (!ok) this.#lost = true
          },
          () => {
            this.#lost = true
          },
        )
      },
      Math.max(1, Math.floor(ttlMs / 3)),
    )
    this.#timer.unref()
  }

  /** @throws {LockLost} when the lock expired or was taken over: the write must not happen. */
  assertHeld(): void {
    if (this.#lost) throw new LockLost()
  }

  /** Stop refreshing and release the store lock. Idempotent; never rejects. */
  async release(): Promise<void> {
    if (this.#released) return
    this.#released = true
    clearInterval(this.#timer)
    await this.#lock.release().catch(() => {})
  }
}

/**
 * Take the store's lock on `key`, retrying with capped exponential backoff and full jitter.
 *
 * @example
 * ```ts
 * const held = await acquireLock(store, key, 30_000, 10_000)
 * try { ... } finally { await held.release() }
 * ```
 * @throws {LockTimeout} (503) when the lock is still taken after `timeoutMs`.
 */
export async function acquireLock(
  store: Store,
  key: string,
  ttlMs: number,
  timeoutMs: number,
): Promise<HeldLock> {
  const lock = store.lock?.bind(store)
  if (!lock) throw new TypeError('express-session: sessionkit.store has no lock()')
  const deadline = performance.now() + timeoutMs
  let cap = 4
  for (;;) {
    const taken = await lock(key, { ttl: ttlMs })
    if (taken) return new HeldLock(taken, ttlMs)
    const left = deadline - performance.now()
    if (left <= 0) throw new LockTimeout()
    await sleep(Math.min(left, 1 + randomInt(cap)))
    cap = Math.min(cap * 2, 100)
  }
}
