/**
 * Options of the SQLite store and their validation.
 */
import type { ConfigIssue } from '../core/errors.js'
import type { SqliteDatabase, SqliteDriverName } from './sqlite-driver.js'
import { TABLE_NAME } from './sqlite-schema.js'

/** Options shared by both ways of giving {@link createSqliteStore} a database. */
export interface SqliteStoreBaseOptions {
  /**
   * Table of the sessions; `<table>_locks` and `<table>_schema` are created beside it. Must
   * match `/^[A-Za-z_][A-Za-z0-9_]{0,62}$/`.
   * @default 'sessionkit_sessions'
   */
  table?: string
  /**
   * Create or upgrade the tables at construction (in one `BEGIN IMMEDIATE` transaction, safe
   * when several processes start at once). Turn off when migrations are run separately.
   * @default true
   */
  createSchema?: boolean
  /** The store's clock (ms since the epoch); expiry and lock ttls are judged by it. @default Date.now */
  now?: () => number
  /**
   * Driver that opens `path`. By default `node:sqlite` on Node 24+, else `better-sqlite3`
   * (on Node 22.13–23, `node:sqlite` when `better-sqlite3` is not installed).
   * Ignored with `database`.
   */
  driver?: SqliteDriverName
}

/** Open the database file at `path`; the store owns it and closes it in `close()`. */
export interface SqliteStorePathOptions extends SqliteStoreBaseOptions {
  /** Database file (its directory must exist), or `':memory:'`. Opened in WAL mode. */
  path: string
  database?: never
}

/** Use a database the application opened; the store never closes it or changes its pragmas. */
export interface SqliteStoreDatabaseOptions extends SqliteStoreBaseOptions {
  /** An open `better-sqlite3` `Database` or `node:sqlite` `DatabaseSync`. */
  database: SqliteDatabase
  path?: never
}

/** Options of {@link createSqliteStore}: a `path` to open, or an open `database`. */
export type SqliteStoreOptions = SqliteStorePathOptions | SqliteStoreDatabaseOptions

/** Every problem with `options`, each with its option path. */
export function checkOptions(options: SqliteStoreOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const { path, database, table, createSchema, now, driver } = options
  if (path !== undefined && database !== undefined) {
    issues.push({ path: 'path', message: 'give either path or database, not both' })
  } else if (database !== undefined) {
    if (typeof database?.prepare !== 'function' || typeof database.exec !== 'function') {
      issues.push({
        path: 'database',
        message: 'expected an open better-sqlite3 or node:sqlite database',
      })
    }
  } else if (typeof path !== 'string' || path === '') {
    issues.push({ path: 'path', message: 'expected a database file path or ":memory:"' })
  }
  if (table !== undefined && (typeof table !== 'string' || !TABLE_NAME.test(table))) {
    issues.push({ path: 'table', message: `expected a name matching ${TABLE_NAME}` })
  }
  if (createSchema !== undefined && typeof createSchema !== 'boolean') {
    issues.push({ path: 'createSchema', message: 'expected a boolean' })
  }
  if (now !== undefined && typeof now !== 'function') {
    issues.push({ path: 'now', message: 'expected a function' })
  }
  if (driver !== undefined && driver !== 'node:sqlite' && driver !== 'better-sqlite3') {
    issues.push({ path: 'driver', message: "expected 'node:sqlite' or 'better-sqlite3'" })
  }
  return issues
}
