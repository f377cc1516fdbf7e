import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { ConfigError, InvalidSessionValue, StoreUnavailable } from '../../src/core/errors.js'
import type { SessionRecord } from '../../src/core/store.js'
import { createSessions } from '../../src/index.js'
import {
  createPostgresStore,
  migratePostgresSchema,
  type PgLikePool,
  type PostgresStoreOptions,
} from '../../src/stores/postgres.js'
import { storeKey } from '../../src/testing/conformance-kit.js'
import { describeStoreConformance } from '../../src/testing/index.js'
import { type PostgresServer, postgresMissing, startPostgres } from '../harness/postgres.js'
import { Browser } from '../unit/helpers.js'
import { manualClock } from './clock.js'

const HOUR = 3_600_000
const missing = postgresMissing()
const clock = manualClock()
let server: PostgresServer
let database: string
const pools: pg.Pool[] = []

/** A pool on the test database; idle clients failing during an outage are expected here. */
function newPool(config: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ ...server.config(database), ...config })
  pool.on('error', () => {})
  pools.push(pool)
  return pool
}

let shared: pg.Pool
before(async () => {
  if (missing !== undefined) return
  server = await startPostgres()
  database = await server.createDatabase()
  shared = newPool({ max: 10 })
})
after(async () => {
  await Promise.all(pools.map((pool) => pool.end().catch(() => {})))
  await server?.stop()
})

let tables = 0
/** A store on a table of its own, created by the store itself: every store starts empty. */
function freshStore(options: PostgresStoreOptions = {}, pool: PgLikePool = shared) {
  return createPostgresStore(pool, { table: `t_${++tables}`, now: clock.now, ...options })
}

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

if (missing !== undefined) {
  it('postgres store', { skip: missing }, () => {})
} else {
  describeStoreConformance(() => freshStore(), { name: 'postgres store conformance', clock })

  describe('postgres store', () => {
    it('BI-24: data with NUL round-trips (stored as UTF-8 bytea); NUL in a key or user is refused', async () => {
      const store = freshStore({ table: 'nul_data' })
      const key = storeKey()
      const record = rec({
        data: 'v1.json.{"a":"x\u0000y","b":"\u0000"}\u0000',
        userId: 'u-ü',
        meta: { createdAt: 1, lastSeenAt: 2, userAgent: 'agent\u0000with NUL' },
      })
      assert.equal(await store.set(key, record), true)
      assert.deepEqual(await store.get(key), record)
      const raw = await shared.query('SELECT data FROM nul_data WHERE key = $1', [key])
      assert.ok(Buffer.isBuffer(raw.rows[0].data))
      await assert.rejects(store.set(storeKey(), rec({ userId: 'a\u0000b' })), InvalidSessionValue)
      await assert.rejects(store.set('k\u0000', rec()), InvalidSessionValue)
      await assert.rejects(store.set(storeKey(), rec({ data: 'lone \ud800' })), InvalidSessionValue)
      assert.equal(await store.get(`${key}\u0000`), null)
      assert.deepEqual(await store.listByUser?.('u-\u0000'), [])
      assert.equal(await store.destroyByUser?.('u-ü', [`x\u0000`]), 1)
      await store.close?.()
    })

    it("BI-23: ' OR '1'='1 as a key is just a missing key; hostile keys are plain keys", async () => {
      const store = freshStore()
      await store.set(storeKey(), rec({ userId: 'alice' }))
      assert.equal(await store.get("' OR '1'='1"), null)
      const hostile = "x'; DROP TABLE sessionkit_sessions;--"
      await store.set(hostile, rec({ data: 'kept' }))
      assert.equal((await store.get(hostile))?.data, 'kept')
      assert.equal(await store.destroyByUser?.("' OR '1'='1"), 0)
      assert.equal((await store.listByUser?.('alice'))?.length, 1)
      await store.close?.()
    })

    it('BI-23: an injected table or schema name is a ConfigError listing every bad option', async () => {
      for (const table of ['x; DROP TABLE y', 'sessions"--', '1abc', '', 'a'.repeat(53), 'naïve']) {
        assert.throws(
          () => createPostgresStore(shared, { table }),
          (error: unknown) => error instanceof ConfigError && error.issues[0]?.path === 'table',
          table,
        )
      }
      const bad = { table: 'a b', schema: 'public"; --', createSchema: 'yes', now: 1, closePool: 1 }
      assert.throws(
        () => createPostgresStore({} as PgLikePool, bad as unknown as PostgresStoreOptions),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.issues.map((i) => i.path).join() === 'pool,table,schema,createSchema,now,closePool',
      )
      await assert.rejects(migratePostgresSchema(shared, { schema: 'x y' }), ConfigError)
    })

    it('two processes creating the schema at once both succeed (advisory lock), in a new schema', async () => {
      const options = { schema: 'app_sessions', table: 'sessions', now: clock.now }
      const stores = [1, 2, 3, 4].map(() => createPostgresStore(newPool({ max: 2 }), options))
      const key = storeKey()
      await Promise.all(stores.map((s) => s.get(key)))
      assert.equal(await stores[0]?.set(key, rec({ data: 'shared' })), true)
      for (const store of stores) assert.equal((await store.get(key))?.data, 'shared')
      const versions = await shared.query('SELECT id, version FROM app_sessions.sessions_schema')
      assert.deepEqual(versions.rows, [{ id: 1, version: 1 }])
      const indexes = await shared.query(
        `SELECT indexname FROM pg_indexes WHERE schemaname = 'app_sessions' ORDER BY 1`,
      )
      assert.deepEqual(
        indexes.rows.map((r) => r.indexname),
        [
          'sessions_expires_at',
          'sessions_locks_pkey',
          'sessions_pkey',
          'sessions_schema_pkey',
          'sessions_user_id',
        ],
      )
      assert.deepEqual(await migratePostgresSchema(shared, options), { from: 1, to: 1 })
      for (const store of stores) await store.close?.()
    })

    it('migratePostgresSchema creates the tables a createSchema: false store then uses', async () => {
      const table = `t_${++tables}`
      const early = createPostgresStore(shared, { table, createSchema: false })
      await assert.rejects(early.get(storeKey()), StoreUnavailable)
      assert.deepEqual(await migratePostgresSchema(shared, { table }), { from: 0, to: 1 })
      const key = storeKey()
      await early.set(key, rec())
      assert.equal((await early.get(key))?.data, 'd')
    })

    it('refuses a table whose schema is newer than this version, from the first call', async () => {
      const table = `t_${++tables}`
      await migratePostgresSchema(shared, { table })
      await shared.query(`UPDATE ${table}_schema SET version = 99`)
      const store = createPostgresStore(shared, { table })
      await assert.rejects(store.get(storeKey()), ConfigError)
      await assert.rejects(migratePostgresSchema(shared, { table }), ConfigError)
    })

    it('gc deletes 2,500 expired rows in batches of 1,000 and expired locks, keeping live rows', async () => {
      const statements: string[] = []
      const counting: PgLikePool = {
        query: (text, values) => {
          statements.push(text)
          return shared.query(text, values)
        },
      }
      const store = freshStore({}, counting)
      for (let i = 0; i < 2500; i += 250) {
        await Promise.all(
          Array.from({ length: 250 }, (_, j) =>
            store.set(`old-${i + j}`, rec({ expiresAt: clock.now() + 1 })),
          ),
        )
      }
      for (let i = 0; i < 3; i++) await store.set(`live-${i}`, rec())
      const lock = await store.lock?.('old-1', { ttl: 1 })
      assert.ok(lock)
      clock.advance(1)
      statements.length = 0
      assert.equal(await store.gc?.(), 2500)
      assert.equal(statements.filter((s) => s.includes('SKIP LOCKED')).length, 3)
      assert.equal(await store.gc?.(), 0)
      assert.equal((await store.get('live-2'))?.data, 'd')
      const locks = await shared.query(`SELECT count(*)::int AS n FROM t_${tables}_locks`)
      assert.equal(locks.rows[0].n, 0)
    })

    it('close() leaves the pool to the application unless closePool is set', async () => {
      const store = freshStore()
      await store.set('k', rec())
      await store.close?.()
      await assert.rejects(store.get('k'), StoreUnavailable)
      assert.equal((await shared.query('SELECT 1 AS one')).rows[0].one, 1)
      const own = newPool({ max: 1 })
      const owning = freshStore({ closePool: true }, own)
      await owning.get('k')
      await owning.close?.()
      await assert.rejects(own.query('SELECT 1'))
    })

    it('works over a single connected pg.Client, schema creation included', async () => {
      const client = new pg.Client(server.config(database))
      await client.connect()
      try {
        const store = freshStore({}, client)
        const key = storeKey()
        assert.equal(await store.set(key, rec({ version: 1 }), { ifVersion: 0 }), true)
        assert.equal(await store.set(key, rec({ version: 2 }), { ifVersion: 1 }), true)
        assert.equal((await store.get(key))?.version, 2)
        await store.close?.()
      } finally {
        await client.end()
      }
    })

    it('a createSessions over this store: 200 parallel increments on one session end at 200', async () => {
      // 200 writers on one record take seconds of CAS retries on a small shared CI machine; a
      // larger merge budget keeps the test about lost updates, not about timing.
      const sessions = createSessions({ store: freshStore({ now: Date.now }), mergeTimeout: '30s' })
      const b = new Browser(sessions)
      await b.request((s) => s.set('views', 0))
      const requests = await Promise.all(Array.from({ length: 200 }, () => b.open()))
      for (const rs of requests) rs.session.increment('views')
      for (const rs of requests) rs.finalize()
      await Promise.all(requests.map((rs) => rs.commit()))
      assert.equal((await b.request((s) => s.get('views'))).result, 200)
      await sessions.close()
    })

    // Last: it stops and restarts the server.
    it('a store killed mid-request: STORE_UNAVAILABLE (503) and storeError, then data intact after restart', async () => {
      const errors: unknown[] = []
      const pool = newPool({ connectionTimeoutMillis: 300, max: 4 })
      const sessions = createSessions({
        store: freshStore({ now: Date.now }, pool),
        storeTimeout: '500ms',
        hooks: { storeError: (_ctx, error) => void errors.push(error) },
      })
      const b = new Browser(sessions)
      await b.request((s) => s.set('cart', ['book', 'pen']))
      await server.halt()
      await assert.rejects(b.open(), (error: unknown) => {
        assert.equal((error as StoreUnavailable).code, 'STORE_UNAVAILABLE')
        assert.equal((error as StoreUnavailable).status, 503)
        return true
      })
      assert.equal(errors.length, 1)
      assert.ok(errors[0] instanceof StoreUnavailable)
      await server.resume()
      const { result } = await b.request((s) => s.get('cart'))
      assert.deepEqual(result, ['book', 'pen'])
      await sessions.close()
    })
  })
}
