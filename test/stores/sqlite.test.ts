import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { ConfigError, MissingDriver, StoreUnavailable } from '../../src/core/errors.js'
import type { SessionRecord } from '../../src/core/store.js'
import {
  createSqliteStore,
  type SqliteDatabase,
  type SqliteDriverName,
  type SqliteStoreOptions,
} from '../../src/stores/sqlite.js'
import { statements } from '../../src/stores/sqlite-schema.js'
import { storeKey } from '../../src/testing/conformance-kit.js'
import { describeStoreConformance } from '../../src/testing/index.js'
import { manualClock } from './clock.js'

const HOUR = 3_600_000
const clock = manualClock()
const dir = mkdtempSync(join(tmpdir(), 'sessionkit-sqlite-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const freshFile = () => join(dir, `s${++files}.db`)

/** Why `driver` cannot open a database on this runtime, or undefined when it can. */
function unavailable(driver: SqliteDriverName): string | undefined {
  try {
    createSqliteStore({ path: ':memory:', driver }).close?.()
    return undefined
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => i.message).join('; ')
    if (error instanceof MissingDriver) return error.message
    throw error
  }
}

// better-sqlite3 is built for Node 20 here, so it loads there but not on Node 24; node:sqlite
// exists from Node 22.13. Each driver runs the suite where it loads, and says why where not.
const DRIVERS = (['better-sqlite3', 'node:sqlite'] as const).map((driver) => ({
  driver,
  missing: unavailable(driver),
}))
const usable = DRIVERS.find((d) => d.missing === undefined)?.driver as SqliteDriverName

for (const { driver, missing } of DRIVERS) {
  if (missing !== undefined) {
    it(`sqlite store conformance (${driver})`, { skip: `driver unavailable: ${missing}` }, () => {})
    continue
  }
  describeStoreConformance(() => createSqliteStore({ path: ':memory:', driver, now: clock.now }), {
    name: `sqlite store conformance (${driver})`,
    clock,
  })
}

/** Open a raw connection with the usable driver, as an application would. */
function openRaw(path: string): SqliteDatabase {
  if (usable === 'better-sqlite3') return new Database(path)
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite') as {
    DatabaseSync: new (path: string) => SqliteDatabase
  }
  return new DatabaseSync(path)
}

describeStoreConformance(
  () => createSqliteStore({ database: openRaw(':memory:'), table: 'app_sessions', now: clock.now }),
  { name: 'sqlite store conformance (application-owned database, custom table)', clock },
)

function rec(fields: Partial<SessionRecord> = {}): SessionRecord {
  const at = clock.now()
  return {
    data: 'd',
    version: 1,
    expiresAt: at + HOUR,
    meta: { createdAt: at, lastSeenAt: at },
    ...fields,
  }
}

describe('sqlite store', () => {
  it('opens a file database in WAL mode and keeps sessions across reopening', async () => {
    const path = freshFile()
    const key = storeKey()
    const record = rec({ userId: 'alice', data: 'v1.json.{"nul":"\u0000","emoji":"🎉"}' })
    const first = createSqliteStore({ path, now: clock.now })
    await first.set(key, record)
    await first.close?.()
    const raw = openRaw(path)
    assert.equal(
      (raw.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode,
      'wal',
    )
    raw.close()
    const second = createSqliteStore({ path, now: clock.now })
    assert.deepEqual(await second.get(key), record, 'data with NUL survives (BI-24)')
    assert.deepEqual(
      (await second.listByUser?.('alice'))?.map(([k]) => k),
      [key],
    )
    await second.close?.()
  })

  it('creates the schema once; concurrent and later openings reuse it', async () => {
    const path = freshFile()
    const a = createSqliteStore({ path, now: clock.now })
    const b = createSqliteStore({ path, now: clock.now })
    const key = storeKey()
    await a.set(key, rec({ version: 1 }))
    // Two connections on one file: compare-and-set still lets exactly one writer through.
    const results = await Promise.all(
      [a, b, a, b].map((s, i) => s.set(key, rec({ version: 2, data: `w${i}` }), { ifVersion: 1 })),
    )
    assert.equal(results.filter(Boolean).length, 1)
    await a.close?.()
    await b.close?.()
    const c = createSqliteStore({ path, createSchema: false, now: clock.now })
    assert.equal((await c.get(key))?.version, 2)
    await c.close?.()
    const raw = openRaw(path)
    const schema = raw.prepare('SELECT version FROM sessionkit_sessions_schema').all()
    assert.deepEqual(
      schema.map((row) => ({ ...(row as object) })),
      [{ version: 1 }],
    )
    raw.close()
  })

  it('refuses a table whose schema is newer than this version', () => {
    const path = freshFile()
    createSqliteStore({ path }).close?.()
    const raw = openRaw(path)
    raw.exec('UPDATE sessionkit_sessions_schema SET version = 99')
    raw.close()
    assert.throws(() => createSqliteStore({ path }), ConfigError)
  })

  it('with createSchema: false on an empty database, calls reject with StoreUnavailable', async () => {
    const store = createSqliteStore({ path: ':memory:', createSchema: false })
    await assert.rejects(store.get(storeKey()), StoreUnavailable)
    await store.close?.()
  })

  it('rejects an injected table name with a ConfigError (BI-23)', () => {
    for (const table of ['x; DROP TABLE y', 'sessions"--', '1abc', '', 'a'.repeat(64), 'naïve']) {
      assert.throws(
        () => createSqliteStore({ path: ':memory:', table }),
        (error: unknown) => error instanceof ConfigError && error.issues[0]?.path === 'table',
        table,
      )
    }
  })

  it('lists every bad option in one ConfigError', () => {
    const bad = { path: '', table: 'a b', createSchema: 'yes', now: 1, driver: 'pg' }
    assert.throws(
      () => createSqliteStore(bad as unknown as SqliteStoreOptions),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.map((i) => i.path).join() === 'path,table,createSchema,now,driver',
    )
  })

  it("treats SQL-looking keys as plain keys: ' OR '1'='1 is just a missing key (BI-23)", async () => {
    const store = createSqliteStore({ path: ':memory:', now: clock.now })
    await store.set(storeKey(), rec())
    assert.equal(await store.get("' OR '1'='1"), null)
    const hostile = "x'; DROP TABLE sessionkit_sessions;--"
    await store.set(hostile, rec({ data: 'kept' }))
    assert.equal((await store.get(hostile))?.data, 'kept')
    assert.equal(await store.destroyByUser?.("' OR '1'='1"), 0)
    await store.close?.()
  })

  it('closes a database it opened, but not one the application passed in', async () => {
    const raw = openRaw(':memory:')
    const store = createSqliteStore({ database: raw, now: clock.now })
    await store.set(storeKey(), rec())
    await store.close?.()
    await assert.rejects(store.get(storeKey()), StoreUnavailable)
    const row = raw.prepare('SELECT count(*) AS n FROM sessionkit_sessions').get() as { n: number }
    assert.equal(Number(row.n), 1, 'the application can still use its database')
    raw.close()
  })

  it('compare-and-set keeps a bound session indexed, and moves it on login, logout and user change', async () => {
    const store = createSqliteStore({ path: ':memory:', now: clock.now })
    const key = storeKey()
    const users = async (userId: string) =>
      (await store.listByUser?.(userId))?.map(([k]) => k) ?? []
    assert.ok(await store.set(key, rec({ userId: 'alice' }), { ifVersion: 0 }), 'created')
    assert.ok(
      await store.set(key, rec({ version: 2, userId: 'alice', data: 'a2' }), { ifVersion: 1 }),
    )
    assert.deepEqual(await users('alice'), [key], 'same user: still indexed')
    assert.equal((await store.get(key))?.data, 'a2', 'same user: data written')
    assert.equal(
      await store.set(key, rec({ version: 3, userId: 'alice' }), { ifVersion: 1 }),
      false,
      'a stale version fails whatever the user',
    )
    assert.ok(await store.set(key, rec({ version: 3, userId: 'bob' }), { ifVersion: 2 }))
    assert.deepEqual(await users('alice'), [], 'user change: gone from the old user')
    assert.deepEqual(await users('bob'), [key], 'user change: under the new user')
    assert.ok(await store.set(key, rec({ version: 4 }), { ifVersion: 3 }), 'logout')
    assert.deepEqual(await users('bob'), [], 'logout: unindexed')
    assert.equal((await store.get(key))?.userId, undefined, 'logout: unbound')
    assert.ok(await store.set(key, rec({ version: 5, userId: 'carol' }), { ifVersion: 4 }))
    assert.deepEqual(await users('carol'), [key], 'login: indexed')
    await store.close?.()
  })

  it('a same-user compare-and-set never writes the user index (one page less per commit)', async () => {
    const raw = openRaw(':memory:')
    await createSqliteStore({ database: raw, now: clock.now }).get(storeKey())
    const { rootpage } = raw
      .prepare("SELECT rootpage FROM sqlite_master WHERE name = 'sessionkit_sessions_user_id'")
      .get() as { rootpage: number }
    const opensIndex = (sql: string) => {
      const nulls = Array.from(sql.matchAll(/\?/g), () => null)
      const program = raw.prepare(`EXPLAIN ${sql}`).all(...nulls) as Array<{
        opcode: string
        p2: number
      }>
      return program.some((op) => op.opcode === 'OpenWrite' && Number(op.p2) === Number(rootpage))
    }
    const sql = statements('sessionkit_sessions')
    assert.ok(opensIndex(sql.compareAndSet), 'the general statement does (the check can see it)')
    assert.equal(opensIndex(sql.compareAndSetSameUser), false, 'the same-user one does not')
    raw.close()
  })

  it('gc deletes in batches through the expiry index and counts every row', async () => {
    const store = createSqliteStore({ path: ':memory:', now: clock.now })
    for (let i = 0; i < 2500; i++) await store.set(`old-${i}`, rec({ expiresAt: clock.now() + 1 }))
    for (let i = 0; i < 3; i++) await store.set(`live-${i}`, rec())
    clock.advance(1)
    assert.equal(await store.gc?.(), 2500)
    assert.equal(await store.gc?.(), 0)
    assert.equal((await store.get('live-2'))?.data, 'd')
    await store.close?.()
  })

  it('gc finds expired rows through the expires_at index: its cost follows the expired rows, never a scan of the live ones', async () => {
    const raw = openRaw(':memory:')
    await createSqliteStore({ database: raw, now: clock.now }).get(storeKey())
    const plan = raw
      .prepare(`EXPLAIN QUERY PLAN ${statements('sessionkit_sessions').gcBatch}`)
      .all(clock.now(), 1000) as Array<{ detail: string }>
    const details = plan.map((row) => row.detail)
    assert.ok(
      details.some((detail) =>
        /USING (COVERING )?INDEX sessionkit_sessions_expires_at/.test(detail),
      ),
      `the expiry index is used: ${details.join(' | ')}`,
    )
    assert.ok(
      !details.some((detail) => /^SCAN sessionkit_sessions\b(?! USING)/.test(detail)),
      `no full scan of the table: ${details.join(' | ')}`,
    )
    raw.close()
  })

  it('forcing a driver this runtime cannot load throws a typed error', (t) => {
    const missing = DRIVERS.find((d) => d.missing !== undefined)
    if (missing === undefined) return t.skip('both drivers load on this runtime')
    const expected = missing.driver === 'better-sqlite3' ? MissingDriver : ConfigError
    assert.throws(() => createSqliteStore({ path: freshFile(), driver: missing.driver }), expected)
  })

  it('accepts a better-sqlite3 Database for `database` (type-level) where it loads', async (t) => {
    if (usable !== 'better-sqlite3') return t.skip('better-sqlite3 does not load on this runtime')
    const db = new Database(':memory:')
    const store = createSqliteStore({ database: db })
    assert.equal(await store.get(storeKey()), null)
    db.close()
  })
})
