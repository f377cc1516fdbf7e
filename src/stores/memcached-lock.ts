/**
 * Locks in memcached: one item per locked key holding the owner token and the expiry by the
 * store's clock. `add` makes taking a free lock atomic; a lock past its expiry (memcached drops
 * items only in whole seconds, a little later) is taken over with `cas`, so of two takers one
 * wins. Memcached may also evict a lock item under memory pressure: size the server so that it
 * does not (watch its `evictions` stat).
 */
import { randomBytes } from 'node:crypto'
import type { StoreLock } from '../core/store.js'
import type { MemcachedCommands } from './memcached-client.js'
import { assertTtl } from './record-check.js'

/** memcached reads a lifetime above 30 days as an absolute Unix time (BI-28). */
export const MAX_RELATIVE_S = 2_592_000

interface LockValue {
  token: string
  expiresAt: number
}

/** Seconds memcached keeps a lock of `ttl` ms: rounded up, plus one, so never before expiry. */
function lifetime(ttl: number): number {
  return Math.min(MAX_RELATIVE_S, Math.ceil(ttl / 1000) + 1)
}

function parse(value: unknown): LockValue | null {
  if (typeof value !== 'string') return null
  try {
    const lock = JSON.parse(value) as Partial<LockValue> | null
    if (typeof lock?.token === 'string' && typeof lock.expiresAt === 'number') {
      return { token: lock.token, expiresAt: lock.expiresAt }
    }
  } catch {
    // not a lock value: treated as free
  }
  return null
}

/** Try once to lock the item `key` for `ttl` ms; null when a live lock is held. */
export async function lockItem(
  mc: MemcachedCommands,
  key: string,
  ttl: number,
  now: () => number,
): Promise<StoreLock | null> {
  const token = randomBytes(18).toString('base64url')
  const value = (ms: number) => JSON.stringify({ token, expiresAt: now() + ms })
  const held = (found: unknown): LockValue | null => {
    const lock = parse(found)
    return lock !== null && lock.expiresAt > now() ? lock : null
  }
  let taken = await mc.add(key, value(ttl), lifetime(ttl))
  if (!taken) {
    const found = await mc.gets(key)
    if (found === null) taken = await mc.add(key, value(ttl), lifetime(ttl))
    else if (held(found.value) === null) {
      taken = await mc.cas(key, value(ttl), found.cas, lifetime(ttl))
    }
  }
  if (!taken) return null
  return {
    token,
    async refresh(ms) {
      assertTtl(ms)
      const found = await mc.gets(key)
      if (found === null || held(found.value)?.token !== token) return false
      return mc.cas(key, value(ms), found.cas, lifetime(ms))
    },
    async release() {
      const found = await mc.gets(key)
      if (found === null || parse(found.value)?.token !== token) return
      // The text protocol cannot delete on a cas token; an expired value frees the lock.
      await mc.cas(key, JSON.stringify({ token: '', expiresAt: 0 }), found.cas, 1)
    },
  }
}
