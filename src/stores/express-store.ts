/**
 * A bridge from any express-session store (connect-redis, connect-mongo, connect-pg-simple,
 * express-session's MemoryStore…) to a sessionkit Store. The underlying store sees the store
 * key as its `sid` (never a raw session id) and a session object whose `cookie.expires` and
 * `cookie.originalMaxAge` carry the record's expiry, so it expires sessions on its own; the
 * record itself sits in the `sessionkit` field.
 *
 * What such a store cannot do, and so the bridge declares it cannot: atomic compare-and-set
 * (writes are read-compare-write, serialised per key within this process only; `createSessions`
 * then warns once and runs `concurrency: 'merge'` as last-write-wins), locks, a user index. It
 * scans only over a store with `all()`.
 */
import { ConfigError, type ConfigIssue, StoreUnavailable } from '../core/errors.js'
import type {
  SessionRecord,
  Store,
  StoreCapabilities,
  StoreScanOptions,
  StoreSetOptions,
} from '../core/store.js'
import { keyToHex } from './key-hex.js'
import { KeyedQueue } from './keyed-queue.js'
import { assertLimit, assertRecord } from './record-check.js'
import { recordFromJson, recordToJson } from './record-json.js'

/** The session object the bridge hands to the underlying store. */
export interface BridgedSession {
  /** What express-session stores read a session's expiry from. */
  cookie: { originalMaxAge: number; expires: Date }
  /** The sessionkit record (data, version, expiresAt, userId, movedTo, meta). */
  sessionkit: Record<string, unknown>
}

/**
 * The callback API of an express-session store (`express-session`'s `Store`). Methods may also
 * return promises, as some stores' do; the bridge settles on whichever comes first.
 */
export interface ExpressSessionStoreLike {
  /** The session stored under `sid`, or null/undefined. */
  get(sid: string, callback: (error: unknown, session?: unknown) => void): unknown
  /** Store `session` under `sid`, expiring it at `session.cookie.expires`. */
  set(sid: string, session: BridgedSession, callback?: (error?: unknown) => void): unknown
  /** Remove the session under `sid`. */
  destroy(sid: string, callback?: (error?: unknown) => void): unknown
  /** Every session, as an array (each with an `id`) or an object keyed by sid. Enables scan. */
  all?(callback: (error: unknown, sessions?: unknown) => void): unknown
}

/** Options of {@link createExpressStoreBridge}. */
export interface ExpressStoreBridgeOptions {
  /**
   * The clock (ms since the epoch) that reads are filtered by and `cookie.expires` is set from.
   * @default Date.now
   */
  now?: () => number
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null

/** Call `method` with a node callback; settle once, on the callback or a rejected promise. */
function call<T>(operation: string, invoke: (cb: (error: unknown, value?: T) => void) => unknown) {
  return new Promise<T | undefined>((resolve, reject) => {
    let settled = false
    const fail = (error: unknown) => {
      if (settled) return
      settled = true
      reject(new StoreUnavailable(`express-session store ${operation} failed`, { cause: error }))
    }
    const callback = (error: unknown, value?: T) => {
      if (error !== null && error !== undefined) return fail(error)
      if (settled) return
      settled = true
      resolve(value)
    }
    try {
      const returned = invoke(callback)
      if (isObject(returned) && typeof returned.then === 'function') {
        ;(returned as unknown as PromiseLike<unknown>).then(undefined, fail)
      }
    } catch (error) {
      fail(error)
    }
  })
}

class ExpressStoreBridge implements Store {
  readonly capabilities: StoreCapabilities
  readonly #store: ExpressSessionStoreLike
  readonly #now: () => number
  readonly #queue = new KeyedQueue()
  /** Present when the underlying store has `all()`. */
  readonly scan?: (options?: StoreScanOptions) => AsyncIterable<[string, SessionRecord]>

  constructor(store: ExpressSessionStoreLike, now: () => number) {
    this.#store = store
    this.#now = now
    const all = store.all
    this.capabilities = Object.freeze({
      compareAndSet: false,
      nativeExpiry: true,
      lock: false,
      userIndex: false,
      scan: typeof all === 'function',
    })
    if (typeof all === 'function') this.scan = (options = {}) => this.#scan(all, options)
  }

  async get(key: string): Promise<SessionRecord | null> {
    if (keyToHex(key) === null) return null
    return this.#read(key)
  }

  /**
   * Best effort with `ifVersion`: read, compare, write — serialised per key in this process,
   * not atomic across processes (hence `capabilities.compareAndSet: false`).
   */
  async set(key: string, record: SessionRecord, options?: StoreSetOptions): Promise<boolean> {
    assertRecord(record)
    if (keyToHex(key) === null) throw new TypeError('express-store bridge: invalid store key')
    const ifVersion = options?.ifVersion
    return this.#queue.run(key, async () => {
      if (ifVersion !== undefined) {
        const current = await this.#read(key)
        if (ifVersion === 0 ? current !== null : current?.version !== ifVersion) return false
      }
      await this.#write(key, record)
      return true
    })
  }

  /**
   * Rewrites the whole session: an express-session `touch` may only reset the backend's TTL
   * (connect-redis) or the cookie, while the record's `expiresAt` and `lastSeenAt` must change.
   */
  async touch(key: string, expiresAt: number, lastSeenAt: number): Promise<void> {
    if (keyToHex(key) === null) return
    await this.#queue.run(key, async () => {
      const current = await this.#read(key)
      if (current === null) return
      const next: SessionRecord = { ...current, expiresAt }
      if (current.meta !== undefined) next.meta = { ...current.meta, lastSeenAt }
      await this.#write(key, next)
    })
  }

  async destroy(key: string): Promise<void> {
    if (keyToHex(key) === null) return
    await this.#queue.run(key, () => this.#destroy(key))
  }

  async #read(key: string): Promise<SessionRecord | null> {
    const session = await call<unknown>('get', (cb) => this.#store.get(key, cb))
    return this.#live(session)
  }

  /** The live record in an underlying session; a session of another shape is "none". */
  #live(session: unknown): SessionRecord | null {
    if (!isObject(session)) return null
    const record = recordFromJson(session.sessionkit)
    return record !== undefined && record.expiresAt > this.#now() ? record : null
  }

  async #write(key: string, record: SessionRecord): Promise<void> {
    const maxAge = record.expiresAt - this.#now()
    // A session already expired would give the backend a zero or negative TTL: drop it instead.
    if (maxAge <= 0) return this.#destroy(key)
    const session: BridgedSession = {
      cookie: { originalMaxAge: maxAge, expires: new Date(record.expiresAt) },
      sessionkit: recordToJson(record),
    }
    await call('set', (cb) => this.#store.set(key, session, cb))
  }

  async #destroy(key: string): Promise<void> {
    await call('destroy', (cb) => this.#store.destroy(key, cb))
  }

  /** Over a fresh `all()` per call (a snapshot), in key order; the cursor is the last key. */
  async *#scan(
    all: NonNullable<ExpressSessionStoreLike['all']>,
    options: StoreScanOptions,
  ): AsyncIterable<[string, SessionRecord]> {
    assertLimit(options.limit)
    const sessions = await call<unknown>('all', (cb) => all.call(this.#store, cb))
    const entries: Array<[string, unknown]> = Array.isArray(sessions)
      ? sessions.map((s) => [isObject(s) && typeof s.id === 'string' ? s.id : '', s])
      : isObject(sessions)
        ? Object.entries(sessions)
        : []
    const { cursor, limit = Number.POSITIVE_INFINITY } = options
    let yielded = 0
    for (const [key, session] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (yielded >= limit) return
      if (keyToHex(key) === null || (cursor !== undefined && key <= cursor)) continue
      const record = this.#live(session)
      if (record === null) continue
      yielded++
      yield [key, record]
    }
  }
}

/**
 * Use an express-session store as a sessionkit Store. It declares no compare-and-set, no lock
 * and no user index; `scan` exists when the store has `all()`.
 *
 * @example
 * ```ts
 * import { RedisStore } from 'connect-redis'
 * const store = createExpressStoreBridge(new RedisStore({ client: redis, prefix: 'sk:' }))
 * const sessions = createSessions({ store }) // warns once: merge degrades to last-write-wins
 * ```
 * @throws {ConfigError} when `store` lacks `get`, `set` or `destroy`, or `now` is no function.
 */
export function createExpressStoreBridge(
  store: ExpressSessionStoreLike,
  options: ExpressStoreBridgeOptions = {},
): Store {
  const issues: ConfigIssue[] = []
  for (const method of ['get', 'set', 'destroy'] as const) {
    if (typeof store?.[method] !== 'function') {
      issues.push({ path: 'store', message: `expected an express-session store with ${method}()` })
    }
  }
  const now = options.now ?? Date.now
  if (typeof now !== 'function') issues.push({ path: 'now', message: 'expected a function' })
  if (issues.length > 0) throw new ConfigError(issues)
  return new ExpressStoreBridge(store, now)
}
