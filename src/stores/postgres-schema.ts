/**
 * The PostgreSQL store's schema, its versioned migrations, and the SQL of every statement.
 * Identifiers come only from validated options (quoted); values are always bound parameters
 * (BI-23).
 */
import { ConfigError, StoreUnavailable } from '../core/errors.js'
import {
  checkTableOptions,
  type PgLikePool,
  type PgQueryResult,
  type PostgresTableOptions,
} from './postgres-options.js'

/** The schema version this code writes and reads. */
export const POSTGRES_SCHEMA_VERSION = 1

/** Quoted names of everything the store creates for one table. */
export interface PgNames {
  schema: string
  table: string
  /** `"schema"."table"` */
  sessions: string
  locks: string
  versions: string
  /** Unquoted `schema.table`, for messages and the advisory lock key. */
  label: string
}

/** Names for validated options. */
export function pgNames(options: PostgresTableOptions): PgNames {
  const schema = options.schema ?? 'public'
  const table = options.table ?? 'sessionkit_sessions'
  const q = (name: string) => `"${schema}"."${name}"`
  return {
    schema,
    table,
    sessions: q(table),
    locks: q(`${table}_locks`),
    versions: q(`${table}_schema`),
    label: `${schema}.${table}`,
  }
}

// Migration n upgrades version n-1 to n; each runs inside a plpgsql block, under the lock.
// data is bytea (UTF-8): PostgreSQL text cannot hold NUL (BI-24). Times are double precision,
// which holds every JavaScript number exactly. meta is JSON text (JSON escapes NUL, jsonb would
// refuse it); lastSeenAt has its own column so touch can update it in place.
function migrations(n: PgNames): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${n.sessions} (
      key text COLLATE "C" PRIMARY KEY,
      data bytea NOT NULL,
      version bigint NOT NULL,
      expires_at double precision NOT NULL,
      user_id text,
      moved_to text,
      meta text,
      last_seen_at double precision
    );
    CREATE INDEX IF NOT EXISTS "${n.table}_expires_at" ON ${n.sessions} (expires_at);
    CREATE INDEX IF NOT EXISTS "${n.table}_user_id" ON ${n.sessions} (user_id)
      WHERE user_id IS NOT NULL;
    CREATE TABLE IF NOT EXISTS ${n.locks} (
      key text COLLATE "C" PRIMARY KEY,
      token text NOT NULL,
      expires_at double precision NOT NULL
    );`,
  ]
}

// One multi-statement query without parameters: PostgreSQL runs it as one transaction on one
// connection (the simple query protocol), so the advisory lock, taken first, is held until every
// step committed, and it works on a pool, a client or any pg-compatible driver alike. The lock
// is per schema: two tables created at once in a new schema must not race on CREATE SCHEMA.
function upgradeScript(n: PgNames): string {
  const steps = migrations(n)
    .map(
      (sql, i) => `
    IF (SELECT version FROM ${n.versions} WHERE id = 1) < ${i + 1} THEN
      ${sql}
      UPDATE ${n.versions} SET version = ${i + 1} WHERE id = 1;
    END IF;`,
    )
    .join('')
  return `SELECT pg_advisory_xact_lock(hashtext('sessionkit schema ${n.schema}'));
  DO $sessionkit$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '${n.schema}') THEN
      CREATE SCHEMA "${n.schema}";
    END IF;
  END $sessionkit$;
  CREATE TABLE IF NOT EXISTS ${n.versions} (
    id integer PRIMARY KEY CHECK (id = 1),
    version integer NOT NULL
  );
  INSERT INTO ${n.versions} (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
  DO $sessionkit$ BEGIN${steps}
  END $sessionkit$;
  SELECT version FROM ${n.versions} WHERE id = 1;`
}

async function readVersion(pool: PgLikePool, n: PgNames): Promise<number> {
  const found = await pool.query('SELECT to_regclass($1) IS NOT NULL AS present', [n.versions])
  if (found.rows[0]?.present !== true) return 0
  const row = (await pool.query(`SELECT version FROM ${n.versions} WHERE id = 1`)).rows[0]
  return Number(row?.version ?? 0)
}

function tooNew(n: PgNames, version: number): ConfigError {
  return new ConfigError([
    {
      path: 'table',
      message: `"${n.label}" has schema version ${version}, newer than this sessionkit supports (${POSTGRES_SCHEMA_VERSION}); upgrade sessionkit`,
    },
  ])
}

/** Create or upgrade the tables named by `n`; resolves the versions before and after. */
export async function ensureSchema(
  pool: PgLikePool,
  n: PgNames,
): Promise<{ from: number; to: number }> {
  // Read first, without locking or DDL, so an up-to-date schema needs no DDL rights.
  const from = await readVersion(pool, n)
  if (from > POSTGRES_SCHEMA_VERSION) throw tooNew(n, from)
  if (from === POSTGRES_SCHEMA_VERSION) return { from, to: from }
  const results = (await pool.query(upgradeScript(n))) as unknown as PgQueryResult[]
  const last = Array.isArray(results) ? results.at(-1) : (results as PgQueryResult)
  const to = Number(last?.rows[0]?.version)
  if (to > POSTGRES_SCHEMA_VERSION) throw tooNew(n, to)
  if (to !== POSTGRES_SCHEMA_VERSION) {
    throw new StoreUnavailable(`postgres store: schema of "${n.label}" is at version ${to}`)
  }
  return { from, to }
}

/**
 * Create or upgrade the PostgreSQL store's tables now, as `sessionkit migrate` does: for deploy
 * steps, and for applications that run the store with `createSchema: false`. Safe to run from
 * several processes at once (serialised by a transaction advisory lock); a no-op when the schema
 * is current.
 *
 * @example
 * ```ts
 * const { from, to } = await migratePostgresSchema(pool, { table: 'sessions' })
 * ```
 * @throws {ConfigError} for an invalid table or schema name, or a schema newer than this code.
 * @throws {StoreUnavailable} when the database fails (the driver error is the `cause`).
 */
export async function migratePostgresSchema(
  pool: PgLikePool,
  options: PostgresTableOptions = {},
): Promise<{ from: number; to: number }> {
  const issues = checkTableOptions(options)
  if (issues.length > 0) throw new ConfigError(issues)
  try {
    return await ensureSchema(pool, pgNames(options))
  } catch (cause) {
    if (cause instanceof ConfigError || cause instanceof StoreUnavailable) throw cause
    throw new StoreUnavailable('postgres store: cannot create the schema', { cause })
  }
}

const COLUMNS = 'data, version, expires_at, user_id, moved_to, meta, last_seen_at'
const VALUES = '$1, $2, $3, $4, $5, $6, $7, $8'
const UPDATE_ALL = `data = EXCLUDED.data, version = EXCLUDED.version,
  expires_at = EXCLUDED.expires_at, user_id = EXCLUDED.user_id, moved_to = EXCLUDED.moved_to,
  meta = EXCLUDED.meta, last_seen_at = EXCLUDED.last_seen_at`

/** The SQL of every statement, for the tables named by `n`. */
export function statements(n: PgNames) {
  const s = n.sessions
  return {
    get: `SELECT ${COLUMNS} FROM ${s} WHERE key = $1 AND expires_at > $2`,
    // $1 key, $2..$8 the record's columns.
    upsert: `INSERT INTO ${s} (key, ${COLUMNS}) VALUES (${VALUES})
      ON CONFLICT (key) DO UPDATE SET ${UPDATE_ALL}`,
    // As upsert, plus $9 now: replaces only an expired row.
    create: `INSERT INTO ${s} AS t (key, ${COLUMNS}) VALUES (${VALUES})
      ON CONFLICT (key) DO UPDATE SET ${UPDATE_ALL} WHERE t.expires_at <= $9`,
    // As upsert, plus $9 ifVersion, $10 now. Under READ COMMITTED a concurrent writer's update
    // is waited for and the WHERE re-checked on the new row, so only one writer per version wins.
    compareAndSet: `UPDATE ${s} SET data = $2, version = $3, expires_at = $4, user_id = $5,
        moved_to = $6, meta = $7, last_seen_at = $8
      WHERE key = $1 AND version = $9 AND expires_at > $10`,
    touch: `UPDATE ${s} SET expires_at = $2, last_seen_at = $3 WHERE key = $1 AND expires_at > $4`,
    destroy: `DELETE FROM ${s} WHERE key = $1`,
    listByUser: `SELECT key, ${COLUMNS} FROM ${s}
      WHERE user_id = $1 AND expires_at > $2 ORDER BY key`,
    // Removes the user's expired records too, counting only the live ones.
    destroyByUser: `WITH gone AS (DELETE FROM ${s} WHERE user_id = $1 AND key <> ALL($3::text[])
      RETURNING expires_at) SELECT count(*) FILTER (WHERE expires_at > $2) AS n FROM gone`,
    scanFirst: `SELECT key, ${COLUMNS} FROM ${s} WHERE expires_at > $1 ORDER BY key LIMIT $2`,
    scanAfter: `SELECT key, ${COLUMNS} FROM ${s}
      WHERE key > $1 AND expires_at > $2 ORDER BY key LIMIT $3`,
    // The outer expiry check keeps a row re-created meanwhile (ifVersion 0 over an expired one);
    // SKIP LOCKED lets two collectors, and rows being written, pass each other.
    gcBatch: `DELETE FROM ${s} WHERE expires_at <= $1 AND key IN
      (SELECT key FROM ${s} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    gcLocks: `DELETE FROM ${n.locks} WHERE expires_at <= $1`,
    lock: `INSERT INTO ${n.locks} AS l (key, token, expires_at) VALUES ($1, $2, $3)
      ON CONFLICT (key) DO UPDATE SET token = EXCLUDED.token, expires_at = EXCLUDED.expires_at
      WHERE l.expires_at <= $4`,
    refreshLock: `UPDATE ${n.locks} SET expires_at = $3
      WHERE key = $1 AND token = $2 AND expires_at > $4`,
    releaseLock: `DELETE FROM ${n.locks} WHERE key = $1 AND token = $2`,
  }
}

/** Names of the store's statements. */
export type StatementName = keyof ReturnType<typeof statements>
