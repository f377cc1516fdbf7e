// SECURITY-CHECKLIST D (SQL stores, on SQLite) and E (Redis, Memcached, against real servers
// started on free loopback ports), through createSessions. PostgreSQL's own BI-23/24 rows live
// in test/stores/postgres.test.ts (they need its server; see docs/security.md).
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import {
  ConfigError,
  generateKey,
  type SessionRecord,
  type Store,
  StoreUnavailable,
} from '../../src/index.js'
import {
  createMemcachedClient,
  createMemcachedStore,
  type MemcachedLikeClient,
} from '../../src/stores/memcached.js'
import { createRedisStore } from '../../src/stores/redis.js'
import { createSqliteStore } from '../../src/stores/sqlite.js'
import { type MemcachedServer, memcachedSkipReason, startMemcached } from '../harness/memcached.js'
import { freePort } from '../harness/process.js'
import { type RedisNode, redisUnavailable, startRedis } from '../harness/redis.js'
import { DAY, exchange, freshId, type Harness, harness, manualClock } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'sessionkit-security-sql-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

function over(
  store: Store,
  options: Parameters<typeof harness>[0] = {},
  clock = manualClock(),
): Harness {
  const h = harness(options, { memory: store, clock })
  after(() => h.sessions.close())
  return h
}

/** Everything the database wrote to disk, as text (the db file and its WAL/journal). */
function diskText(path: string): string {
  const base = path.split(/[\\/]/).pop() as string
  return readdirSync(dir)
    .filter((name) => name.startsWith(base))
    .map((name) => readFileSync(join(dir, name)).toString('latin1'))
    .join('\n')
}

describe('D. SQL store (SQLite)', () => {
  it('BI-23: SQL-looking ids never reach the database; SQL-looking data keys and values are plain data', async () => {
    const h = over(createSqliteStore({ path: ':memory:', now: manualClock().now }))
    const live = await h.seed({ role: 'user' })
    h.calls.length = 0
    for (const value of [
      "' OR '1'='1",
      "x'; DROP TABLE sessionkit_sessions;--",
      `${freshId().slice(0, 30)}' --`,
    ]) {
      assert.equal((await exchange(h.sessions, `sid=${value}`, () => {})).session.id, null)
    }
    assert.deepEqual(h.calls, [], 'rejected before any query')
    assert.equal(
      await h.memory.get("' OR '1'='1"),
      null,
      'a hostile key given to the store is just a missing key',
    )
    const evil = "x'); DROP TABLE sessionkit_sessions;--"
    const { cookie } = await exchange(h.sessions, undefined, (s) => s.set(['q', evil], evil))
    assert.equal((await exchange(h.sessions, cookie, (s) => s.get(['q', evil]))).result, evil)
    assert.equal(
      (await exchange(h.sessions, live.cookie, (s) => s.get('role'))).result,
      'user',
      'the table is intact',
    )
    assert.throws(
      () => createSqliteStore({ path: ':memory:', table: 'sessions; DROP TABLE x' }),
      ConfigError,
    )
  })

  it('BI-24: data with NUL characters in keys and values round-trips exactly', async () => {
    const h = over(createSqliteStore({ path: ':memory:', now: manualClock().now }))
    const value = 'a\u0000b\u0000'
    const { cookie } = await exchange(h.sessions, undefined, (s) => s.set(['k\u0000ey'], value))
    assert.equal((await exchange(h.sessions, cookie, (s) => s.get(['k\u0000ey']))).result, value)
  })

  it('BI-25 / BI-26: the raw id is nowhere on disk (only its SHA-256 key is); a stored key replays as nothing; encrypted data is not readable in the file', async () => {
    const path = join(dir, `s${++files}.db`)
    const clock = manualClock()
    const h = over(
      createSqliteStore({ path, now: clock.now }),
      { encryption: { keys: generateKey() } },
      clock,
    )
    const marker = 'MARKER-plaintext-must-not-appear'
    const seeded = [await h.seed({ marker }), await h.seed({ marker })]
    for (const s of seeded) {
      const replay = await exchange(h.sessions, `sid=${s.handle}`, () => {})
      assert.equal(replay.session.id, null, 'a key from a dump is not a cookie')
    }
    await h.sessions.close()
    const text = diskText(path)
    for (const s of seeded) {
      assert.ok(text.includes(s.handle), 'the key (SHA-256 of the id) is what is stored')
      assert.equal(text.includes(s.id), false, 'the raw id never reaches the database')
    }
    assert.equal(text.includes(marker), false, 'session data is encrypted at rest')
  })
})

const redisSkip = redisUnavailable()
describe('E. Redis store', { skip: redisSkip ?? false }, () => {
  let server: RedisNode
  let client: Redis
  let prefixes = 0
  before(async () => {
    server = await startRedis()
    client = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 })
  })
  after(async () => {
    await client?.quit()
    await server?.stop()
  })
  const redisSessions = (options: Parameters<typeof harness>[0] = {}) => {
    const prefix = `sec${++prefixes}:`
    return { h: over(createRedisStore(client, { prefix }), options), prefix }
  }

  it('BI-29: every save, touch and regenerate leaves a positive PTTL (no immortal session)', async () => {
    const { h, prefix } = redisSessions()
    const pttl = (handle: string) => client.pttl(`${prefix}{${handle}}`)
    const live = await h.seed()
    assert.ok((await pttl(live.handle)) > 0, 'after save')
    h.clock.advance(2 * 60_000)
    await exchange(h.sessions, live.cookie, (s) => s.touch())
    assert.ok((await pttl(live.handle)) > 0, 'after touch')
    const { session } = await exchange(h.sessions, live.cookie, (s) => s.regenerate())
    assert.ok((await pttl(session.handle as string)) > 0, 'after regenerate')
    assert.equal(await pttl(live.handle), -2, 'the old key is gone')
  })

  it('BI-30: user ids with glob characters only ever match themselves', async () => {
    const { h } = redisSessions()
    const users = ['*', 'a?', '[ab]', 'a', 'b', 'a\\*']
    const cookies = new Map<string, string>()
    for (const user of users)
      cookies.set(
        user,
        (await exchange(h.sessions, undefined, (s) => s.login(user))).cookie as string,
      )
    for (const user of users)
      assert.equal((await h.sessions.listUserSessions(user)).length, 1, user)
    assert.equal(await h.sessions.revokeUserSessions('*'), 1)
    for (const user of users) {
      const alive = (await exchange(h.sessions, cookies.get(user), () => {})).session.id !== null
      assert.equal(alive, user !== '*', user)
    }
  })

  it('BI-31: a poisoned record (garbage, prototype keys, wrong shapes) is "no session" with invalidId, never a crash or pollution', async () => {
    const { h } = redisSessions()
    const live = await h.seed()
    const record = (await h.memory.get(live.handle)) as SessionRecord
    for (const data of [
      'garbage',
      '',
      'sk1:json:{"v":1,"r":{"__proto__":{"polluted":1}},"s":{}}',
      'sk1:json:{"constructor":{"prototype":{"polluted":1}}}',
      'sk1:json:{"v":1,"r":{"d":{},"f":{},"x":{"a":"x"}},"s":{}}',
      'sk1:json:[]',
    ]) {
      await h.memory.set(live.handle, { ...record, data })
      assert.equal((await exchange(h.sessions, live.cookie, () => {})).session.id, null)
    }
    assert.deepEqual(new Set(h.reasons), new Set(['undecryptable']))
    assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false)
  })

  it('BI-32: a store that is down fails closed — StoreUnavailable (503) and storeError, never a fresh session', async () => {
    const dead = new Redis({
      host: '127.0.0.1',
      port: await freePort(),
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    after(() => dead.disconnect())
    const errors: unknown[] = []
    const h = over(createRedisStore(dead, { prefix: 'down:' }), {
      hooks: { storeError: (_c, e) => void errors.push(e) },
    })
    const cookie = `sid=${freshId()}`
    await assert.rejects(
      exchange(h.sessions, cookie, () => {}),
      (e: unknown) => e instanceof StoreUnavailable && e.status === 503,
    )
    await assert.rejects(
      exchange(h.sessions, undefined, (s) => s.set('a', 1)),
      StoreUnavailable,
    )
    assert.ok(errors.length >= 2, 'storeError fired')
  })

  it('BI-33: with encryption, a record copied under another key does not open', async () => {
    const { h } = redisSessions({ encryption: { keys: generateKey() } })
    const victim = await h.seed({ role: 'admin' })
    const attacker = await h.seed({ role: 'user' })
    await h.memory.set(attacker.handle, (await h.memory.get(victim.handle)) as SessionRecord)
    const { session, result } = await exchange(h.sessions, attacker.cookie, (s) => s.get('role'))
    assert.equal(session.id, null)
    assert.notEqual(result, 'admin')
  })
})

const memcachedSkip = memcachedSkipReason()
describe('E. Memcached store', { skip: memcachedSkip ?? false }, () => {
  let server: MemcachedServer
  let client: MemcachedLikeClient
  before(async () => {
    server = await startMemcached()
    client = createMemcachedClient(server.location)
  })
  after(async () => {
    client?.end()
    await server?.stop()
  })

  it('BI-27: keys sent to memcached are prefix + 64 hex, whatever the cookie; hostile cookies send nothing', async () => {
    const keys: string[] = []
    const spy = new Proxy(client, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          if (typeof args[0] === 'string') keys.push(args[0])
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
    const h = over(createMemcachedStore(spy, { prefix: 'sec27:' }))
    for (const value of ['x\r\nset sess:victim 0 0 1\r\nA', 'a b', 'A'.repeat(300), '\u0000']) {
      assert.equal((await exchange(h.sessions, `sid=${value}`, () => {})).session.id, null)
    }
    assert.deepEqual(keys, [], 'nothing reached the protocol')
    const live = await h.seed()
    await exchange(h.sessions, live.cookie, (s) => s.set('b', 2))
    assert.ok(keys.length > 0, 'keys were recorded')
    for (const key of keys) assert.match(key, /^sec27:[0-9a-f]{64}(:lock)?$/)
  })

  it('BI-28: a session living longer than 30 days is still found after it is written', async () => {
    const h = over(createMemcachedStore(client, { prefix: 'sec28:' }), {
      idleTimeout: '45d',
      absoluteTimeout: '60d',
    })
    const live = await h.seed({ long: true })
    h.clock.advance(DAY)
    assert.equal((await exchange(h.sessions, live.cookie, (s) => s.get('long'))).result, true)
  })
})
