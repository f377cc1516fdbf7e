// The store wrappers: migratingStore (sessions move over on first read, nobody is logged out,
// nothing destroyed comes back) and instrumentedStore (every call reported, never a whole key).
import assert from 'node:assert/strict'
import { AsyncLocalStorage } from 'node:async_hooks'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ConfigError, StoreUnavailable } from '../../src/core/errors.js'
import type { SessionRecord, Store } from '../../src/core/store.js'
import { createSessions } from '../../src/index.js'
import { createFileStore } from '../../src/stores/file.js'
import { createStoreFromUrl } from '../../src/stores/from-url.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createNoopStore } from '../../src/stores/noop.js'
import {
  instrumentedStore,
  migratingStore,
  type StoreCallEvent,
} from '../../src/stores/wrappers.js'
import { collect, storeKey } from '../../src/testing/conformance-kit.js'
import { describeStoreConformance } from '../../src/testing/index.js'
import { tempDir } from '../harness/process.js'
import { type RedisNode, redisUnavailable, startRedis } from '../harness/redis.js'
import { Browser } from '../unit/helpers.js'
import { manualClock } from './clock.js'

const HOUR = 3_600_000
const clock = manualClock()
const memory = () => createMemoryStore({ now: clock.now, sweepInterval: 0 })
const skipRedis = redisUnavailable() ?? false
const dir = tempDir('wrappers')
let redis: RedisNode

before(async () => {
  if (!skipRedis) redis = await startRedis()
})

after(async () => {
  await redis?.stop()
  dir.cleanup()
})

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

/** A pair of memory stores and the migrating store over them. */
function pair() {
  const from = memory()
  const to = memory()
  return { from, to, store: migratingStore({ from, to }) }
}

describeStoreConformance(() => migratingStore({ from: memory(), to: memory() }), {
  name: 'migratingStore (memory → memory) conformance',
  clock,
})

describeStoreConformance(() => instrumentedStore(memory(), () => {}), {
  name: 'instrumentedStore (memory) conformance',
  clock,
})

describe('migratingStore', () => {
  it('moves live sessions from SQLite to Redis with no user logged out', {
    skip: skipRedis,
  }, async () => {
    const sqlite = await createStoreFromUrl(`sqlite:${join(dir.path, 'live.db')}`)
    const redisStore = await createStoreFromUrl(`redis://127.0.0.1:${redis.port}`, {
      prefix: 'migrate:',
    })
    const old = createSessions({ store: sqlite })
    const users = []
    for (let i = 0; i < 5; i++) {
      const browser = new Browser(old)
      const { session } = await browser.request((s) => {
        s.set('name', `user ${i}`)
        s.push('cart', `item-${i}`)
        s.bindUser(`user-${i}`)
      })
      users.push({ i, cookie: browser.cookie as string, handle: session.handle as string })
    }
    // The deploy: the same application, now on the migrating store.
    const sessions = createSessions({ store: migratingStore({ from: sqlite, to: redisStore }) })
    try {
      const listed = await sessions.listUserSessions('user-3')
      assert.deepEqual(
        listed.map((s) => s.handle),
        [users[3]?.handle],
        'sessions not moved yet are listed',
      )
      for (const { i, cookie, handle } of users) {
        assert.notEqual(await sqlite.get(handle), null)
        assert.equal(await redisStore.get(handle), null)
        const browser = new Browser(sessions, cookie)
        const { result, session } = await browser.request((s) => ({
          name: s.get('name'),
          cart: s.get('cart'),
        }))
        assert.deepEqual(result, { name: `user ${i}`, cart: [`item-${i}`] }, 'data kept')
        assert.equal(session.isNew, false, 'not a new session')
        assert.equal(session.meta.userId, `user-${i}`, 'still logged in')
        assert.equal(browser.cookie, cookie, 'same cookie')
        assert.equal((await redisStore.get(handle))?.userId, `user-${i}`, 'now in Redis')
        assert.equal(await sqlite.get(handle), null, 'gone from SQLite')
        await browser.request((s) => s.push('cart', 'more'))
        const { result: later } = await browser.request((s) => s.get('cart'))
        assert.deepEqual(later, [`item-${i}`, 'more'], 'writes land in Redis')
      }
      const fresh = new Browser(sessions)
      const { session } = await fresh.request((s) => s.set('name', 'new user'))
      assert.notEqual(await redisStore.get(session.handle as string), null, 'new sessions in Redis')
      assert.equal(await sqlite.get(session.handle as string), null)
    } finally {
      await sessions.close()
    }
  })

  it('moves a record on first read, once, even under 20 parallel reads', async () => {
    const { from, to, store } = pair()
    const key = storeKey()
    const record = rec({ userId: 'alice', movedTo: 'sealed' })
    await from.set(key, record)
    const reads = await Promise.all(Array.from({ length: 20 }, () => store.get(key)))
    for (const read of reads) assert.deepEqual(read, record)
    assert.deepEqual(await to.get(key), record)
    assert.equal(await from.get(key), null)
  })

  it('compare-and-set sees records that have not moved yet', async () => {
    const { from, to, store } = pair()
    const [a, b, c] = [storeKey(), storeKey(), storeKey()]
    for (const key of [a, b, c]) await from.set(key, rec({ version: 3 }))
    assert.equal(await store.set(a, rec({ data: 'new' }), { ifVersion: 0 }), false, 'create-only')
    assert.equal(await store.set(b, rec({ version: 4, data: 'b4' }), { ifVersion: 3 }), true)
    assert.equal((await to.get(b))?.data, 'b4')
    assert.equal(await from.get(b), null)
    assert.equal(await store.set(c, rec({ version: 4 }), { ifVersion: 2 }), false)
    assert.equal((await store.get(c))?.version, 3)
    assert.equal(await store.set(storeKey(), rec(), { ifVersion: 1 }), false, 'missing key')
  })

  it('destroy removes the record from both stores', async () => {
    const { from, to, store } = pair()
    const [waiting, both] = [storeKey(), storeKey()]
    await from.set(waiting, rec())
    await from.set(both, rec())
    await to.set(both, rec({ version: 2 }))
    await store.destroy(waiting)
    await store.destroy(both)
    for (const key of [waiting, both]) {
      assert.equal(await from.get(key), null)
      assert.equal(await to.get(key), null)
      assert.equal(await store.get(key), null)
    }
  })

  it('no resurrection: a session destroyed while it moves over stays destroyed', async () => {
    const from = memory()
    const inner = memory()
    const key = storeKey()
    let store: Store | undefined
    // `to` whose first create runs only after a concurrent request destroyed the session.
    const to: Store = {
      capabilities: inner.capabilities,
      get: (k) => inner.get(k),
      touch: (k, e, l) => inner.touch(k, e, l),
      destroy: (k) => inner.destroy(k),
      async set(k, r, o) {
        if (o?.ifVersion === 0 && store !== undefined) {
          const racing = store
          store = undefined
          await racing.destroy(k)
        }
        return inner.set(k, r, o)
      },
    }
    store = migratingStore({ from, to })
    await from.set(key, rec())
    const reader = store
    assert.equal(await reader.get(key), null)
    assert.equal(await inner.get(key), null)
    assert.equal(await from.get(key), null)
  })

  it('no resurrection: a destroy racing the move removes `from` first, then `to`', async () => {
    // Calls made by the racing destroy are tagged; its second step waits until the move is done.
    const tag = new AsyncLocalStorage<'destroy'>()
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let destroySteps = 0
    const gated = (inner: Store, fields: Partial<Store> = {}): Store => ({
      capabilities: inner.capabilities,
      get: (k) => inner.get(k),
      set: (k, r, o) => inner.set(k, r, o),
      touch: (k, e, l) => inner.touch(k, e, l),
      async destroy(k) {
        if (tag.getStore() === 'destroy' && ++destroySteps === 2) await gate
        return inner.destroy(k)
      },
      ...fields,
    })
    const [fromInner, toInner] = [memory(), memory()]
    let racing: Promise<void> | undefined
    const to = gated(toInner, {
      async set(k, r, o) {
        if (o?.ifVersion === 0 && racing === undefined) {
          racing = tag.run('destroy', () => store.destroy(k))
          await new Promise((resolve) => setImmediate(resolve))
        }
        return toInner.set(k, r, o)
      },
    })
    const store = migratingStore({ from: gated(fromInner), to })
    const key = storeKey()
    await fromInner.set(key, rec())
    await store.get(key)
    release()
    await racing
    assert.equal(await toInner.get(key), null, 'not resurrected in `to`')
    assert.equal(await fromInner.get(key), null)
    assert.equal(await store.get(key), null)
  })

  it('listByUser and destroyByUser cover both stores', async () => {
    const { from, to, store } = pair()
    const [moved, waiting, other] = [storeKey(), storeKey(), storeKey()]
    await to.set(moved, rec({ userId: 'alice' }))
    await from.set(waiting, rec({ userId: 'alice' }))
    await from.set(other, rec({ userId: 'bob' }))
    const listed = (await store.listByUser?.('alice')) ?? []
    assert.deepEqual(listed.map(([k]) => k).sort(), [moved, waiting].sort())
    assert.equal(await store.destroyByUser?.('alice', [moved]), 1)
    assert.equal(await from.get(waiting), null)
    assert.notEqual(await to.get(moved), null)
    assert.equal(await store.destroyByUser?.('alice'), 1)
    assert.notEqual(await store.get(other), null)
  })

  it('scan pages over both stores once each, whatever order each store scans in', async () => {
    const from = createFileStore({ dir: join(dir.path, 'scan'), now: clock.now })
    const to = memory()
    const store = migratingStore({ from, to })
    const keys = Array.from({ length: 12 }, () => storeKey())
    for (const [i, key] of keys.entries()) await (i % 2 ? from : to).set(key, rec({ data: key }))
    await from.set(storeKey(), rec({ expiresAt: clock.now() - 1 }))
    const seen: string[] = []
    let cursor: string | undefined
    for (;;) {
      const page = await collect(
        (store.scan as NonNullable<Store['scan']>)(cursor ? { cursor, limit: 5 } : { limit: 5 }),
      )
      if (page.length === 0) break
      for (const [key, record] of page) {
        assert.equal(record.data, key)
        seen.push(key)
        await store.get(key) // moving records mid-scan must not repeat or skip any
      }
      cursor = page.at(-1)?.[0]
    }
    assert.deepEqual([...seen].sort(), [...keys].sort())
    assert.deepEqual(seen, [...seen].sort(), 'one stable order')
    await store.close?.()
  })

  it('gc collects both stores; capabilities and methods are those of `to`', async () => {
    const { from, to, store } = pair()
    await from.set(storeKey(), rec({ expiresAt: clock.now() + 10 }))
    await to.set(storeKey(), rec({ expiresAt: clock.now() + 10 }))
    clock.advance(10)
    assert.equal(await store.gc?.(), 2)
    assert.equal(store.capabilities, to.capabilities)
    const noLock = migratingStore({ from: memory(), to: createNoopStore() })
    assert.equal(noLock.capabilities.lock, false)
    assert.equal(noLock.lock, undefined)
  })

  it('close() closes both stores', async () => {
    const closed: string[] = []
    const track = (name: string, store: Store): Store => ({
      capabilities: store.capabilities,
      get: (k) => store.get(k),
      set: (k, r, o) => store.set(k, r, o),
      touch: (k, e, l) => store.touch(k, e, l),
      destroy: (k) => store.destroy(k),
      close: async () => {
        closed.push(name)
      },
    })
    await migratingStore({ from: track('from', memory()), to: track('to', memory()) }).close?.()
    assert.deepEqual(closed.sort(), ['from', 'to'])
  })

  it('rejects options that are not two different stores', () => {
    const one = memory()
    assert.throws(() => migratingStore({ from: one, to: one }), ConfigError)
    assert.throws(
      () => migratingStore({ from: {} as Store, to: one }),
      (e: ConfigError) => {
        assert.equal(e.issues[0]?.path, 'from')
        return true
      },
    )
  })
})

describe('instrumentedStore', () => {
  it('reports every operation with its duration, and never a whole key or user id', async () => {
    const events: StoreCallEvent[] = []
    const store = instrumentedStore(memory(), (event) => events.push(event))
    const [a, b] = [storeKey(), storeKey()]
    await store.set(a, rec({ userId: 'alice' }))
    await store.get(a)
    await store.touch(a, clock.now() + HOUR, clock.now())
    const lock = await store.lock?.(b, { ttl: 1000 })
    await lock?.refresh(1000)
    await lock?.release()
    await store.listByUser?.('alice')
    await collect((store.scan as NonNullable<Store['scan']>)({ limit: 10 }))
    await store.gc?.()
    await store.destroyByUser?.('alice')
    await store.destroy(b)
    await store.close?.()
    const expected = ['set', 'get', 'touch', 'lock', 'lock.refresh', 'lock.release', 'listByUser']
    expected.push('scan', 'gc', 'destroyByUser', 'destroy', 'close')
    assert.deepEqual(
      events.map((e) => e.operation),
      expected,
    )
    for (const event of events) {
      assert.equal(event.ok, true)
      assert.ok(Number.isFinite(event.durationMs) && event.durationMs >= 0, 'a duration')
      if (event.key !== undefined) {
        assert.ok(event.key.length > 0 && event.key.length <= 8, event.key)
        assert.ok(a.startsWith(event.key) || b.startsWith(event.key), 'a prefix of the key')
      }
    }
    const serialized = JSON.stringify(events)
    for (const secret of [a, b, 'alice']) assert.ok(!serialized.includes(secret), 'never leaked')
  })

  it('through createSessions: every store call is reported with a key prefix', async () => {
    const events: StoreCallEvent[] = []
    const sessions = createSessions({
      store: instrumentedStore(createMemoryStore(), (event) => events.push(event)),
    })
    const browser = new Browser(sessions)
    const { session } = await browser.request((s) => s.set('n', 1))
    await browser.request((s) => s.set('n', 2))
    await sessions.close()
    const handle = session.handle as string
    assert.deepEqual(
      events.map((e) => e.operation),
      ['set', 'get', 'set', 'close'],
    )
    for (const e of events.slice(0, 3)) {
      assert.ok(e.key !== undefined && handle.startsWith(e.key), `${e.operation}: key prefix`)
    }
    assert.ok(!JSON.stringify(events).includes(handle), 'never the whole key')
  })

  it('reports failures and passes the error through unchanged', async () => {
    const failure = new StoreUnavailable('down')
    const inner = memory()
    const broken: Store = {
      capabilities: inner.capabilities,
      get: async () => Promise.reject(failure),
      set: (k, r, o) => inner.set(k, r, o),
      touch: (k, e, l) => inner.touch(k, e, l),
      destroy: (k) => inner.destroy(k),
    }
    const events: StoreCallEvent[] = []
    const store = instrumentedStore(broken, (event) => events.push(event))
    await assert.rejects(store.get(storeKey()), (e) => e === failure)
    assert.equal(events[0]?.ok, false)
    assert.equal(events[0]?.error, failure)
  })

  it('a throwing or rejecting onCall never breaks a call', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const throwing = instrumentedStore(memory(), () => {
        throw new Error('metrics down')
      })
      const rejecting = instrumentedStore(memory(), (async () => {
        throw new Error('metrics down')
      }) as () => void)
      for (const store of [throwing, rejecting]) {
        const key = storeKey()
        assert.equal(await store.set(key, rec()), true)
        assert.equal((await store.get(key))?.data, 'd')
      }
      await new Promise((resolve) => setImmediate(resolve))
      assert.deepEqual(unhandled, [])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})
