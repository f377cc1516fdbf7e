/**
 * A SQLite store on the built-in `node:sqlite` (Node 24+) or `better-sqlite3`: compare-and-set
 * in one statement, locks in a side table, a user index on a column, key-ordered scans.
 */
import { randomBytes } from 'node:crypto'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { ConfigError, StoreUnavailable } from '../core/errors.js'
import type {
  SessionRecord,
  Store,
  StoreCapabilities,
  StoreLock,
  StoreLockOptions,
  StoreScanOptions,
  StoreSetOptions,
} from '../core/store.js'
import { assertLimit, assertRecord, assertTtl, parseMeta } from './record-check.js'
import { openDatabaseFile, type SqliteDatabase, type SqliteStatement } from './sqlite-driver.js'
import { checkOptions, type SqliteStoreOptions } from './sqlite-options.js'
import { ensureSchema, type StatementName, statements } from './sqlite-schema.js'

export type {
  SqliteDatabase,
  SqliteDriverName,
  SqliteStatement,
  SqliteValue,
} from './sqlite-driver.js'
export type {
  SqliteStoreBaseOptions,
  SqliteStoreDatabaseOptions,
  SqliteStoreOptions,
  SqliteStorePathOptions,
} from './sqlite-options.js'

const SCAN_BATCH = 256
const GC_BATCH = 1000

interface Row {
  data: string
  version: number
  expires_at: number
  user_id: string | null
  moved_to: string | null
  meta: string | null
}

interface KeyedRow extends Row {
  key: string
}

const CAPABILITIES: StoreCapabilities = Object.freeze({
  compareAndSet: true,
  nativeExpiry: false,
  lock: true,
  userIndex: true,
  scan: true,
})

function toRecord(row: Row): SessionRecord {
  const record: SessionRecord = {
    data: row.data,
    version: Number(row.version),
    expiresAt: Number(row.expires_at),
  }
  if (row.user_id !== null) record.userId = row.user_id
  if (row.moved_to !== null) record.movedTo = row.moved_to
  const meta = parseMeta(row.meta)
  if (meta !== undefined) record.meta = meta
  return record
}

function changed(result: { changes: number | bigint }): boolean {
  return Number(result.changes) > 0
}

class SqliteStore implements Store {
  readonly capabilities = CAPABILITIES
  readonly #db: SqliteDatabase
  readonly #owned: boolean
  readonly #now: () => number
  readonly #sql: Readonly<Record<StatementName, string>>
  readonly #prepared = new Map<StatementName, SqliteStatement>()
  #closed = false

  constructor(db: SqliteDatabase, owned: boolean, table: string, now: () => number) {
    this.#db = db
    this.#owned = owned
    this.#now = now
    this.#sql = statements(table)
  }

  async get(key: string): Promise<SessionRecord | null> {
    const now = this.#now()
    const row = this.#op('get', (s) => s('get').get(key, now)) as Row | undefined
    return row === undefined ? null : toRecord(row)
  }

  async set(key: string, record: SessionRecord, options?: StoreSetOptions): Promise<boolean> {
    assertRecord(record)
    const { data, version, expiresAt } = record
    const userId = record.userId ?? null
    const movedTo = record.movedTo ?? null
    const meta = record.meta === undefined ? null : JSON.stringify(record.meta)
    const ifVersion = options?.ifVersion
    const now = this.#now()
    return this.#op('set', (s) => {
      const values = [data, version, expiresAt, userId, movedTo, meta] as const
      if (ifVersion === undefined) return changed(s('upsert').run(key, ...values))
      if (ifVersion === 0) return changed(s('create').run(key, ...values, now))
      // Each statement is an atomic compare-and-set; the second runs only when the first found
      // no row at that version bound to that user (a login, a logout, or a lost race).
      const same = s('compareAndSetSameUser')
      if (changed(same.run(data, version, expiresAt, movedTo, meta, key, ifVersion, now, userId)))
        return true
      return changed(s('compareAndSet').run(...values, key, ifVersion, now))
    })
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number): Promise<void> {
    const now = this.#now()
    this.#op('touch', (s) => s('touch').run(expiresAt, lastSeenAt, key, now))
  }

  async destroy(key: string): Promise<void> {
    this.#op('destroy', (s) => s('destroy').run(key))
  }

  async lock(key: string, options: StoreLockOptions): Promise<StoreLock | null> {
    assertTtl(options.ttl)
    const token = randomBytes(18).toString('base64url')
    const now = this.#now()
    const taken = this.#op('lock', (s) =>
      changed(s('lock').run(key, token, now + options.ttl, now)),
    )
    if (!taken) return null
    return {
      token,
      refresh: async (ttl) => {
        assertTtl(ttl)
        const at = this.#now()
        return this.#op('lock refresh', (s) =>
          changed(s('refreshLock').run(at + ttl, key, token, at)),
        )
      },
      release: async () => {
        this.#op('lock release', (s) => s('releaseLock').run(key, token))
      },
    }
  }

  async listByUser(userId: string): Promise<Array<[string, SessionRecord]>> {
    const now = this.#now()
    const rows = this.#op('listByUser', (s) => s('listByUser').all(userId, now)) as KeyedRow[]
    return rows.map((row) => [row.key, toRecord(row)])
  }

  async destroyByUser(userId: string, except: readonly string[] = []): Promise<number> {
    const now = this.#now()
    const keep = JSON.stringify(except)
    const result = this.#op('destroyByUser', (s) => s('destroyByUser').run(userId, now, keep))
    return Number(result.changes)
  }

  /**
   * Live records in key order, fetched in batches; the cursor is the last key yielded. A record
   * that lives throughout the scan is yielded exactly once; one created meanwhile may be too.
   */
  async *scan(options: StoreScanOptions = {}): AsyncIterable<[string, SessionRecord]> {
    assertLimit(options.limit)
    let remaining = options.limit ?? Number.POSITIVE_INFINITY
    let cursor = options.cursor
    while (remaining > 0) {
      const batch = Math.min(remaining, SCAN_BATCH)
      const now = this.#now()
      const after = cursor
      const rows = this.#op('scan', (s) =>
        after === undefined
          ? s('scanFirst').all(now, batch)
          : s('scanAfter').all(after, now, batch),
      ) as KeyedRow[]
      for (const row of rows) yield [row.key, toRecord(row)]
      if (rows.length < batch) return
      remaining -= rows.length
      cursor = (rows[rows.length - 1] as KeyedRow).key
    }
  }

  /** Deletes expired records (and stale locks) through the expiry index, in batches. */
  async gc(): Promise<number> {
    const now = this.#now()
    this.#op('gc', (s) => s('gcLocks').run(now))
    let total = 0
    for (;;) {
      const deleted = Number(this.#op('gc', (s) => s('gcBatch').run(now, GC_BATCH)).changes)
      total += deleted
      if (deleted < GC_BATCH) return total
      // Let requests in between batches rather than hold the event loop for the whole sweep.
      await nextTurn()
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#prepared.clear()
    if (this.#owned) this.#db.close()
  }

  /** Run `fn` with lazily prepared, cached statements; driver failures become StoreUnavailable. */
  #op<T>(what: string, fn: (statement: (name: StatementName) => SqliteStatement) => T): T {
    if (this.#closed) throw new StoreUnavailable('sqlite store is closed')
    try {
      return fn((name) => {
        let statement = this.#prepared.get(name)
        if (statement === undefined) {
          statement = this.#db.prepare(this.#sql[name])
          this.#prepared.set(name, statement)
        }
        return statement
      })
    } catch (cause) {
      throw new StoreUnavailable(`sqlite store: ${what} failed`, { cause })
    }
  }
}

/**
 * A SQLite store. The factory is synchronous: it opens the file (if given a `path`) and creates
 * or upgrades the schema before returning. Records past `expiresAt` are never returned; call
 * `gc()` (the core's `sessions.gc()`) periodically to delete them.
 *
 * @example
 * ```ts
 * const store = createSqliteStore({ path: './sessions.db' })
 * const sessions = createSessions({ store })
 * ```
 * @throws {ConfigError} listing every invalid option, or when the table has a newer schema.
 * @throws {MissingDriver} when `better-sqlite3` is needed and not installed.
 * @throws {StoreUnavailable} when the database cannot be opened or its schema created.
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError([{ path: '', message: 'expected { path } or { database }' }])
  }
  const issues = checkOptions(options)
  if (issues.length > 0) throw new ConfigError(issues)
  const table = options.table ?? 'sessionkit_sessions'
  const owned = options.database === undefined
  const db = options.database ?? openDatabaseFile(options.path as string, options.driver)
  if (options.createSchema !== false) {
    try {
      ensureSchema(db, table)
    } catch (cause) {
      if (owned) db.close()
      if (cause instanceof ConfigError) throw cause
      throw new StoreUnavailable('sqlite store: cannot create the schema', { cause })
    }
  }
  return new SqliteStore(db, owned, table, options.now ?? Date.now)
}
