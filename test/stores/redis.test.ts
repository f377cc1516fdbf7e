// The Redis store against real servers: one redis-server and a 3-master Redis Cluster, each
// driven by ioredis and by node-redis. Redis judges expiry by its own clock, so the suite runs
// without `clock` and the expiry cases below poll instead of moving time.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { Cluster, Redis } from 'ioredis'
import { createClient, createCluster } from 'redis'
import { ConfigError } from '../../src/core/errors.js'
import type { SessionRecord, Store, StoreLock } from '../../src/core/store.js'
import {
  createRedisStore,
  type NodeRedisLikeClient,
  type RedisLikeClient,
} from '../../src/stores/redis.js'
import * as lua from '../../src/stores/redis-scripts.js'
import { collect, storeKey } from '../../src/testing/conformance-kit.js'
import { describeStoreConformance } from '../../src/testing/index.js'
import { waitUntil } from '../harness/process.js'
import {
  type RedisCluster,
  type RedisNode,
  redisCli,
  redisUnavailable,
  startRedis,
  startRedisCluster,
} from '../harness/redis.js'

const HOUR = 3_600_000
const skip = redisUnavailable() ?? false

let single: RedisNode
let cluster: RedisCluster
const clients = new Map<string, RedisLikeClient>()
const disconnect: Array<() => Promise<unknown>> = []

before(async () => {
  if (skip) return
  ;[single, cluster] = await Promise.all([startRedis(), startRedisCluster()])
  const io = new Redis({ host: '127.0.0.1', port: single.port, maxRetriesPerRequest: 1 })
  const ioCluster = new Cluster(cluster.rootNodes, { redisOptions: { maxRetriesPerRequest: 1 } })
  const node = createClient({ socket: { host: '127.0.0.1', port: single.port } })
  const nodeCluster = createCluster({
    rootNodes: cluster.rootNodes.map((socket) => ({ socket })),
  })
  disconnect.push(
    () => io.quit(),
    () => ioCluster.quit(),
    () => node.close(),
    () => nodeCluster.close(),
  )
  await Promise.all([node.connect(), nodeCluster.connect()])
  await waitUntil(
    async () => io.status === 'ready' && ioCluster.status === 'ready',
    10_000,
    'ioredis',
  )
  clients.set('ioredis', io)
  clients.set('ioredis cluster', ioCluster)
  clients.set('node-redis', node)
  clients.set('node-redis cluster', nodeCluster)
})

after(async () => {
  await Promise.allSettled(disconnect.map((quit) => quit()))
  await Promise.all([single?.stop(), cluster?.stop()])
})

let prefixes = 0
const freshPrefix = () => `t${++prefixes}:`
const client = (name: string) => clients.get(name) as RedisLikeClient
const storeFor = (name: string, prefix = freshPrefix()) =>
  createRedisStore(client(name), { prefix })

/** Send a raw command through the named client (routed by `key` on a cluster). */
async function raw(name: string, key: string, ...args: string[]): Promise<unknown> {
  const c = client(name) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
  if (name.startsWith('ioredis')) return c.call?.(...args)
  if (name === 'node-redis cluster') return c.sendCommand?.(key, false, args)
  return c.sendCommand?.(args)
}

const scanAll = (store: Store) => collect((store.scan as NonNullable<Store['scan']>).call(store))

function record(fields: Partial<SessionRecord> = {}): SessionRecord {
  const at = Date.now()
  return {
    data: 'd',
    version: 1,
    expiresAt: at + HOUR,
    meta: { createdAt: at, lastSeenAt: at },
    ...fields,
  }
}

const CLIENTS = ['ioredis', 'node-redis', 'ioredis cluster', 'node-redis cluster'] as const

for (const name of CLIENTS) {
  if (skip) {
    it(`redis store conformance (${name})`, { skip }, () => {})
    continue
  }
  describeStoreConformance(() => storeFor(name), { name: `redis store conformance (${name})` })

  describe(`redis store (${name})`, () => {
    it('native expiry: PTTL > 0 after set and after touch; a shorter touch lowers it (BI-29)', async () => {
      const prefix = freshPrefix()
      const store = storeFor(name, prefix)
      const k = storeKey()
      const redisKey = `${prefix}{${k}}`
      await store.set(k, record({ expiresAt: Date.now() + HOUR }))
      const afterSet = Number(await raw(name, redisKey, 'PTTL', redisKey))
      assert.ok(afterSet > HOUR - 60_000 && afterSet <= HOUR, `PTTL after set: ${afterSet}`)
      await store.touch(k, Date.now() + 60_000, Date.now())
      const afterTouch = Number(await raw(name, redisKey, 'PTTL', redisKey))
      assert.ok(afterTouch > 0 && afterTouch <= 60_000, `PTTL after touch: ${afterTouch}`)
      await store.touch(k, Date.now() + 2 * HOUR, Date.now())
      const longer = Number(await raw(name, redisKey, 'PTTL', redisKey))
      assert.ok(longer > HOUR, `PTTL after a longer touch: ${longer}`)
    })

    it('a record written already expired is never returned, listed, counted or scanned', async () => {
      const store = storeFor(name)
      const k = storeKey()
      await store.set(k, record({ userId: 'u', expiresAt: Date.now() }))
      assert.equal(await store.get(k), null)
      assert.deepEqual(await store.listByUser?.('u'), [])
      assert.equal(await store.destroyByUser?.('u'), 0)
      assert.deepEqual(await scanAll(store), [])
    })

    it('a record expires by Redis time: gone once its PTTL has elapsed (polled, no sleep)', async () => {
      const store = storeFor(name)
      const k = storeKey()
      await store.set(k, record({ userId: 'u', expiresAt: Date.now() + 60 }))
      assert.notEqual(await store.get(k), null)
      await waitUntil(async () => (await store.get(k)) === null, 5000, 'expiry')
      assert.deepEqual(await store.listByUser?.('u'), [])
    })

    it('a lock with ttl 300 ms is taken over once it expired; the stale holder cannot refresh', async () => {
      const store = storeFor(name)
      const k = storeKey()
      // 300 ms, not less: the second attempt must land inside the ttl even on a loaded machine.
      const first = await store.lock?.(k, { ttl: 300 })
      assert.ok(first, 'the first lock is granted')
      assert.equal(await store.lock?.(k, { ttl: 300 }), null, 'a live lock is not granted twice')
      const taken: { lock: StoreLock | undefined } = { lock: undefined }
      await waitUntil(
        async () => {
          taken.lock = (await store.lock?.(k, { ttl: 30_000 })) ?? undefined
          return taken.lock !== undefined
        },
        5000,
        'lock takeover',
      )
      assert.equal(await first.refresh(30_000), false)
      await first.release()
      assert.equal(
        await store.lock?.(k, { ttl: 30_000 }),
        null,
        'the stale release kept the new lock',
      )
      await taken.lock?.release()
    })

    it('user ids with glob characters list only their own sessions (BI-30)', async () => {
      const prefix = freshPrefix()
      const store = storeFor(name, prefix)
      const users = ['*', 'a*', 'a?', '[a]', 'a\\', 'a', 'ab', `${prefix}*`]
      const keyOf = new Map<string, string>()
      for (const user of users) {
        const k = storeKey()
        keyOf.set(user, k)
        await store.set(k, record({ userId: user }))
      }
      for (const user of users) {
        const listed = (await store.listByUser?.(user)) ?? []
        assert.deepEqual(
          listed.map(([k]) => k),
          [keyOf.get(user)],
          `listByUser(${JSON.stringify(user)})`,
        )
      }
      assert.equal(await store.destroyByUser?.('*'), 1)
      assert.equal(await store.destroyByUser?.('a?'), 1)
      assert.equal((await scanAll(store)).length, users.length - 2)
    })

    it('a bound record never outlives its user index entry, through set and touches', async () => {
      const prefix = freshPrefix()
      const store = storeFor(name, prefix)
      const k = storeKey()
      const indexKey = `${prefix}user:{${createHash('sha256').update('u').digest('hex')}}`
      const covered = async (expiresAt: number) => {
        const score = Number(await raw(name, indexKey, 'ZSCORE', indexKey, k))
        assert.ok(score >= expiresAt, `index score ${score} covers expiresAt ${expiresAt}`)
        const ttl = Number(await raw(name, indexKey, 'PTTL', indexKey))
        assert.ok(ttl >= expiresAt - Date.now() - 1000, `index set lives long enough: ${ttl}`)
      }
      const first = Date.now() + 1000
      await store.set(k, record({ userId: 'u', expiresAt: first }))
      await covered(first)
      for (const expiresAt of [Date.now() + 1500, Date.now() + 10 * HOUR, Date.now() + 5000]) {
        await store.touch(k, expiresAt, Date.now())
        assert.equal((await store.get(k))?.expiresAt, expiresAt)
        await covered(expiresAt)
      }
      const listed = (await store.listByUser?.('u')) ?? []
      assert.deepEqual(
        listed.map(([key]) => key),
        [k],
      )
    })

    it('a flushed script cache is reloaded (EVALSHA falls back to EVAL on NOSCRIPT)', async () => {
      const store = storeFor(name)
      const k = storeKey()
      await store.set(k, record())
      const ports = name.endsWith('cluster') ? cluster.nodes.map((n) => n.port) : [single.port]
      for (const port of ports) assert.equal(await redisCli(port, 'SCRIPT', 'FLUSH'), 'OK')
      assert.equal(await store.set(k, record({ version: 2 }), { ifVersion: 1 }), true)
      assert.equal((await store.get(k))?.version, 2)
    })
  })
}

describe('redis store: the user index on writes', { skip }, () => {
  it('a bound session is indexed on its first write, then not again while its index entry covers it', async () => {
    const real = client('node-redis') as NodeRedisLikeClient
    const sent: string[] = []
    const names = new Map([
      [lua.SET.sha, 'SET'],
      [lua.INDEX_ADD.sha, 'INDEX'],
    ])
    const recording: NodeRedisLikeClient = {
      sendCommand: (args, options) => {
        if (args[0] === 'EVALSHA') sent.push(names.get(args[1] as string) ?? 'other')
        return real.sendCommand(args, options)
      },
    }
    const prefix = freshPrefix()
    const store = createRedisStore(recording, { prefix })
    const k = storeKey()
    const at = Date.now()
    const bound = (version: number, userId: string, expiresAt = at + HOUR) =>
      record({ version, userId, expiresAt })
    assert.ok(await store.set(k, bound(1, 'u'), { ifVersion: 0 }), 'created')
    assert.deepEqual(sent.splice(0), ['SET', 'INDEX', 'SET'], 'first write: indexed before stored')
    assert.ok(await store.set(k, bound(2, 'u', at + HOUR + 1000), { ifVersion: 1 }))
    assert.deepEqual(sent.splice(0), ['SET'], 'same user within the indexed window: one command')
    assert.equal(await store.set(k, bound(2, 'u'), { ifVersion: 1 }), false, 'stale version')
    assert.deepEqual(sent.splice(0), ['SET'], 'a lost race indexes nothing')
    assert.ok(await store.set(k, bound(3, 'u', at + 3 * HOUR), { ifVersion: 2 }))
    assert.deepEqual(sent.splice(0), ['SET', 'INDEX', 'SET'], 'past the indexed window: re-indexed')
    assert.ok(await store.set(k, bound(4, 'v', at + 3 * HOUR), { ifVersion: 3 }))
    assert.deepEqual(sent.splice(0), ['SET', 'INDEX', 'SET'], 'another user: indexed')
    assert.deepEqual(
      (await store.listByUser?.('v'))?.map(([key]) => key),
      [k],
      'listed under the new user',
    )
    assert.deepEqual(await store.listByUser?.('u'), [], 'not under the old one')
    const indexKey = `${prefix}user:{${createHash('sha256').update('v').digest('hex')}}`
    const score = Number(await raw('node-redis', indexKey, 'ZSCORE', indexKey, k))
    assert.ok(score >= at + 3 * HOUR, `index score ${score} covers the record`)
  })
})

describe('redis store in a cluster', { skip }, () => {
  it("a session's record and lock hash to one slot; records spread over all masters", async () => {
    const prefix = freshPrefix()
    const store = storeFor('ioredis cluster', prefix)
    const keys = Array.from({ length: 30 }, () => storeKey())
    for (const k of keys) await store.set(k, record())
    for (const k of keys.slice(0, 5)) {
      const [a, b] = await Promise.all(
        [`${prefix}{${k}}`, `${prefix}{${k}}:lock`].map((key) =>
          raw('ioredis cluster', key, 'CLUSTER', 'KEYSLOT', key),
        ),
      )
      assert.equal(a, b)
    }
    const counts = await Promise.all(
      cluster.nodes.map(async (node) => {
        const c = new Redis({ host: '127.0.0.1', port: node.port, lazyConnect: true })
        try {
          return Number(await c.call('DBSIZE'))
        } finally {
          c.disconnect()
        }
      }),
    )
    assert.ok(
      counts.every((n) => n > 0),
      `records on every master: ${counts.join(', ')}`,
    )
    const scanned = await scanAll(store)
    assert.deepEqual(scanned.map(([k]) => k).sort(), [...keys].sort())
  })
})

describe('createRedisStore options', { skip }, () => {
  it('rejects what is not a redis client, and bad options, with ConfigError', () => {
    for (const bad of [null, {}, { get() {} }, 'redis://localhost']) {
      assert.throws(() => createRedisStore(bad as never), ConfigError)
    }
    for (const prefix of ['', 'a{b}:', 'x}', 7]) {
      assert.throws(
        () => createRedisStore(client('ioredis'), { prefix: prefix as never }),
        ConfigError,
      )
    }
    assert.throws(() => createRedisStore(client('ioredis'), { now: 5 as never }), ConfigError)
    const prefixed = new Redis({ lazyConnect: true, keyPrefix: 'app:' })
    assert.throws(() => createRedisStore(prefixed), /keyPrefix/)
    prefixed.disconnect()
  })

  it('close() leaves the application-owned client open', async () => {
    const store = storeFor('node-redis')
    await store.close?.()
    await assert.rejects(store.get(storeKey()), { code: 'STORE_UNAVAILABLE' })
    assert.equal(await raw('node-redis', 'x', 'PING'), 'PONG')
  })
})
