/**
 * A PostgreSQL store on `pg` (or any pg-compatible pool): compare-and-set in one statement, locks
 * in a side table, a user index, key-ordered scans and batched gc. The schema is created or
 * upgraded on first use, serialised across processes by an advisory lock.
 */
import { randomBytes } from 'node:crypto'
import { ConfigError, InvalidSessionValue, StoreUnavailable } from '../core/errors.js'
import type {
  SessionRecord,
  Store,
  StoreCapabilities,
  StoreLock,
  StoreLockOptions,
  StoreScanOptions,
  StoreSetOptions,
} from '../core/store.js'
import {
  checkOptions,
  type PgLikePool,
  type PgQueryResult,
  type PostgresStoreOptions,
} from './postgres-options.js'
import { hasNul, recordValues, toRecord } from './postgres-rows.js'
import { ensureSchema, pgNames, type StatementName, statements } from './postgres-schema.js'
import { assertLimit, assertTtl } from './record-check.js'

export type {
  PgLikePool,
  PgQueryResult,
  PostgresStoreOptions,
  PostgresTableOptions,
} from './postgres-options.js'
export { migratePostgresSchema, POSTGRES_SCHEMA_VERSION } from './postgres-schema.js'

const SCAN_BATCH = 256
const GC_BATCH = 1000

const CAPABILITIES: StoreCapabilities = Object.freeze({
  compareAndSet: true,
  nativeExpiry: false,
  lock: true,
  userIndex: true,
  scan: true,
})

class PostgresStore implements Store {
  readonly capabilities = CAPABILITIES
  readonly #pool: PgLikePool
  readonly #options: PostgresStoreOptions
  readonly #now: () => number
  readonly #sql: Readonly<Record<StatementName, string>>
  #ready: Promise<void> | undefined
  #closed = false

  constructor(pool: PgLikePool, options: PostgresStoreOptions) {
    this.#pool = pool
    this.#options = options
    this.#now = options.now ?? Date.now
    const names = pgNames(options)
    this.#sql = statements(names)
    if (options.createSchema === false) this.#ready = Promise.resolve()
  }

  async get(key: string): Promise<SessionRecord | null> {
    if (hasNul(key)) return null
    const { rows } = await this.#query('get', 'get', [key, this.#now()])
    return rows[0] === undefined ? null : toRecord(rows[0])
  }

  async set(key: string, record: SessionRecord, options?: StoreSetOptions): Promise<boolean> {
    if (hasNul(key)) throw new InvalidSessionValue('postgres store: keys cannot contain NUL')
    const values = [key, ...recordValues(record)]
    const ifVersion = options?.ifVersion
    const result =
      ifVersion === undefined
        ? await this.#query('set', 'upsert', values)
        : ifVersion === 0
          ? await this.#query('set', 'create', [...values, this.#now()])
          : await this.#query('set', 'compareAndSet', [...values, ifVersion, this.#now()])
    return (result.rowCount ?? 0) > 0
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number): Promise<void> {
    if (hasNul(key)) return
    await this.#query('touch', 'touch', [key, expiresAt, lastSeenAt, this.#now()])
  }

  async destroy(key: string): Promise<void> {
    if (hasNul(key)) return
    await this.#query('destroy', 'destroy', [key])
  }

  async lock(key: string, options: StoreLockOptions): Promise<StoreLock | null> {
    assertTtl(options.ttl)
    if (hasNul(key)) throw new InvalidSessionValue('postgres store: keys cannot contain NUL')
    const token = randomBytes(18).toString('base64url')
    const now = this.#now()
    const taken = await this.#query('lock', 'lock', [key, token, now + options.ttl, now])
    if (taken.rowCount !== 1) return null
    return {
      token,
      refresh: async (ttl) => {
        assertTtl(ttl)
        const at = this.#now()
        const result = await this.#query('lock refresh', 'refreshLock', [key, token, at + ttl, at])
        return result.rowCount === 1
      },
      release: async () => {
        await this.#query('lock release', 'releaseLock', [key, token])
      },
    }
  }

  async listByUser(userId: string): Promise<Array<[string, SessionRecord]>> {
    if (hasNul(userId)) return []
    const { rows } = await this.#query('listByUser', 'listByUser', [userId, this.#now()])
    return rows.map((row) => [row.key as string, toRecord(row)])
  }

  async destroyByUser(userId: string, except: readonly string[] = []): Promise<number> {
    if (hasNul(userId)) return 0
    const keep = except.filter((key) => !hasNul(key))
    const { rows } = await this.#query('destroyByUser', 'destroyByUser', [
      userId,
      this.#now(),
      keep,
    ])
    return Number(rows[0]?.n ?? 0)
  }

  /**
   * Live records in key order (byte order: the key column is `COLLATE "C"`), fetched in
   * batches; the cursor is the last key yielded. A record that lives throughout the scan is
   * yielded exactly once; one created meanwhile may be too.
   */
  async *scan(options: StoreScanOptions = {}): AsyncIterable<[string, SessionRecord]> {
    assertLimit(options.limit)
    let remaining = options.limit ?? Number.POSITIVE_INFINITY
    let cursor = options.cursor
    while (remaining > 0) {
      const batch = Math.min(remaining, SCAN_BATCH)
      const now = this.#now()
      const { rows } =
        cursor === undefined
          ? await this.#query('scan', 'scanFirst', [now, batch])
          : await this.#query('scan', 'scanAfter', [cursor, now, batch])
      for (const row of rows) yield [row.key as string, toRecord(row)]
      if (rows.length < batch) return
      remaining -= rows.length
      cursor = rows[rows.length - 1]?.key as string
    }
  }

  /** Deletes expired locks, then expired records through the expiry index, 1000 per statement. */
  async gc(): Promise<number> {
    const now = this.#now()
    await this.#query('gc', 'gcLocks', [now])
    let total = 0
    for (;;) {
      const deleted = (await this.#query('gc', 'gcBatch', [now, GC_BATCH])).rowCount ?? 0
      total += deleted
      if (deleted < GC_BATCH) return total
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#options.closePool === true) await this.#pool.end?.()
  }

  /** The schema, created or upgraded once; a failed attempt is retried by the next call. */
  #schema(): Promise<void> {
    this.#ready ??= ensureSchema(this.#pool, pgNames(this.#options)).then(
      () => undefined,
      (cause: unknown) => {
        this.#ready = undefined
        if (cause instanceof ConfigError || cause instanceof StoreUnavailable) throw cause
        throw new StoreUnavailable('postgres store: cannot create the schema', { cause })
      },
    )
    return this.#ready
  }

  /** Run one statement after the schema is ready; driver failures become StoreUnavailable. */
  async #query(what: string, name: StatementName, values: unknown[]): Promise<PgQueryResult> {
    if (this.#closed) throw new StoreUnavailable('postgres store is closed')
    await this.#schema()
    try {
      return await this.#pool.query(this.#sql[name], values)
    } catch (cause) {
      throw new StoreUnavailable(`postgres store: ${what} failed`, { cause })
    }
  }
}

/**
 * A PostgreSQL store over a `pg.Pool` the application created (and keeps owning: `close()`
 * does not end it unless `closePool: true`). The factory is synchronous; the tables are created
 * or upgraded on the first call, unless `createSchema: false`. Expiry is judged by the store's
 * `now`, sent with every query. Records past `expiresAt` are never returned; call `gc()` (the
 * core's `sessions.gc()`) periodically to delete them.
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * import { createPostgresStore } from 'sessionkit/stores/postgres'
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 * pool.on('error', (error) => console.error('idle postgres client failed', error))
 * const sessions = createSessions({ store: createPostgresStore(pool, { table: 'sessions' }) })
 * ```
 * @throws {ConfigError} listing every invalid option (at construction), or, from the first call,
 * when the table has a schema newer than this sessionkit.
 */
export function createPostgresStore(pool: PgLikePool, options: PostgresStoreOptions = {}): Store {
  const issues = checkOptions(pool, options)
  if (issues.length > 0) throw new ConfigError(issues)
  return new PostgresStore(pool, { ...options })
}
