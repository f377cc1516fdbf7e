// Issue 3/4, "No lost updates", on the file, PostgreSQL, Redis and Memcached stores: 200 parallel
// increments on one cookie, in 'merge' and in 'lock' mode, through a real Express 5 server (the
// other scenarios run on memory and SQLite in express-concurrency.test.ts). Each server is
// started once for this file by test/harness on a free loopback port; under CI=true a server
// that cannot start fails the run. `mergeTimeout: '30s'`, `storeTimeout: '10s'` and a 60 s lock wait keep a loaded
// CI machine from turning slow retries into 409s or 503s.
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import pg from 'pg'
import { createFileStore } from '../../src/stores/file.js'
import { createMemcachedClient, createMemcachedStore } from '../../src/stores/memcached.js'
import { createPostgresStore } from '../../src/stores/postgres.js'
import { createRedisStore } from '../../src/stores/redis.js'
import { type MemcachedServer, memcachedSkipReason, startMemcached } from '../harness/memcached.js'
import { type PostgresServer, postgresMissing, startPostgres } from '../harness/postgres.js'
import { tempDir, waitUntil } from '../harness/process.js'
import { type RedisNode, redisUnavailable, startRedis } from '../harness/redis.js'
import { type LostUpdateOptions, lostUpdateTests } from './lost-updates.js'
import type { StoreKit } from './support.js'

const options: LostUpdateOptions = {
  mergeTimeout: '30s',
  storeTimeout: '10s',
  lock: { timeout: '60s' },
  short: true,
}
let made = 0
const unique = () => `c${process.pid}_${++made}`

/** A describe block for one server store, skipped with `reason` when its server is missing. */
function serverSuite(name: string, reason: string | undefined, kit: StoreKit, setup: () => void) {
  if (reason !== undefined) {
    it(`${name} store`, { skip: reason }, () => {})
    return
  }
  describe(`${name} store: parallel requests on one session`, () => {
    setup()
    lostUpdateTests(kit, options)
  })
}

{
  const dir = tempDir('concurrency-file')
  after(() => dir.cleanup())
  serverSuite(
    'file',
    undefined,
    { name: 'file', make: (now) => createFileStore({ dir: `${dir.path}/${unique()}`, now }) },
    () => {},
  )
}

{
  let server: PostgresServer
  let pool: pg.Pool
  serverSuite(
    'PostgreSQL',
    postgresMissing(),
    { name: 'PostgreSQL', make: (now) => createPostgresStore(pool, { table: unique(), now }) },
    () => {
      before(async () => {
        server = await startPostgres()
        pool = new pg.Pool({ ...server.config(await server.createDatabase()), max: 10 })
        pool.on('error', () => {})
      })
      after(async () => {
        await pool?.end().catch(() => {})
        await server?.stop()
      })
    },
  )
}

{
  let server: RedisNode
  let client: Redis
  serverSuite(
    'Redis',
    redisUnavailable(),
    // Redis judges expiry by its own clock: no `now` to pass.
    { name: 'Redis', make: () => createRedisStore(client, { prefix: `${unique()}:` }) },
    () => {
      before(async () => {
        server = await startRedis()
        client = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 })
        await waitUntil(async () => client.status === 'ready', 10_000, 'ioredis')
      })
      after(async () => {
        await client?.quit().catch(() => {})
        await server?.stop()
      })
    },
  )
}

{
  let server: MemcachedServer
  let client: ReturnType<typeof createMemcachedClient>
  serverSuite(
    'Memcached',
    memcachedSkipReason(),
    {
      name: 'Memcached',
      make: (now) => createMemcachedStore(client, { prefix: `${unique()}:`, now }),
    },
    () => {
      before(async () => {
        server = await startMemcached()
        client = createMemcachedClient(server.location)
      })
      after(async () => {
        client?.end()
        await server?.stop()
      })
    },
  )
}
