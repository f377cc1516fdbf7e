/**
 * A Redis store for `ioredis` or `redis` (node-redis) clients, single node or cluster: one round
 * trip per read, compare-and-set in Lua, native expiry (PX), `SET NX PX` locks with owner tokens,
 * a per-user index kept in step with expiry, and keys hash-tagged per session for clusters.
 */
import { randomBytes } from 'node:crypto'
import { StoreUnavailable } from '../core/errors.js'
import type {
  SessionRecord,
  Store,
  StoreCapabilities,
  StoreLock,
  StoreLockOptions,
  StoreScanOptions,
  StoreSetOptions,
} from '../core/store.js'
import { assertLimit, assertRecord, assertTtl } from './record-check.js'
import {
  type LuaScript,
  list,
  type RedisCommands,
  type RedisLikeClient,
  text,
} from './redis-client.js'
import { checkOptions, type RedisStoreOptions } from './redis-options.js'
import { fromFields, indexUntil, Keyspace, pxUntil, toFields } from './redis-records.js'
import { scanKeys } from './redis-scan.js'
import * as lua from './redis-scripts.js'
import { upperBound } from './sorted-keys.js'

export type {
  IoredisLikeClient,
  NodeRedisLikeClient,
  NodeRedisLikeCluster,
  RedisLikeClient,
} from './redis-client.js'
export type { RedisStoreOptions } from './redis-options.js'

const CAPABILITIES: StoreCapabilities = Object.freeze({
  compareAndSet: true,
  nativeExpiry: true,
  lock: true,
  userIndex: true,
  scan: true,
})

const READ_BATCH = 64
const TOUCH_ATTEMPTS = 3

class RedisStore implements Store {
  readonly capabilities = CAPABILITIES
  readonly #redis: RedisCommands
  readonly #keys: Keyspace
  readonly #now: () => number
  #snapshot: string[] | undefined
  #closed = false

  constructor(redis: RedisCommands, prefix: string, now: () => number) {
    this.#redis = redis
    this.#keys = new Keyspace(prefix)
    this.#now = now
  }

  async get(key: string): Promise<SessionRecord | null> {
    return this.#read(key)
  }

  async set(key: string, record: SessionRecord, options?: StoreSetOptions): Promise<boolean> {
    assertRecord(record)
    const ifVersion = options?.ifVersion
    if (ifVersion !== undefined && !(Number.isSafeInteger(ifVersion) && ifVersion >= 0)) {
      throw new RangeError('ifVersion must be a non-negative integer')
    }
    const now = this.#now()
    const px = pxUntil(record.expiresAt, now)
    const until = indexUntil(record.expiresAt, px)
    const user = record.userId !== undefined && px > 0 ? record.userId : ''
    const redisKey = this.#keys.session(key)
    const head = [String(ifVersion ?? ''), String(now), String(px), user]
    const tail = [String(record.expiresAt), ...toFields(record, until)]
    let reply = await this.#eval('set', lua.SET, redisKey, [...head, '', ...tail])
    if (reply === 2) {
      // Index first: the index may list a key whose write then fails (reads verify the user),
      // but a live bound record is never missing from it, even if this process dies in between.
      await this.#index(user, key, until, now)
      reply = await this.#eval('set', lua.SET, redisKey, [...head, '1', ...tail])
    }
    return reply === 1
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number): Promise<void> {
    let indexed = ['', '']
    for (let attempt = 0; attempt < TOUCH_ATTEMPTS; attempt++) {
      const now = this.#now()
      const px = pxUntil(expiresAt, now)
      const args = [now, px, expiresAt, lastSeenAt].map(String)
      const reply = list(
        await this.#eval('touch', lua.TOUCH, this.#keys.session(key), [...args, ...indexed]),
      )
      if (Number(reply[0]) !== 2) return
      const user = text(reply[1]) ?? ''
      const until = indexUntil(expiresAt, px)
      await this.#index(user, key, until, now)
      indexed = [user, String(until)]
    }
  }

  async destroy(key: string): Promise<void> {
    const redisKey = this.#keys.session(key)
    await this.#send('destroy', redisKey, ['DEL', redisKey])
  }

  async lock(key: string, options: StoreLockOptions): Promise<StoreLock | null> {
    assertTtl(options.ttl)
    const lockKey = this.#keys.lock(key)
    const token = randomBytes(18).toString('base64url')
    const px = (ttl: number) => String(Math.max(1, Math.ceil(ttl)))
    const reply = await this.#send('lock', lockKey, [
      'SET',
      lockKey,
      token,
      'NX',
      'PX',
      px(options.ttl),
    ])
    if (text(reply) !== 'OK') return null
    return {
      token,
      refresh: async (ttl) => {
        assertTtl(ttl)
        return (await this.#eval('lock refresh', lua.LOCK_REFRESH, lockKey, [token, px(ttl)])) === 1
      },
      release: async () => {
        await this.#eval('lock release', lua.LOCK_RELEASE, lockKey, [token])
      },
    }
  }

  async listByUser(userId: string): Promise<Array<[string, SessionRecord]>> {
    const keys = await this.#members(userId)
    const records = await Promise.all(keys.map((key) => this.#read(key)))
    const out: Array<[string, SessionRecord]> = []
    records.forEach((record, i) => {
      if (record !== null && record.userId === userId) out.push([keys[i] as string, record])
    })
    return out
  }

  async destroyByUser(userId: string, except: readonly string[] = []): Promise<number> {
    const keep = new Set(except)
    const now = String(this.#now())
    const keys = (await this.#members(userId)).filter((key) => !keep.has(key))
    const replies = await Promise.all(
      keys.map((key) =>
        this.#eval('destroyByUser', lua.DESTROY_IF_USER, this.#keys.session(key), [userId, now]),
      ),
    )
    return replies.filter((reply) => reply === 1).length
  }

  /**
   * Live records in key order over a snapshot of keys taken by SCAN on every master (the whole
   * key space is listed once per scan; resuming from a cursor reuses the latest snapshot).
   */
  async *scan(options: StoreScanOptions = {}): AsyncIterable<[string, SessionRecord]> {
    assertLimit(options.limit)
    const { cursor, limit = Number.POSITIVE_INFINITY } = options
    let keys = cursor === undefined ? undefined : this.#snapshot
    if (keys === undefined) {
      keys = await this.#op('scan', () => scanKeys(this.#redis, this.#keys))
      this.#snapshot = keys
    }
    let i = cursor === undefined ? 0 : upperBound(keys, cursor)
    let yielded = 0
    while (i < keys.length && yielded < limit) {
      const batch = keys.slice(i, i + Math.min(READ_BATCH, limit - yielded))
      const records = await Promise.all(batch.map((key) => this.#read(key)))
      for (const [j, record] of records.entries()) {
        i++
        if (record === null) continue
        yield [batch[j] as string, record]
        if (++yielded >= limit) break
      }
    }
    if (i >= keys.length && this.#snapshot === keys) this.#snapshot = undefined
  }

  /** Marks the store closed. The client belongs to the application: it is not quit. */
  async close(): Promise<void> {
    this.#closed = true
    this.#snapshot = undefined
  }

  async #read(key: string): Promise<SessionRecord | null> {
    const redisKey = this.#keys.session(key)
    const reply = await this.#send('get', redisKey, ['HMGET', redisKey, ...lua.FIELDS])
    return fromFields(reply, this.#now())
  }

  /** Live-or-recent members of the user's index (members past their score are not live). */
  async #members(userId: string): Promise<string[]> {
    const setKey = this.#keys.user(userId)
    const now = String(this.#now())
    const reply = await this.#send('user index', setKey, [
      'ZRANGEBYSCORE',
      setKey,
      `(${now}`,
      '+inf',
    ])
    return list(reply).map((member) => text(member) ?? '')
  }

  #index(userId: string, key: string, until: number, now: number): Promise<unknown> {
    const setKey = this.#keys.user(userId)
    return this.#eval('user index', lua.INDEX_ADD, setKey, [key, String(until), String(now)])
  }

  #send(what: string, key: string, args: string[]): Promise<unknown> {
    return this.#op(what, () => this.#redis.send(key, args))
  }

  async #eval(what: string, script: LuaScript, key: string, args: string[]): Promise<unknown> {
    const reply = await this.#op(what, () => this.#redis.eval(script, [key], args))
    return typeof reply === 'bigint' ? Number(reply) : reply
  }

  async #op<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreUnavailable('redis store is closed')
    try {
      return await fn()
    } catch (cause) {
      throw new StoreUnavailable(`redis store: ${what} failed`, { cause })
    }
  }
}

/**
 * A Redis store over a connected `ioredis` or `redis` (node-redis) client or cluster client. The
 * application owns the client: `close()` does not quit it. In cluster mode every script touches
 * one key; the user index lives on its own slot and is written before the record (see
 * docs/stores/redis.md).
 *
 * @example
 * ```ts
 * import Redis from 'ioredis'
 * const client = new Redis({ maxRetriesPerRequest: 1, enableOfflineQueue: false })
 * const sessions = createSessions({ store: createRedisStore(client, { prefix: 'myapp:sess:' }) })
 * ```
 * @throws {ConfigError} when `client` is not an ioredis/node-redis client, or an option is bad.
 */
export function createRedisStore(client: RedisLikeClient, options: RedisStoreOptions = {}): Store {
  const { redis, prefix, now } = checkOptions(client, options)
  return new RedisStore(redis, prefix, now)
}
