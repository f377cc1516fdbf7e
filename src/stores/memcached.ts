/**
 * A memcached store on the `memcached` package: compare-and-set through memcached's own cas
 * tokens, locks through `add`, expiry by memcached (long lifetimes sent as Unix times). Keys
 * are `prefix + hex(store key)`, so nothing from the network reaches the text protocol.
 * Memcached cannot list keys: no user index, no scan.
 */
import { debuglog } from 'node:util'
import { ConfigError, type ConfigIssue } from '../core/errors.js'
import type {
  SessionRecord,
  Store,
  StoreCapabilities,
  StoreLock,
  StoreLockOptions,
  StoreSetOptions,
} from '../core/store.js'
import { keyToHex } from './key-hex.js'
import { MemcachedCommands, type MemcachedLikeClient } from './memcached-client.js'
import { lockItem, MAX_RELATIVE_S } from './memcached-lock.js'
import { assertRecord, assertTtl } from './record-check.js'
import { decodeRecord, encodeRecord } from './record-json.js'

export {
  createMemcachedClient,
  type MemcachedCallback,
  type MemcachedClientOptions,
  type MemcachedLikeClient,
} from './memcached-client.js'

const debug = debuglog('sessionkit')

/** Options of {@link createMemcachedStore}. */
export interface MemcachedStoreOptions {
  /**
   * Prefix of every key the store writes: 1 to 180 printable ASCII characters, no spaces. Give
   * each application its own.
   * @default 'sessionkit:'
   */
  prefix?: string
  /**
   * The clock (ms since the epoch) that turns `expiresAt` into lifetimes and filters reads.
   * Memcached itself expires items by its own clock, in whole seconds.
   * @default Date.now
   */
  now?: () => number
  /** Call `client.end()` in `close()`. Off: the application owns the client it passed in. @default false */
  closeClient?: boolean
}

const CAPABILITIES: StoreCapabilities = Object.freeze({
  compareAndSet: true,
  nativeExpiry: true,
  lock: true,
  userIndex: false,
  scan: false,
})

// Rounds of read-then-cas before a write that keeps meeting concurrent changes gives up.
const CAS_ROUNDS = 10
const PREFIX = /^[\x21-\x7e]{1,180}$/

class MemcachedStore implements Store {
  readonly capabilities = CAPABILITIES
  readonly #mc: MemcachedCommands
  readonly #prefix: string
  readonly #now: () => number
  readonly #closeClient: boolean

  constructor(client: MemcachedLikeClient, prefix: string, now: () => number, close: boolean) {
    this.#mc = new MemcachedCommands(client)
    this.#prefix = prefix
    this.#now = now
    this.#closeClient = close
  }

  async get(key: string): Promise<SessionRecord | null> {
    const hex = keyToHex(key)
    if (hex === null) return null
    const found = await this.#mc.gets(this.#prefix + hex)
    return found === null ? null : this.#live(found.value)
  }

  async set(key: string, record: SessionRecord, options?: StoreSetOptions): Promise<boolean> {
    assertRecord(record)
    const k = this.#prefix + requireHex(key)
    const text = encodeRecord(record)
    const lifetime = this.#lifetime(record.expiresAt)
    const ifVersion = options?.ifVersion
    if (ifVersion === undefined) {
      await this.#mc.set(k, text, lifetime)
      return true
    }
    if (ifVersion === 0 && (await this.#mc.add(k, text, lifetime))) return true
    for (let round = 0; round < CAS_ROUNDS; round++) {
      const found = await this.#mc.gets(k)
      if (found === null) {
        if (ifVersion !== 0) return false
        if (await this.#mc.add(k, text, lifetime)) return true
        continue
      }
      const current = this.#live(found.value)
      if (ifVersion === 0 ? current !== null : current?.version !== ifVersion) return false
      if (await this.#mc.cas(k, text, found.cas, lifetime)) return true
      // The item changed after it was read (a touch keeps the version): judge it again.
    }
    return false
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number): Promise<void> {
    const hex = keyToHex(key)
    if (hex === null) return
    const k = this.#prefix + hex
    for (let round = 0; round < CAS_ROUNDS; round++) {
      const found = await this.#mc.gets(k)
      const current = found === null ? null : this.#live(found.value)
      if (found === null || current === null) return
      const next: SessionRecord = { ...current, expiresAt }
      if (current.meta !== undefined) next.meta = { ...current.meta, lastSeenAt }
      if (await this.#mc.cas(k, encodeRecord(next), found.cas, this.#lifetime(expiresAt))) return
    }
    // Still changing after every round: the concurrent writers refresh the record themselves.
  }

  async destroy(key: string): Promise<void> {
    const hex = keyToHex(key)
    if (hex !== null) await this.#mc.del(this.#prefix + hex)
  }

  /**
   * A lock item added with `add` (atomic: one winner). Expiry is judged by the store's clock;
   * memcached drops the item a second or two later (its lifetimes are whole seconds).
   */
  async lock(key: string, options: StoreLockOptions): Promise<StoreLock | null> {
    assertTtl(options.ttl)
    return lockItem(this.#mc, `${this.#prefix}lock:${requireHex(key)}`, options.ttl, this.#now)
  }

  async close(): Promise<void> {
    if (this.#closeClient) this.#mc.end()
  }

  #live(value: unknown): SessionRecord | null {
    const record = typeof value === 'string' ? decodeRecord(value) : undefined
    if (record === undefined) {
      debug('memcached store: ignoring an item that is not a session record')
      return null
    }
    return record.expiresAt > this.#now() ? record : null
  }

  /**
   * The memcached lifetime of a record expiring at `expiresAt`: whole seconds, one more so that
   * memcached never drops an item before the store's clock says it expired, and beyond 30 days
   * an absolute Unix time by this machine's clock (BI-28).
   */
  #lifetime(expiresAt: number): number {
    const seconds = Math.max(1, Math.ceil((expiresAt - this.#now()) / 1000) + 1)
    return seconds <= MAX_RELATIVE_S ? seconds : Math.ceil(Date.now() / 1000) + seconds
  }
}

function requireHex(key: string): string {
  const hex = keyToHex(key)
  if (hex === null) throw new TypeError('memcached store: invalid store key')
  return hex
}

const CLIENT_METHODS = ['gets', 'set', 'add', 'cas', 'del', 'end'] as const

/**
 * A memcached store over a client of the `memcached` package (or anything shaped like it). The
 * store does not own the client unless `closeClient` is set. Build the client with
 * {@link createMemcachedClient}, or with `timeout`/`retries: 0`/`failures`/`retry` set low, so
 * that an outage fails requests fast instead of queueing them.
 *
 * @example
 * ```ts
 * import Memcached from 'memcached'
 * const client = new Memcached('127.0.0.1:11211', { timeout: 1000, retries: 0, failures: 1, retry: 1000 })
 * const sessions = createSessions({ store: createMemcachedStore(client, { prefix: 'shop:' }) })
 * ```
 * @throws {ConfigError} listing every invalid option.
 */
export function createMemcachedStore(
  client: MemcachedLikeClient,
  options: MemcachedStoreOptions = {},
): Store {
  const issues: ConfigIssue[] = []
  const shape = client as unknown as Record<string, unknown> | null
  if (typeof shape !== 'object' || shape === null) {
    issues.push({ path: 'client', message: 'expected a memcached client' })
  } else {
    for (const method of CLIENT_METHODS) {
      if (typeof shape[method] !== 'function') {
        issues.push({ path: 'client', message: `expected a memcached client with ${method}()` })
      }
    }
  }
  const { prefix = 'sessionkit:', now = Date.now, closeClient = false } = options
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    issues.push({ path: 'prefix', message: 'expected 1 to 180 printable ASCII characters' })
  }
  if (typeof now !== 'function') issues.push({ path: 'now', message: 'expected a function' })
  if (typeof closeClient !== 'boolean') {
    issues.push({ path: 'closeClient', message: 'expected a boolean' })
  }
  if (issues.length > 0) throw new ConfigError(issues)
  return new MemcachedStore(client, prefix, now, closeClient)
}
