/**
 * Options of the PostgreSQL store, the structural driver contract it needs, and their validation.
 */
import type { ConfigIssue } from '../core/errors.js'

/** What the store reads from a query result (a subset of `pg`'s `QueryResult`). */
export interface PgQueryResult {
  /** Rows as objects keyed by column name. */
  rows: Array<Record<string, unknown>>
  /** Rows inserted, updated or deleted (null for some utility statements). */
  rowCount: number | null
}

/**
 * The driver contract: a `pg.Pool` (recommended), a connected `pg.Client`, or any object with a
 * `pg`-compatible `query`. Queries with `values` use bound parameters; the schema migration sends
 * one multi-statement query without values, which `pg` runs as one transaction on one connection.
 */
export interface PgLikePool {
  /** Run `text` with `$1…$n` bound to `values`. */
  query(text: string, values?: unknown[]): Promise<PgQueryResult>
  /** Close every connection; called by `close()` only with `closePool: true`. */
  end?(): Promise<void>
}

/** Where the store's tables live; shared by {@link PostgresStoreOptions} and the migration. */
export interface PostgresTableOptions {
  /**
   * Table of the sessions; `<table>_locks` and `<table>_schema` are created beside it, with
   * indexes `<table>_expires_at` and `<table>_user_id`. Quoted, so case-sensitive. Must match
   * `/^[A-Za-z_][A-Za-z0-9_]{0,62}$/` and, so every derived name fits PostgreSQL's 63-byte
   * identifiers, be at most 52 characters long.
   * @default 'sessionkit_sessions'
   */
  table?: string
  /**
   * The PostgreSQL schema (namespace) holding the tables; created if missing when the store
   * creates its tables. Same rule as `table`.
   * @default 'public'
   */
  schema?: string
}

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions extends PostgresTableOptions {
  /**
   * Create or upgrade the tables on first use, serialised across processes by a transaction
   * advisory lock. Turn off when migrations run separately (`sessionkit migrate`, or
   * `migratePostgresSchema` in a deploy step) and the application's role has no DDL rights.
   * @default true
   */
  createSchema?: boolean
  /**
   * The store's clock (ms since the epoch), sent with every query: expiry and lock ttls are
   * judged by it, never by the database server's clock.
   * @default Date.now
   */
  now?: () => number
  /**
   * End the pool in `close()`. Off by default: the application owns the pool it passed in.
   * @default false
   */
  closePool?: boolean
}

/** Identifiers the store accepts: plain SQL identifiers, never derived from input (BI-23). */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/** Longest table name: the longest derived name, `<table>_expires_at`, must fit 63 bytes. */
export const MAX_TABLE_LENGTH = 52

/** Every problem with the table options, each with its option path. */
export function checkTableOptions(options: PostgresTableOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const { table, schema } = options
  if (table !== undefined) {
    if (typeof table !== 'string' || !IDENTIFIER.test(table)) {
      issues.push({ path: 'table', message: `expected a name matching ${IDENTIFIER}` })
    } else if (table.length > MAX_TABLE_LENGTH) {
      issues.push({
        path: 'table',
        message: `expected at most ${MAX_TABLE_LENGTH} characters (derived index names must fit 63)`,
      })
    }
  }
  if (schema !== undefined && (typeof schema !== 'string' || !IDENTIFIER.test(schema))) {
    issues.push({ path: 'schema', message: `expected a name matching ${IDENTIFIER}` })
  }
  return issues
}

/** Every problem with `pool` and `options`, each with its option path. */
export function checkOptions(pool: unknown, options: PostgresStoreOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  if (typeof (pool as PgLikePool | null)?.query !== 'function') {
    issues.push({ path: 'pool', message: 'expected a pg.Pool (or an object with query())' })
  }
  if (typeof options !== 'object' || options === null) {
    issues.push({ path: '', message: 'expected an options object' })
    return issues
  }
  issues.push(...checkTableOptions(options))
  const { createSchema, now, closePool } = options
  if (createSchema !== undefined && typeof createSchema !== 'boolean') {
    issues.push({ path: 'createSchema', message: 'expected a boolean' })
  }
  if (now !== undefined && typeof now !== 'function') {
    issues.push({ path: 'now', message: 'expected a function' })
  }
  if (closePool !== undefined && typeof closePool !== 'boolean') {
    issues.push({ path: 'closePool', message: 'expected a boolean' })
  }
  return issues
}
