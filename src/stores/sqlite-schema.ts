/**
 * The SQLite store's schema, its versioned migrations, and the SQL of every statement.
 * Identifiers come only from a table name validated by {@link TABLE_NAME}; values are always
 * bound parameters (BI-23).
 */
import { ConfigError } from '../core/errors.js'
import type { SqliteDatabase } from './sqlite-driver.js'

/** Table names the store accepts (a plain SQL identifier; no quoting games possible). */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = 1

// Migration n upgrades version n-1 to n. Version 0 is "no tables yet".
function migrations(t: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS "${t}" (
      key TEXT PRIMARY KEY NOT NULL,
      data TEXT NOT NULL,
      version INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      user_id TEXT,
      moved_to TEXT,
      meta TEXT
    );
    CREATE INDEX IF NOT EXISTS "${t}_expires_at" ON "${t}" (expires_at);
    CREATE INDEX IF NOT EXISTS "${t}_user_id" ON "${t}" (user_id) WHERE user_id IS NOT NULL;
    CREATE TABLE IF NOT EXISTS "${t}_locks" (
      key TEXT PRIMARY KEY NOT NULL,
      token TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    );`,
  ]
}

/**
 * Create or upgrade the schema of table `t`, inside one `BEGIN IMMEDIATE` transaction so that
 * processes opening the same file at once serialise on SQLite's write lock.
 * @throws {ConfigError} when the table was written by a newer schema version.
 */
export function ensureSchema(db: SqliteDatabase, t: string): void {
  db.exec('BEGIN IMMEDIATE')
  try {
    db.exec(
      `CREATE TABLE IF NOT EXISTS "${t}_schema" (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
      )`,
    )
    const row = db.prepare(`SELECT version FROM "${t}_schema" WHERE id = 1`).get() as
      | { version: number }
      | undefined
    const current = Number(row?.version ?? 0)
    if (current > SCHEMA_VERSION) {
      throw new ConfigError([
        {
          path: 'table',
          message: `"${t}" has schema version ${current}, newer than this sessionkit supports (${SCHEMA_VERSION}); upgrade sessionkit`,
        },
      ])
    }
    const steps = migrations(t)
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(steps[v] as string)
    if (current < SCHEMA_VERSION) {
      db.prepare(
        `INSERT INTO "${t}_schema" (id, version) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version`,
      ).run(SCHEMA_VERSION)
    }
    db.exec('COMMIT')
  } catch (error) {
    try {
      db.exec('ROLLBACK')
    } catch {
      // SQLite may have rolled back already (e.g. on SQLITE_FULL); keep the first error.
    }
    throw error
  }
}

const COLUMNS = 'data, version, expires_at, user_id, moved_to, meta'

/** The SQL of every statement the store prepares, for table `t`. */
export function statements(t: string) {
  return {
    get: `SELECT ${COLUMNS} FROM "${t}" WHERE key = ? AND expires_at > ?`,
    // Parameters: key, data, version, expires_at, user_id, moved_to, meta.
    upsert: `INSERT INTO "${t}" (key, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET data = excluded.data, version = excluded.version,
        expires_at = excluded.expires_at, user_id = excluded.user_id,
        moved_to = excluded.moved_to, meta = excluded.meta`,
    // As upsert, plus now: replaces only an expired row.
    create: `INSERT INTO "${t}" (key, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET data = excluded.data, version = excluded.version,
        expires_at = excluded.expires_at, user_id = excluded.user_id,
        moved_to = excluded.moved_to, meta = excluded.meta
      WHERE "${t}".expires_at <= ?`,
    // Parameters: data, version, expires_at, user_id, moved_to, meta, key, ifVersion, now.
    compareAndSet: `UPDATE "${t}" SET data = ?, version = ?, expires_at = ?, user_id = ?,
        moved_to = ?, meta = ? WHERE key = ? AND version = ? AND expires_at > ?`,
    // As compareAndSet for a row already bound to the same user_id (or none), which it leaves
    // unset: an UPDATE that sets user_id rewrites its index entry, one more page per commit.
    // Parameters: data, version, expires_at, moved_to, meta, key, ifVersion, now, user_id.
    compareAndSetSameUser: `UPDATE "${t}" SET data = ?, version = ?, expires_at = ?,
        moved_to = ?, meta = ? WHERE key = ? AND version = ? AND expires_at > ? AND user_id IS ?`,
    touch: `UPDATE "${t}" SET expires_at = ?,
        meta = CASE WHEN json_valid(meta) THEN json_set(meta, '$.lastSeenAt', ?) ELSE meta END
      WHERE key = ? AND expires_at > ?`,
    destroy: `DELETE FROM "${t}" WHERE key = ?`,
    listByUser: `SELECT key, ${COLUMNS} FROM "${t}"
      WHERE user_id = ? AND expires_at > ? ORDER BY key`,
    destroyByUser: `DELETE FROM "${t}" WHERE user_id = ? AND expires_at > ?
      AND key NOT IN (SELECT value FROM json_each(?))`,
    scanFirst: `SELECT key, ${COLUMNS} FROM "${t}" WHERE expires_at > ? ORDER BY key LIMIT ?`,
    scanAfter: `SELECT key, ${COLUMNS} FROM "${t}"
      WHERE key > ? AND expires_at > ? ORDER BY key LIMIT ?`,
    gcBatch: `DELETE FROM "${t}" WHERE key IN
      (SELECT key FROM "${t}" WHERE expires_at <= ? LIMIT ?)`,
    gcLocks: `DELETE FROM "${t}_locks" WHERE expires_at <= ?`,
    lock: `INSERT INTO "${t}_locks" (key, token, expires_at) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
      WHERE "${t}_locks".expires_at <= ?`,
    refreshLock: `UPDATE "${t}_locks" SET expires_at = ?
      WHERE key = ? AND token = ? AND expires_at > ?`,
    releaseLock: `DELETE FROM "${t}_locks" WHERE key = ? AND token = ?`,
  }
}

/** Names of the store's statements. */
export type StatementName = keyof ReturnType<typeof statements>
