/**
 * An in-process store: bounded (LRU), self-sweeping, with compare-and-set, locks, a user index
 * and scans. Suited to development, tests and single-process apps; sessions die with the process.
 */
import { debuglog } from 'node:util'
import { type Duration, durationMs } from '../core/duration.js'
import { ConfigError, type ConfigIssue } from '../core/errors.js'
import type {
  SessionRecord,
  Store,
  StoreCapabilities,
  StoreLock,
  StoreLockOptions,
  StoreScanOptions,
  StoreSetOptions,
} from '../core/store.js'
import { ExpiryQueue } from './expiry-queue.js'
import { LockTable } from './memory-locks.js'
import {
  packedExpiresAt,
  packedUserId,
  packedVersion,
  packRecord,
  touchPacked,
  unpackRecord,
} from './packed-record.js'
import { assertLimit, assertRecord } from './record-check.js'
import { upperBound } from './sorted-keys.js'
import { UserIndex } from './user-index.js'

const debug = debuglog('sessionkit')

// setInterval fires at once for delays above 2^31-1 ms; sweeping more often is harmless.
const MAX_TIMER_MS = 2 ** 31 - 1

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most records kept. Beyond it expired records are collected first, then the least recently
   * used records (by `get`, `set` and `touch`) are evicted, so a flood of sessions cannot
   * exhaust memory.
   * @default 10_000
   */
  max?: number
  /** The store's clock (ms since the epoch); expiry and lock ttls are judged by it. @default Date.now */
  now?: () => number
  /**
   * How often expired records and locks are swept. The timer is `unref()`'d and stopped by
   * `close()`; `0` disables sweeping (expired records are still never returned).
   * @default '1m'
   */
  sweepInterval?: Duration
}

const CAPABILITIES: StoreCapabilities = Object.freeze({
  compareAndSet: true,
  nativeExpiry: true,
  lock: true,
  userIndex: true,
  scan: true,
})

class MemoryStore implements Store {
  readonly capabilities = CAPABILITIES
  readonly #max: number
  readonly #now: () => number
  // Map order is recency order: every use moves a key to the end; eviction takes the front.
  // Each record is one packed string (packed-record.ts): nothing a caller holds can reach it.
  readonly #records = new Map<string, string>()
  readonly #byUser = new UserIndex()
  readonly #locks: LockTable
  readonly #expiry = new ExpiryQueue((key) => {
    const packed = this.#records.get(key)
    return packed === undefined ? undefined : packedExpiresAt(packed)
  })
  #snapshot: string[] | undefined
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(max: number, now: () => number, sweepMs: number) {
    this.#max = max
    this.#now = now
    this.#locks = new LockTable(now)
    if (sweepMs > 0) {
      this.#timer = setInterval(() => this.#sweep(), Math.min(sweepMs, MAX_TIMER_MS))
      this.#timer.unref()
    }
  }

  async get(key: string): Promise<SessionRecord | null> {
    return this.#read(key, this.#now(), true)
  }

  async set(key: string, record: SessionRecord, options?: StoreSetOptions): Promise<boolean> {
    assertRecord(record)
    const now = this.#now()
    const current = this.#live(key, now)
    const ifVersion = options?.ifVersion
    if (ifVersion !== undefined) {
      if (
        ifVersion === 0
          ? current !== undefined
          : current === undefined || packedVersion(current) !== ifVersion
      ) {
        return false
      }
    }
    const packed = packRecord(record)
    if (current !== undefined) this.#records.delete(key)
    this.#records.set(key, packed)
    this.#byUser.move(key, current === undefined ? undefined : packedUserId(current), record.userId)
    this.#schedule(key, record.expiresAt, current)
    if (this.#records.size > this.#max) this.#evict(now)
    return true
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number): Promise<void> {
    const current = this.#live(key, this.#now())
    if (current === undefined) return
    this.#records.delete(key)
    this.#records.set(key, touchPacked(current, expiresAt, lastSeenAt))
    this.#schedule(key, expiresAt, current)
  }

  async destroy(key: string): Promise<void> {
    this.#remove(key)
  }

  async lock(key: string, options: StoreLockOptions): Promise<StoreLock | null> {
    return this.#locks.acquire(key, options.ttl)
  }

  async listByUser(userId: string): Promise<Array<[string, SessionRecord]>> {
    const now = this.#now()
    const out: Array<[string, SessionRecord]> = []
    for (const key of this.#byUser.keys(userId)) {
      const record = this.#read(key, now, false)
      if (record !== null) out.push([key, record])
    }
    return out
  }

  async destroyByUser(userId: string, except: readonly string[] = []): Promise<number> {
    const keep = new Set(except)
    const now = this.#now()
    let count = 0
    for (const key of this.#byUser.keys(userId)) {
      if (keep.has(key)) continue
      const packed = this.#records.get(key)
      if (packed !== undefined && packedExpiresAt(packed) > now) count++
      this.#remove(key)
    }
    return count
  }

  /**
   * Key order over a sorted snapshot of keys; the cursor is the last key yielded. A scan that
   * resumes from a cursor reuses the latest snapshot, so paging costs one sort, not one per page.
   */
  async *scan(options: StoreScanOptions = {}): AsyncIterable<[string, SessionRecord]> {
    const { cursor, limit = Number.POSITIVE_INFINITY } = options
    assertLimit(options.limit)
    let keys = cursor === undefined ? undefined : this.#snapshot
    if (keys === undefined) {
      keys = [...this.#records.keys()].sort()
      this.#snapshot = keys
    }
    let i = cursor === undefined ? 0 : upperBound(keys, cursor)
    let yielded = 0
    while (i < keys.length && yielded < limit) {
      const key = keys[i++] as string
      const record = this.#read(key, this.#now(), false)
      if (record === null) continue
      yielded++
      yield [key, record]
    }
    if (i >= keys.length && this.#snapshot === keys) this.#snapshot = undefined
  }

  async gc(): Promise<number> {
    return this.#sweep()
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  #sweep(): number {
    const now = this.#now()
    this.#locks.sweep(now)
    return this.#collect(now)
  }

  #schedule(key: string, expiresAt: number, previous: string | undefined): void {
    const expiry = this.#expiry
    expiry.schedule(key, expiresAt, previous === undefined ? undefined : packedExpiresAt(previous))
    // Filings of removed keys and of expiries moved earlier pile up under churn; drop them
    // when they outnumber the records.
    if (expiry.filed > 2 * this.#records.size + 1024) {
      const entries: Array<[string, number]> = []
      for (const [k, packed] of this.#records) entries.push([k, packedExpiresAt(packed)])
      expiry.rebuild(entries)
    }
  }

  #collect(now: number): number {
    return this.#expiry.collect(now, (key) => this.#remove(key))
  }

  #evict(now: number): void {
    this.#collect(now)
    let evicted = 0
    for (const key of this.#records.keys()) {
      if (this.#records.size <= this.#max) break
      this.#remove(key)
      evicted++
    }
    if (evicted > 0) debug('memory store: evicted %d least recently used record(s)', evicted)
  }

  /** The live packed record under `key`; an expired one is removed on sight. */
  #live(key: string, now: number): string | undefined {
    const packed = this.#records.get(key)
    if (packed === undefined) return undefined
    if (packedExpiresAt(packed) > now) return packed
    this.#remove(key)
    return undefined
  }

  #read(key: string, now: number, use: boolean): SessionRecord | null {
    const packed = this.#live(key, now)
    if (packed === undefined) return null
    if (use) {
      this.#records.delete(key)
      this.#records.set(key, packed)
    }
    return unpackRecord(packed)
  }

  #remove(key: string): void {
    const packed = this.#records.get(key)
    if (packed === undefined) return
    this.#records.delete(key)
    this.#byUser.move(key, packedUserId(packed), undefined)
  }
}

/**
 * An in-memory store, per instance (no shared global state). Records are kept serialized, so
 * neither the record passed to `set` nor one returned by `get` aliases stored state.
 *
 * @example
 * ```ts
 * const sessions = createSessions({ store: createMemoryStore({ max: 50_000 }) })
 * ```
 * @throws {ConfigError} listing every invalid option.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const issues: ConfigIssue[] = []
  const max = options.max ?? 10_000
  if (!Number.isSafeInteger(max) || max < 1) {
    issues.push({ path: 'max', message: 'expected a positive integer' })
  }
  const now = options.now ?? Date.now
  if (typeof now !== 'function') issues.push({ path: 'now', message: 'expected a function' })
  let sweepMs = 0
  try {
    sweepMs = durationMs(options.sweepInterval ?? '1m', 'sweepInterval')
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    issues.push(...error.issues)
  }
  if (issues.length > 0) throw new ConfigError(issues)
  return new MemoryStore(max, now, sweepMs)
}
