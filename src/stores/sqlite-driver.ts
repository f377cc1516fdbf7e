/**
 * Finding and opening a synchronous SQLite driver: the built-in `node:sqlite` (`DatabaseSync`)
 * or the `better-sqlite3` package. Both are described structurally, so either can be passed in.
 */
import { createRequire } from 'node:module'
import { debuglog } from 'node:util'
import { ConfigError, MissingDriver, StoreUnavailable } from '../core/errors.js'

/** A value SQLite parameters accept in this store. */
export type SqliteValue = string | number | bigint | null

/**
 * The part of a prepared statement the store uses (`better-sqlite3` and `node:sqlite` agree).
 * The store only binds {@link SqliteValue}s; parameters are `unknown` so that both drivers'
 * declared signatures fit.
 */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number | bigint }
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
}

/**
 * The part of an open database the store uses: a `better-sqlite3` `Database` or a
 * `node:sqlite` `DatabaseSync` satisfies it.
 */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement
  exec(sql: string): unknown
  close(): unknown
}

/** Which driver opens a database given by path. */
export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3'

type DatabaseConstructor = new (path: string) => SqliteDatabase
// A failed load is remembered as a factory, so each caller gets an error with its own stack.
type Loaded = DatabaseConstructor | { fail: () => Error }

const debug = debuglog('sessionkit')
const BUSY_TIMEOUT_MS = 5000

const requireFromHere = createRequire(import.meta.url)
const loaded = new Map<SqliteDriverName, Loaded>()

/** True on Node ≥ `major.minor`. */
function nodeAtLeast(major: number, minor: number): boolean {
  const [maj = 0, min = 0] = process.versions.node.split('.').map(Number)
  return maj > major || (maj === major && min >= minor)
}

// node:sqlite needs no flag from 22.13 on; DESIGN.md prefers it from 24, where it no longer
// prints an ExperimentalWarning at load.
function loadNodeSqlite(): Loaded {
  if (!nodeAtLeast(22, 13)) {
    return { fail: () => unavailable('node:sqlite needs Node.js 22.13 or later') }
  }
  const mod = process.getBuiltinModule?.('node:sqlite') as
    | { DatabaseSync?: DatabaseConstructor }
    | undefined
  if (typeof mod?.DatabaseSync !== 'function') {
    return { fail: () => unavailable('node:sqlite is not available in this runtime') }
  }
  return mod.DatabaseSync
}

function unavailable(message: string): ConfigError {
  return new ConfigError([{ path: 'driver', message: `${message}; use better-sqlite3` }])
}

// better-sqlite3 loads its native addon on the first `new Database()`, so a build for another
// Node ABI only fails there: probe with an in-memory database once per process.
function loadBetterSqlite(): Loaded {
  try {
    const Database = requireFromHere('better-sqlite3') as DatabaseConstructor
    new Database(':memory:').close()
    return Database
  } catch (cause) {
    return { fail: () => new MissingDriver('better-sqlite3', { cause }) }
  }
}

function load(name: SqliteDriverName): Loaded {
  let result = loaded.get(name)
  if (result === undefined) {
    result = name === 'node:sqlite' ? loadNodeSqlite() : loadBetterSqlite()
    loaded.set(name, result)
  }
  return result
}

/** The drivers to try, in order, when none is forced. */
function preferredDrivers(): SqliteDriverName[] {
  if (nodeAtLeast(24, 0)) return ['node:sqlite', 'better-sqlite3']
  if (nodeAtLeast(22, 13)) return ['better-sqlite3', 'node:sqlite']
  return ['better-sqlite3']
}

/**
 * The constructor of the forced driver, or of the first available preferred one.
 * @throws {MissingDriver} when better-sqlite3 is needed and cannot be loaded.
 * @throws {ConfigError} when `node:sqlite` is forced on a runtime without it.
 */
function resolveDriver(forced: SqliteDriverName | undefined): {
  name: SqliteDriverName
  Database: DatabaseConstructor
} {
  const names = forced === undefined ? preferredDrivers() : [forced]
  let failure: Error | undefined
  for (const name of names) {
    const result = load(name)
    if (typeof result === 'function') return { name, Database: result }
    const error = result.fail()
    // Report the package a user can install, whatever else failed before it.
    if (failure === undefined || error instanceof MissingDriver) failure = error
  }
  throw failure ?? new MissingDriver('better-sqlite3')
}

/**
 * Open the database file at `path` in WAL mode with a busy timeout.
 * @throws {MissingDriver} when better-sqlite3 is needed and cannot be loaded.
 * @throws {ConfigError} when `node:sqlite` is forced on a runtime without it.
 * @throws {StoreUnavailable} when the file cannot be opened or configured.
 */
export function openDatabaseFile(
  path: string,
  driver: SqliteDriverName | undefined,
): SqliteDatabase {
  const { name, Database } = resolveDriver(driver)
  let db: SqliteDatabase
  try {
    db = new Database(path)
  } catch (cause) {
    throw new StoreUnavailable('sqlite store: cannot open the database file', { cause })
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`)
    db.exec('PRAGMA journal_mode = WAL')
    db.exec('PRAGMA synchronous = NORMAL')
  } catch (cause) {
    db.close()
    throw new StoreUnavailable('sqlite store: cannot configure the database', { cause })
  }
  debug('sqlite store: opened a database with %s', name)
  return db
}
