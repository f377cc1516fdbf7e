/**
 * The memory store's lock table: one exclusive, expiring lock per key, with an owner token.
 */
import { randomBytes } from 'node:crypto'
import type { StoreLock } from '../core/store.js'
import { assertTtl } from './record-check.js'

interface LockState {
  token: string
  expiresAt: number
}

/** Exclusive per-key locks judged by an injected clock; expired locks can be taken over. */
export class LockTable {
  readonly #locks = new Map<string, LockState>()
  readonly #now: () => number

  constructor(now: () => number) {
    this.#now = now
  }

  /** Take the lock on `key` for `ttl` ms, or null while another owner holds it. */
  acquire(key: string, ttl: number): StoreLock | null {
    assertTtl(ttl)
    const now = this.#now()
    const held = this.#locks.get(key)
    if (held !== undefined && held.expiresAt > now) return null
    const token = randomBytes(18).toString('base64url')
    this.#locks.set(key, { token, expiresAt: now + ttl })
    return {
      token,
      refresh: async (next) => {
        assertTtl(next)
        const at = this.#now()
        const state = this.#locks.get(key)
        if (state?.token !== token || state.expiresAt <= at) return false
        state.expiresAt = at + next
        return true
      },
      release: async () => {
        if (this.#locks.get(key)?.token === token) this.#locks.delete(key)
      },
    }
  }

  /** Forget locks that expired by `now` (abandoned by holders that never released them). */
  sweep(now: number): void {
    for (const [key, state] of this.#locks) if (state.expiresAt <= now) this.#locks.delete(key)
  }
}
