// Issue 7 item 1 on the file, PostgreSQL and Redis stores: the user-level operation checks of
// user-sessions-checks.ts, where "two processes" are two store instances with their own client
// (pg pool, Redis connection) over one table, prefix or directory. Servers are started once for
// this file by test/harness on free loopback ports; under CI=true a server that cannot start
// fails the run.
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import pg from 'pg'
import { createFileStore } from '../../src/stores/file.js'
import { createPostgresStore } from '../../src/stores/postgres.js'
import { createRedisStore } from '../../src/stores/redis.js'
import { type PostgresServer, postgresMissing, startPostgres } from '../harness/postgres.js'
import { tempDir, waitUntil } from '../harness/process.js'
import { type RedisNode, redisUnavailable, startRedis } from '../harness/redis.js'
import { userSessionChecks } from './user-sessions-checks.js'

let made = 0
const unique = () => `us${process.pid}_${++made}`

/** A describe block for one server store, skipped with `reason` when its server is missing. */
function serverSuite(name: string, reason: string | undefined, body: () => void): void {
  if (reason !== undefined) {
    it(`user-level operations on the ${name} store`, { skip: reason }, () => {})
    return
  }
  describe(`user-level operations on the ${name} store`, body)
}

serverSuite('file', undefined, () => {
  const dir = tempDir('user-sessions-file')
  after(() => dir.cleanup())
  userSessionChecks({
    name: 'file',
    fresh: (now) => {
      const path = `${dir.path}/${unique()}`
      return {
        store: createFileStore({ dir: path, now }),
        peer: createFileStore({ dir: path, now }),
      }
    },
  })
})

serverSuite('PostgreSQL', postgresMissing(), () => {
  let server: PostgresServer
  const pools: pg.Pool[] = []
  before(async () => {
    server = await startPostgres()
    const config = server.config(await server.createDatabase())
    for (let i = 0; i < 2; i++) {
      const pool = new pg.Pool({ ...config, max: 4 })
      pool.on('error', () => {})
      pools.push(pool)
    }
  })
  after(async () => {
    await Promise.all(pools.map((pool) => pool.end().catch(() => {})))
    await server?.stop()
  })
  userSessionChecks({
    name: 'PostgreSQL',
    fresh: (now) => {
      const table = unique()
      const [a, b] = pools as [pg.Pool, pg.Pool]
      return {
        store: createPostgresStore(a, { table, now }),
        peer: createPostgresStore(b, { table, now }),
      }
    },
  })
})

serverSuite('Redis', redisUnavailable(), () => {
  let server: RedisNode
  const clients: Redis[] = []
  before(async () => {
    server = await startRedis()
    for (let i = 0; i < 2; i++) {
      const client = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 })
      clients.push(client)
      await waitUntil(async () => client.status === 'ready', 10_000, 'ioredis')
    }
  })
  after(async () => {
    await Promise.all(clients.map((client) => client.quit().catch(() => {})))
    await server?.stop()
  })
  userSessionChecks({
    name: 'Redis',
    // Redis judges expiry by its own clock: no `now` to pass.
    fresh: () => {
      const prefix = `${unique()}:`
      const [a, b] = clients as [Redis, Redis]
      return { store: createRedisStore(a, { prefix }), peer: createRedisStore(b, { prefix }) }
    },
  })
})
