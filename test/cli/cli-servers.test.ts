// The `sessionkit` CLI against real servers: `migrate` creates and then recognises the
// PostgreSQL schema and `list` reads what the library stored there; on Redis the built binary
// lists, shows, revokes and reports stats of sessions the library stored; on Memcached (no scan,
// no user index, native expiry) every command says clearly what the store cannot do.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import pg from 'pg'
import { createSessions } from '../../src/index.js'
import { createPostgresStore } from '../../src/stores/postgres.js'
import { createRedisStore } from '../../src/stores/redis.js'
import { type MemcachedServer, memcachedSkipReason, startMemcached } from '../harness/memcached.js'
import { type PostgresServer, postgresMissing, startPostgres } from '../harness/postgres.js'
import { type RedisNode, redisUnavailable, startRedis } from '../harness/redis.js'
import { cli, handlesOf, jsonOf, type Summary, seedUsers } from './cli-helpers.js'

const skipPostgres = postgresMissing() ?? false
const skipMemcached = memcachedSkipReason() ?? false
const skipRedis = redisUnavailable() ?? false

describe('sessionkit on Redis', { skip: skipRedis }, () => {
  let server: RedisNode
  before(async () => {
    server = await startRedis()
  })
  after(() => server?.stop())

  it('list, show, stats, revoke and revoke-user act on what the library stored', async () => {
    const client = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true })
    await client.connect()
    const sessions = createSessions({ store: createRedisStore(client) })
    const url = `redis://127.0.0.1:${server.port}`
    try {
      const seeded = await seedUsers(sessions)
      const list = await cli(['list', '--store', url, '--json'])
      assert.equal(list.code, 0, list.stderr)
      assert.deepEqual(handlesOf(jsonOf<Summary[]>(list)), handlesOf(seeded.all))
      const u1 = jsonOf<Summary[]>(await cli(['list', '--store', url, '--user', 'u1', '--json']))
      assert.deepEqual(handlesOf(u1), handlesOf(seeded.u1))

      const target = seeded.u2[0]?.handle as string
      const shown = await cli(['show', target, '--store', url, '--json'])
      assert.equal(shown.code, 0, shown.stderr)
      assert.equal(jsonOf<{ userId: string | null }>(shown).userId, 'u2')

      const stats = await cli(['stats', '--store', url, '--json'])
      assert.equal(jsonOf<{ sessions: number }>(stats).sessions, seeded.all.length)

      assert.equal((await cli(['revoke', target, '--store', url])).code, 0)
      assert.equal((await sessions.load(seeded.u2[0]?.cookie)).id, null, 'revoked session is dead')

      const keep = seeded.u1[0]?.handle as string
      const revoked = await cli(['revoke-user', 'u1', '--except', keep, '--store', url])
      assert.equal(revoked.code, 0, revoked.stderr)
      assert.equal((await sessions.load(seeded.u1[0]?.cookie)).get('cart.0'), 'secret-cart-item')
      assert.equal((await sessions.load(seeded.u1[1]?.cookie)).id, null)
      assert.equal((await sessions.load(seeded.u1[2]?.cookie)).id, null)

      const gc = await cli(['gc', '--store', url])
      assert.equal(gc.code, 0, gc.stderr)
    } finally {
      await sessions.close()
      client.disconnect()
    }
  })
})

describe('sessionkit on PostgreSQL', { skip: skipPostgres }, () => {
  let server: PostgresServer
  before(async () => {
    server = await startPostgres()
  })
  after(() => server?.stop())

  it('migrate creates the schema, then finds it current; list reads the sessions', async () => {
    const database = await server.createDatabase()
    const url = `postgres://postgres@127.0.0.1:${server.port}/${database}`
    const created = await cli(['migrate', '--store', url, '--table', 'app_sessions'])
    assert.equal(created.code, 0, created.stderr)
    assert.equal(created.stdout, 'postgres schema created (version 1)\n')
    const again = await cli(['migrate', '--store', url, '--table', 'app_sessions'])
    assert.equal(again.stdout, 'postgres schema is up to date (version 1)\n')

    const pool = new pg.Pool(server.config(database))
    pool.on('error', () => {})
    // createSchema: false proves the tables migrate made are the ones the store uses.
    const store = createPostgresStore(pool, { table: 'app_sessions', createSchema: false })
    const sessions = createSessions({ store })
    try {
      const seeded = await seedUsers(sessions)
      const list = await cli(['list', '--store', url, '--table', 'app_sessions', '--json'])
      assert.deepEqual(handlesOf(jsonOf<Summary[]>(list)), handlesOf(seeded.all))
      const u1 = jsonOf<Summary[]>(
        await cli(['list', '--store', url, '--table', 'app_sessions', '--user', 'u1', '--json']),
      )
      assert.deepEqual(handlesOf(u1), handlesOf(seeded.u1))
    } finally {
      await sessions.close()
      await pool.end()
    }
  })
})

describe('sessionkit on Memcached', { skip: skipMemcached }, () => {
  let server: MemcachedServer
  before(async () => {
    server = await startMemcached()
  })
  after(() => server?.stop())

  it('says what a store without scan, user index or schema cannot do', async () => {
    const url = `memcached://127.0.0.1:${server.port}`
    const [list, revokeUser, gc, migrate] = await Promise.all([
      cli(['list', '--store', url]),
      cli(['revoke-user', 'u1', '--store', url]),
      cli(['gc', '--store', url]),
      cli(['migrate', '--store', url]),
    ])
    assert.equal(list.code, 1)
    assert.match(list.stderr, /this store cannot list its sessions \(no scan\)/)
    assert.equal(revokeUser.code, 1)
    assert.match(revokeUser.stderr, /this store has no user index/)
    assert.equal(gc.code, 0, gc.stderr)
    assert.equal(gc.stdout, 'this store expires sessions by itself: nothing to collect\n')
    assert.equal(migrate.stdout, 'nothing to migrate: memcached: stores have no schema\n')
  })
})
