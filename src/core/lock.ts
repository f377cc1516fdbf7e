/**
 * Exclusive per-session locks for `concurrency: 'lock'` and `session.lock()`.
 *
 * Within one process, requests for the same key queue FIFO in memory and only the head contends
 * for the store's lock (which arbitrates between processes), so many waiters are served in
 * order rather than by chance. A held lock is refreshed every third of its ttl; a refresh that
 * fails marks it lost (the commit then fails with LockLost instead of overwriting).
 */
import { randomInt } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Engine } from './engine.js'
import { storeCall } from './engine.js'
import { LockTimeout } from './errors.js'
import { callHook, debug } from './hooks.js'
import type { StoreLock } from './store.js'
import type { HookContext } from './types.js'

interface Waiter {
  resolve(): void
  reject(error: Error): void
  timer: NodeJS.Timeout
}

/** A lock this process holds on one session key. */
export class HeldLock {
  readonly key: string
  #storeLock: StoreLock
  #timer: NodeJS.Timeout
  #lost = false
  #released = false
  readonly #manager: LockManager

  constructor(
    manager: LockManager,
    key: string,
    storeLock: StoreLock,
    ttlMs: number,
    hookContext: HookContext,
  ) {
    this.#manager = manager
    this.key = key
    this.#storeLock = storeLock
    this.#timer = setInterval(
      () => {
        storeLock.refresh(ttlMs).then(
          (ok) => {
            if (!ok) this.#markLost(hookContext)
          },
          () => this.#markLost(hookContext),
        )
      },
      Math.max(1, Math.floor(ttlMs / 3)),
    )
    this.#timer.unref()
  }

  /** The lock expired or was taken over. */
  get lost(): boolean {
    return this.#lost
  }

  #markLost(hookContext: HookContext): void {
    if (this.#lost || this.#released) return
    this.#lost = true
    clearInterval(this.#timer)
    debug('lock on %s lost', this.key.slice(0, 6))
    callHook(this.#manager.engine.hooks, 'lockLost', hookContext)
  }

  /**
   * Check with the store that the lock is still ours, refreshing it (before a commit: a takeover
   * between two periodic refreshes must not let this holder overwrite). Fires `lockLost` once.
   */
  async confirm(ttlMs: number, hookContext: HookContext): Promise<boolean> {
    if (this.#lost) return false
    const ok = await this.#storeLock.refresh(ttlMs).catch(() => false)
    if (!ok) this.#markLost(hookContext)
    return ok
  }

  /** Release the store lock and hand the local turn to the next waiter. Idempotent. */
  async release(): Promise<void> {
    if (this.#released) return
    this.#released = true
    clearInterval(this.#timer)
    try {
      await this.#storeLock.release()
    } catch (error) {
      debug('releasing lock on %s failed: %s', this.key.slice(0, 6), (error as Error).name)
    } finally {
      this.#manager.passTurn(this.key)
    }
  }
}

/** The per-engine registry of local FIFO queues. */
export class LockManager {
  readonly engine: Engine
  readonly ttlMs: number
  readonly timeoutMs: number
  readonly #queues = new Map<string, Waiter[]>()

  constructor(engine: Engine, ttlMs: number, timeoutMs: number) {
    this.engine = engine
    this.ttlMs = ttlMs
    this.timeoutMs = timeoutMs
  }

  /**
   * Take the lock on `key`, waiting at most `lock.timeout`.
   * @throws {LockTimeout} when the lock could not be had in time.
   */
  async acquire(key: string, hookContext: HookContext): Promise<HeldLock> {
    const store = this.engine.store
    if (!store.lock) throw new LockTimeout('this store cannot lock')
    const deadline = performance.now() + this.timeoutMs
    await this.#localTurn(key)
    try {
      for (let attempt = 0; ; attempt++) {
        const storeLock = await storeCall(this.engine, hookContext, 'lock', () =>
          (store.lock as NonNullable<typeof store.lock>)(key, { ttl: this.ttlMs }),
        )
        if (storeLock) return new HeldLock(this, key, storeLock, this.ttlMs, hookContext)
        const remaining = deadline - performance.now()
        if (remaining <= 0) throw new LockTimeout()
        // Another process holds it: exponential backoff with full jitter, within the budget.
        const ceiling = Math.min(remaining, 5 * 2 ** Math.min(attempt, 6))
        await sleep(randomInt(0, Math.max(1, Math.floor(ceiling)) + 1))
      }
    } catch (error) {
      this.passTurn(key)
      throw error
    }
  }

  #localTurn(key: string): Promise<void> {
    const queue = this.#queues.get(key)
    if (!queue) {
      this.#queues.set(key, [])
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const index = queue.indexOf(waiter)
          if (index !== -1) queue.splice(index, 1)
          reject(new LockTimeout())
        }, this.timeoutMs),
      }
      waiter.timer.unref()
      queue.push(waiter)
    })
  }

  /** Give the local turn on `key` to the next waiter, or drop the queue. */
  passTurn(key: string): void {
    const queue = this.#queues.get(key)
    if (!queue) return
    const next = queue.shift()
    if (next) {
      clearTimeout(next.timer)
      next.resolve()
    } else {
      this.#queues.delete(key)
    }
  }
}
