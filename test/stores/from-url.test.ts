// createStoreFromUrl against real servers: every scheme opens a working store, bad URLs are
// ConfigErrors that never echo credentials, an unreachable server fails within seconds, and
// close() releases the client the store was built on (the process can exit).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { ConfigError, StoreUnavailable } from '../../src/core/errors.js'
import type { Store } from '../../src/core/store.js'
import { createStoreFromUrl } from '../../src/stores/from-url.js'
import { storeKey } from '../../src/testing/conformance-kit.js'
import { type MemcachedServer, memcachedSkipReason, startMemcached } from '../harness/memcached.js'
import { type PostgresServer, postgresMissing, startPostgres } from '../harness/postgres.js'
import { freePort, tempDir } from '../harness/process.js'
import {
  type RedisCluster,
  type RedisNode,
  redisCli,
  redisUnavailable,
  startRedis,
  startRedisCluster,
} from '../harness/redis.js'

const ROOT = resolve(import.meta.dirname, '../..')
const HOUR = 3_600_000
const skipRedis = redisUnavailable() ?? false
const skipPostgres = postgresMissing() ?? false
const skipMemcached = memcachedSkipReason() ?? false

let redis: RedisNode
let cluster: RedisCluster
let postgres: PostgresServer
let memcached: MemcachedServer
const dir = tempDir('from-url')

before(async () => {
  await Promise.all([
    skipRedis ? undefined : startRedis().then((node) => (redis = node)),
    skipRedis ? undefined : startRedisCluster().then((c) => (cluster = c)),
    skipPostgres ? undefined : startPostgres().then((server) => (postgres = server)),
    skipMemcached ? undefined : startMemcached().then((server) => (memcached = server)),
  ])
})

after(async () => {
  await Promise.allSettled([redis?.stop(), cluster?.stop(), postgres?.stop(), memcached?.stop()])
  dir.cleanup()
})

const urls = {
  redis: () => `redis://127.0.0.1:${redis.port}/0`,
  cluster: () => cluster.rootNodes.map(({ host, port }) => `${host}:${port}`).join(','),
  postgres: async (scheme = 'postgres') =>
    `${scheme}://postgres@127.0.0.1:${postgres.port}/${await postgres.createDatabase()}`,
  memcached: () => `memcached://127.0.0.1:${memcached.port}`,
}

/** Write, compare-and-set, read back and destroy a record, then close the store. */
async function roundTrip(store: Store): Promise<void> {
  try {
    const key = storeKey()
    const record = { data: 'v1.json.{"n":1}', version: 1, expiresAt: Date.now() + HOUR }
    assert.equal(await store.set(key, record, { ifVersion: 0 }), true)
    assert.deepEqual(await store.get(key), record)
    assert.equal(await store.set(key, { ...record, version: 2 }, { ifVersion: 1 }), true)
    assert.equal(await store.set(key, { ...record, version: 3 }, { ifVersion: 1 }), false)
    assert.equal((await store.get(key))?.version, 2)
    await store.destroy(key)
    assert.equal(await store.get(key), null)
  } finally {
    await store.close?.()
  }
}

/** Run `fn` with the working directory set to `cwd`. */
async function inDir<T>(cwd: string, fn: () => Promise<T>): Promise<T> {
  const previous = process.cwd()
  process.chdir(cwd)
  try {
    return await fn()
  } finally {
    process.chdir(previous)
  }
}

describe('createStoreFromUrl: every scheme opens a working store', () => {
  it('memory:', async () => {
    await roundTrip(await createStoreFromUrl('memory:'))
  })

  it('file:<absolute path> and file:<relative path>', async () => {
    await roundTrip(await createStoreFromUrl(`file:${join(dir.path, 'files')}`))
    assert.ok(existsSync(join(dir.path, 'files')), 'absolute dir')
    await inDir(dir.path, async () => roundTrip(await createStoreFromUrl('file:./relative-files')))
    assert.ok(existsSync(join(dir.path, 'relative-files')), 'relative dir')
  })

  it('sqlite:<absolute path>, sqlite:<relative path> as written, sqlite::memory:', async () => {
    await roundTrip(await createStoreFromUrl(`sqlite:${join(dir.path, 'abs.db')}`))
    assert.ok(existsSync(join(dir.path, 'abs.db')), 'absolute file')
    mkdirSync(join(dir.path, 'sub'))
    await inDir(dir.path, async () => {
      await roundTrip(await createStoreFromUrl('sqlite:sub/rel.db', { table: 'my_sessions' }))
      await roundTrip(await createStoreFromUrl('sqlite:./dot-rel.db'))
    })
    assert.ok(existsSync(join(dir.path, 'sub', 'rel.db')), 'relative file')
    assert.ok(existsSync(join(dir.path, 'dot-rel.db')), './ relative file')
    await roundTrip(await createStoreFromUrl('sqlite::memory:'))
    assert.ok(!existsSync(join(ROOT, ':memory:')), 'no file named :memory:')
  })

  it('postgres:// and postgresql://, with the table option', { skip: skipPostgres }, async () => {
    const url = await urls.postgres()
    await roundTrip(await createStoreFromUrl(url, { table: 'app_sessions' }))
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      const { rows } = await client.query(`SELECT to_regclass('app_sessions') AS t`)
      assert.equal(rows[0]?.t, 'app_sessions')
    } finally {
      await client.end()
    }
    await roundTrip(await createStoreFromUrl(await urls.postgres('postgresql')))
  })

  it('redis:// with a prefix and a database number', { skip: skipRedis }, async () => {
    const store = await createStoreFromUrl(`redis://127.0.0.1:${redis.port}/3`, {
      prefix: 'fromurl:',
    })
    const key = storeKey()
    await store.set(key, { data: 'd', version: 1, expiresAt: Date.now() + HOUR })
    assert.match(await redisCli(redis.port, '-n', '3', 'KEYS', 'fromurl:*'), /^fromurl:/)
    await roundTrip(store)
  })

  it('redis+cluster://h1:p1,h2:p2', { skip: skipRedis }, async () => {
    await roundTrip(await createStoreFromUrl(`redis+cluster://${urls.cluster()}`))
  })

  it('memcached://h:p and a list where one member is down', { skip: skipMemcached }, async () => {
    await roundTrip(await createStoreFromUrl(urls.memcached(), { prefix: 'fromurl:' }))
    const down = await freePort()
    const store = await createStoreFromUrl(`${urls.memcached()},127.0.0.1:${down}`)
    await store.close?.()
  })
})

describe('createStoreFromUrl: bad URLs', () => {
  const secrets = ['admin', 'hunter2']
  const bad = [
    'hunter2',
    'mongodb://admin:hunter2@127.0.0.1/db',
    'memory:admin:hunter2',
    'file:',
    'sqlite:',
    'sqlite:///admin-hunter2.db',
    'file://admin:hunter2@host/dir',
    'postgres://admin:hunter2@[::1',
    'postgresql://admin:hunter2@127.0.0.1:99999/db',
    'redis://admin:hunter2@127.0.0.1:99999',
    'redis://admin:hunter2@127.0.0.1:6379/not-a-db',
    'rediss://admin:hunter2@',
    'redis+cluster://admin:hunter2@127.0.0.1:1:2',
    'redis+cluster://admin:hunter2@',
    'redis+cluster://admin:%zz@127.0.0.1:7000',
    'memcached://admin:hunter2@127.0.0.1:11211',
    'memcached://127.0.0.1:11211/admin-hunter2',
    'memcached://',
  ]
  for (const url of bad) {
    it(`rejects ${url.replace(/hunter2/g, '***')} with a ConfigError on url, without credentials`, async () => {
      const error = await createStoreFromUrl(url).then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      )
      assert.ok(error instanceof ConfigError, String(error))
      assert.equal(error.issues[0]?.path, 'url')
      for (const secret of secrets) assert.ok(!error.message.includes(secret), error.message)
      assert.equal((error as Error & { cause?: unknown }).cause, undefined)
    })
  }

  it('an unknown scheme lists the supported ones', async () => {
    await assert.rejects(createStoreFromUrl('mysql://db/sessions'), (e: ConfigError) => {
      assert.match(e.message, /unsupported scheme "mysql:"/)
      for (const form of [
        'memory:',
        'sqlite:',
        'postgres://',
        'redis+cluster://',
        'memcached://',
      ]) {
        assert.ok(e.message.includes(form), form)
      }
      return true
    })
  })

  it('option errors of the store are ConfigErrors too', async () => {
    await assert.rejects(createStoreFromUrl('sqlite::memory:', { table: 'no spaces' }), ConfigError)
    await assert.rejects(createStoreFromUrl('memory:', null as never), ConfigError)
  })
})

describe('createStoreFromUrl: an unreachable server fails fast', () => {
  const cases: Array<[string, (port: number) => string, string | false]> = [
    ['postgres', (p) => `postgres://admin:hunter2@127.0.0.1:${p}/db`, skipPostgres],
    ['redis', (p) => `redis://admin:hunter2@127.0.0.1:${p}`, skipRedis],
    ['redis+cluster', (p) => `redis+cluster://admin:hunter2@127.0.0.1:${p}`, skipRedis],
    ['memcached', (p) => `memcached://127.0.0.1:${p},127.0.0.1:${p + 1}`, skipMemcached],
  ]
  for (const [name, url, skip] of cases) {
    it(`${name}: StoreUnavailable within a few seconds, no credentials`, { skip }, async () => {
      const started = Date.now()
      await assert.rejects(createStoreFromUrl(url(await freePort())), (e: StoreUnavailable) => {
        assert.ok(e instanceof StoreUnavailable, String(e))
        assert.ok(!e.message.includes('hunter2'), e.message)
        return true
      })
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`)
    })
  }
})

describe('createStoreFromUrl: outages and ownership', () => {
  it('postgres: an idle connection dropped by a restart does not crash; queries resume', {
    skip: skipPostgres,
  }, async () => {
    const store = await createStoreFromUrl(await urls.postgres())
    try {
      const key = storeKey()
      await store.set(key, { data: 'd', version: 1, expiresAt: Date.now() + HOUR })
      await postgres.halt()
      await assert.rejects(store.get(key), StoreUnavailable)
      await postgres.resume()
      assert.equal((await store.get(key))?.data, 'd')
    } finally {
      await store.close?.()
    }
  })

  it('redis: commands fail at once while the server is down, and work after it is back', {
    skip: skipRedis,
  }, async () => {
    const node = await startRedis()
    const store = await createStoreFromUrl(`redis://127.0.0.1:${node.port}`)
    try {
      await node.kill()
      const started = Date.now()
      await assert.rejects(store.get(storeKey()))
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`)
      await node.restart()
      let back = false
      for (let i = 0; i < 100 && !back; i++) {
        back = await store.get(storeKey()).then(
          () => true,
          () => new Promise<boolean>((r) => setTimeout(() => r(false), 50)),
        )
      }
      assert.ok(back, 'the store works again once redis is back')
    } finally {
      await store.close?.()
      await node.stop()
    }
  })

  it('close() releases every client it built: the process exits by itself', {
    skip: skipRedis || skipPostgres || skipMemcached,
  }, async () => {
    const targets = [
      urls.redis(),
      `redis+cluster://${urls.cluster()}`,
      await urls.postgres(),
      urls.memcached(),
    ]
    const script = `
      import { createStoreFromUrl } from ${JSON.stringify(join(ROOT, 'src/stores/from-url.ts'))}
      const key = 'k'.repeat(43)
      for (const url of ${JSON.stringify(targets)}) {
        const store = await createStoreFromUrl(url)
        await store.set(key, { data: 'd', version: 1, expiresAt: Date.now() + 60000 })
        if ((await store.get(key))?.data !== 'd') throw new Error('round trip failed: ' + url)
        await store.destroy(key)
        await store.close()
      }
      console.log('closed')`
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { cwd: ROOT, encoding: 'utf8', timeout: 20_000 },
    )
    assert.equal(child.signal, null, `the process did not exit by itself:\n${child.stderr}`)
    assert.equal(child.status, 0, child.stderr)
    assert.equal(child.stdout.trim(), 'closed')
  })
})
