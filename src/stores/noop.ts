/**
 * A store that keeps nothing: every session is new on every request. For tests that must not
 * persist sessions, for routes that serve bots and health checks, or to switch sessions off
 * without touching the code that uses them.
 */
import type {
  SessionRecord,
  Store,
  StoreCapabilities,
  StoreScanOptions,
  StoreSetOptions,
} from '../core/store.js'
import { assertLimit, assertRecord } from './record-check.js'

// Every answer below is the exact answer for a store that is always empty, so the capabilities
// are true wherever that answer is a faithful one: a compare-and-set over nothing (create-only
// succeeds, any other version conflicts), a user index and a scan that find nothing, and no
// expiry to run. `lock` stays false: a lock that excludes nobody would be a lie, and
// `concurrency: 'lock'` over a store that forgets everything has nothing to protect.
const CAPABILITIES: StoreCapabilities = Object.freeze({
  compareAndSet: true,
  nativeExpiry: true,
  lock: false,
  userIndex: true,
  scan: true,
})

class NoopStore implements Store {
  readonly capabilities = CAPABILITIES

  async get(_key: string): Promise<SessionRecord | null> {
    return null
  }

  /** Accepts the record and forgets it; `ifVersion` N ≠ 0 conflicts, as over a missing key. */
  async set(_key: string, record: SessionRecord, options?: StoreSetOptions): Promise<boolean> {
    assertRecord(record)
    const ifVersion = options?.ifVersion
    return ifVersion === undefined || ifVersion === 0
  }

  async touch(_key: string, _expiresAt: number, _lastSeenAt: number): Promise<void> {}

  async destroy(_key: string): Promise<void> {}

  async listByUser(_userId: string): Promise<Array<[string, SessionRecord]>> {
    return []
  }

  async destroyByUser(_userId: string, _except?: readonly string[]): Promise<number> {
    return 0
  }

  // biome-ignore lint/correctness/useYield: an empty store has nothing to yield
  async *scan(options: StoreScanOptions = {}): AsyncIterable<[string, SessionRecord]> {
    assertLimit(options.limit)
  }

  async gc(): Promise<number> {
    return 0
  }

  async close(): Promise<void> {}
}

/**
 * A store that persists nothing: `get` always resolves null, writes are accepted and dropped.
 * Each request that touches its session starts a new one (and sends a new cookie), so flash
 * messages, logins and CSRF tokens do not survive to the next request.
 *
 * @example
 * ```ts
 * // No sessions for crawlers and health checks; real ones for everybody else.
 * const anonymous = createSessions({ store: createNoopStore() })
 * const sessions = createSessions({ store: createRedisStore(redis) })
 * ```
 */
export function createNoopStore(): Store {
  return new NoopStore()
}
