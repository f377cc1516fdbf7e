// The memcached store against a real memcached started for this file: conformance, key
// injection (BI-27), long lifetimes (BI-28), no lost update, and an outage mid-request.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import Memcached from 'memcached'
import { ConfigError, SessionError } from '../../src/core/errors.js'
import type { SessionRecord } from '../../src/core/store.js'
import { createSessions } from '../../src/index.js'
import {
  createMemcachedClient,
  createMemcachedStore,
  type MemcachedLikeClient,
  type MemcachedStoreOptions,
} from '../../src/stores/memcached.js'
import { storeKey } from '../../src/testing/conformance-kit.js'
import { describeStoreConformance } from '../../src/testing/index.js'
import { type MemcachedServer, memcachedSkipReason, startMemcached } from '../harness/memcached.js'
import { waitUntil } from '../harness/process.js'
import { Browser } from '../unit/helpers.js'
import { manualClock } from './clock.js'

const DAY = 86_400_000
const skip = memcachedSkipReason()
const clock = manualClock()
let server: MemcachedServer
let client: MemcachedLikeClient
let prefixes = 0
const prefix = () => `t${process.pid}.${++prefixes}:`

before(async () => {
  if (skip !== undefined) return
  server = await startMemcached()
  client = createMemcachedClient(server.location)
})
after(async () => {
  client?.end()
  await server?.stop()
})

const store = (options: MemcachedStoreOptions = {}) =>
  createMemcachedStore(client, { prefix: prefix(), now: clock.now, ...options })

if (skip !== undefined) {
  it('memcached store', { skip }, () => {})
} else {
  describeStoreConformance(() => store(), { name: 'memcached store conformance', clock })
  describe('memcached store', tests)
}

function rec(fields: Partial<SessionRecord> = {}): SessionRecord {
  const at = Date.now()
  return { data: 'd', version: 1, expiresAt: at + 60_000, ...fields }
}

/** A client that records every key it is asked to use, then forwards. */
function spying(inner: MemcachedLikeClient): { client: MemcachedLikeClient; keys: string[] } {
  const keys: string[] = []
  const spy = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (typeof args[0] === 'string') keys.push(args[0])
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { client: spy, keys }
}

function tests(): void {
  it('BI-28: a record expiring in 60 days is found after set (lifetime sent as a Unix time)', async () => {
    const s = createMemcachedStore(client, { prefix: prefix() })
    for (const days of [29, 31, 60, 365]) {
      const key = storeKey()
      const record = rec({ expiresAt: Date.now() + days * DAY, data: `${days} days` })
      assert.equal(await s.set(key, record), true)
      assert.deepEqual(await s.get(key), record, `${days} days`)
      await s.touch(key, Date.now() + 2 * days * DAY, Date.now())
      assert.equal((await s.get(key))?.data, `${days} days`, `${days} days, touched`)
      const created = storeKey()
      assert.equal(await s.set(created, record, { ifVersion: 0 }), true)
      assert.notEqual(await s.get(created), null, `${days} days, created with add`)
    }
  })

  it('filters by its own clock while memcached holds the item longer', async () => {
    const s = store()
    const key = storeKey()
    await s.set(key, rec({ expiresAt: clock.now() + 5000 }))
    clock.advance(5000)
    assert.equal(await s.get(key), null)
    assert.equal(await s.set(key, rec({ data: 'new' }), { ifVersion: 0 }), true, 'create over it')
  })

  it('BI-27: hostile keys never reach the text protocol; keys sent are prefix + 64 hex', async () => {
    const spy = spying(client)
    const p = prefix()
    const s = createMemcachedStore(spy.client, { prefix: p, now: clock.now })
    const hostile = [
      'x\r\nset sess:victim 0 0 5\r\nevil!',
      'a b',
      `${'k'.repeat(42)}\n`,
      'x'.repeat(300),
      'tab\there',
      '\u0000'.repeat(43),
      `${'a'.repeat(41)}\r\n`,
    ]
    for (const key of hostile) {
      assert.equal(await s.get(key), null)
      await s.touch(key, Date.now() + 1000, Date.now())
      await s.destroy(key)
      await assert.rejects(s.set(key, rec()), TypeError)
      await assert.rejects(s.lock?.(key, { ttl: 1000 }) ?? Promise.reject(), TypeError)
    }
    assert.deepEqual(spy.keys, [], 'no command was sent for a hostile key')
    const sessions = createSessions({ store: s })
    const cookie = 'sid=x%0D%0Aset%20sess%3Avictim%200%200%205%0D%0Aevil; sid=a b'
    const rs = await sessions.open({
      cookieHeader: cookie,
      method: 'GET',
      url: '/',
      header: (name) => (name === 'cookie' ? cookie : undefined),
      remoteAddress: '127.0.0.1',
      encrypted: false,
    })
    rs.session.set('n', 1)
    rs.finalize()
    await rs.commit()
    assert.ok(spy.keys.length > 0)
    const safe = new RegExp(`^${p.replace(/[.]/g, '\\.')}(lock:)?[0-9a-f]{64}$`)
    for (const key of spy.keys) assert.match(key, safe)
  })

  it('rejects prefixes that could break the protocol, and bad options, with a ConfigError', () => {
    for (const bad of ['', 'a b', 'x\r\n', 'tab\t', 'ü', 'p'.repeat(181)]) {
      assert.throws(() => createMemcachedStore(client, { prefix: bad }), ConfigError, bad)
    }
    assert.throws(
      () =>
        createMemcachedStore(
          {} as MemcachedLikeClient,
          {
            now: 1,
            closeClient: 'yes',
          } as unknown as MemcachedStoreOptions,
        ),
      (error: unknown) =>
        error instanceof ConfigError &&
        [...new Set(error.issues.map((i) => i.path))].join() === 'client,now,closeClient',
    )
  })

  it('accepts a client of the memcached package as it is typed', async () => {
    const raw = new Memcached(server.location, { timeout: 1000, retries: 0 })
    const s = createMemcachedStore(raw, { prefix: prefix(), closeClient: true })
    const key = storeKey()
    await s.set(key, rec())
    assert.equal((await s.get(key))?.data, 'd')
    await s.close?.()
  })

  it('no lost update: 200 parallel requests each incrementing through createSessions → 200', async () => {
    const sessions = createSessions({ store: store({ now: Date.now }), mergeTimeout: '60s' })
    const browser = new Browser(sessions)
    await browser.request((s) => s.set('views', 0))
    const requests = await Promise.all(Array.from({ length: 200 }, () => browser.open()))
    for (const rs of requests) rs.session.increment('views')
    for (const rs of requests) rs.finalize()
    await Promise.all(requests.map((rs) => rs.commit()))
    assert.equal((await browser.request((s) => s.get('views'))).result, 200)
  })

  it('a store killed mid-request: STORE_UNAVAILABLE and storeError, then service resumes after restart', async () => {
    const own = createMemcachedClient(server.location, { retry: 200, reconnect: 200 })
    const errors: SessionError[] = []
    const sessions = createSessions({
      store: createMemcachedStore(own, { prefix: prefix() }),
      storeTimeout: '500ms',
      hooks: { storeError: (_ctx, error) => void errors.push(error) },
    })
    try {
      const browser = new Browser(sessions)
      await browser.request((s) => s.set('user', 'ada'))
      await server.stop()
      await assert.rejects(browser.open(), (error: unknown) => {
        assert.ok(SessionError.is(error))
        assert.equal(error.code, 'STORE_UNAVAILABLE')
        return true
      })
      assert.ok(errors.length > 0, 'storeError fired')
      assert.ok(errors.every((e) => e.code === 'STORE_UNAVAILABLE'))
      await server.start()
      // memcached keeps nothing across a restart: the old session is gone (documented).
      const fresh = new Browser(sessions)
      await waitUntil(
        async () => {
          await fresh.request((s) => s.set('n', 1))
          return true
        },
        10_000,
        'sessions over the restarted memcached',
      )
      assert.equal((await fresh.request((s) => s.get('n'))).result, 1)
      const old = await browser.request((s) => ({ user: s.get('user'), isNew: s.isNew }))
      assert.deepEqual(old.result, { user: undefined, isNew: true })
    } finally {
      own.end()
    }
  })
}
