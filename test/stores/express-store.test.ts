// The express-session store bridge: over express-session's MemoryStore and over a hand-written
// callback store; the session shape the underlying store sees; createSessions over it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import session from 'express-session'
import { ConfigError, SessionError, StoreUnavailable } from '../../src/core/errors.js'
import type { SessionRecord } from '../../src/core/store.js'
import { createSessions } from '../../src/index.js'
import {
  type BridgedSession,
  createExpressStoreBridge,
  type ExpressSessionStoreLike,
} from '../../src/stores/express-store.js'
import { storeKey } from '../../src/testing/conformance-kit.js'
import { describeStoreConformance } from '../../src/testing/index.js'
import { Browser } from '../unit/helpers.js'
import { manualClock } from './clock.js'

const clock = manualClock(Date.now())
const skip = ['compareAndSet', 'lock', 'userIndex'] as const

/** A minimal express-session store in the old callback style, keeping JSON like most do. */
class CallbackStore implements ExpressSessionStoreLike {
  readonly sessions = new Map<string, string>()
  failWith: Error | undefined
  get(sid: string, callback: (error: unknown, session?: unknown) => void): void {
    if (this.failWith) return void setImmediate(callback, this.failWith)
    const json = this.sessions.get(sid)
    setImmediate(callback, null, json === undefined ? null : JSON.parse(json))
  }
  set(sid: string, value: BridgedSession, callback?: (error?: unknown) => void): void {
    if (this.failWith) return void setImmediate(() => callback?.(this.failWith))
    this.sessions.set(sid, JSON.stringify(value))
    setImmediate(() => callback?.())
  }
  destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.sessions.delete(sid)
    setImmediate(() => callback?.())
  }
}

/** A store whose methods return promises and also call back (as connect-redis 7+ does). */
class PromiseStore extends CallbackStore {
  override get(sid: string, callback: (error: unknown, session?: unknown) => void): void {
    void Promise.resolve().then(() => super.get(sid, callback))
  }
  all(callback: (error: unknown, sessions?: unknown) => void): Promise<void> {
    const list = [...this.sessions].map(([id, json]) => ({ ...JSON.parse(json), id }))
    return Promise.resolve().then(() => callback(null, list))
  }
}

describeStoreConformance(
  () => createExpressStoreBridge(new session.MemoryStore(), { now: clock.now }),
  { name: 'express-store bridge conformance (express-session MemoryStore)', clock, skip },
)
describeStoreConformance(() => createExpressStoreBridge(new CallbackStore(), { now: clock.now }), {
  name: 'express-store bridge conformance (callback store without all())',
  clock,
  skip,
})
describeStoreConformance(() => createExpressStoreBridge(new PromiseStore(), { now: clock.now }), {
  name: 'express-store bridge conformance (promise store, all() as an array)',
  clock,
  skip,
})

const rec = (fields: Partial<SessionRecord> = {}): SessionRecord => ({
  data: 'd',
  version: 1,
  expiresAt: clock.now() + 60_000,
  ...fields,
})

describe('express-store bridge', () => {
  it('declares what an express-session store can do: no CAS, no lock, no user index', () => {
    const withAll = createExpressStoreBridge(new session.MemoryStore())
    assert.deepEqual(
      { ...withAll.capabilities },
      { compareAndSet: false, nativeExpiry: true, lock: false, userIndex: false, scan: true },
    )
    const without = createExpressStoreBridge(new CallbackStore())
    assert.equal(without.capabilities.scan, false)
    assert.equal(without.scan, undefined)
  })

  it('stores under the store key a session whose cookie carries expires and originalMaxAge', async () => {
    const memory = new session.MemoryStore()
    const bridge = createExpressStoreBridge(memory, { now: clock.now })
    const key = storeKey()
    const record = rec({ userId: 'ada', meta: { createdAt: 1, lastSeenAt: 2 } })
    await bridge.set(key, record)
    const stored = await new Promise<Record<string, unknown>>((resolve, reject) =>
      memory.all((error, all) => (error ? reject(error) : resolve(all as Record<string, unknown>))),
    )
    assert.deepEqual(Object.keys(stored), [key], 'the sid is the store key')
    const value = stored[key] as { cookie: Record<string, unknown>; sessionkit: unknown }
    assert.equal(value.cookie.expires, new Date(record.expiresAt).toISOString())
    assert.equal(value.cookie.originalMaxAge, 60_000)
    assert.deepEqual(value.sessionkit, record)
  })

  it('a session of another shape (a plain express-session one) reads as no session', async () => {
    const memory = new session.MemoryStore()
    const key = storeKey()
    const expires = new Date(Date.now() + 60_000)
    const foreign = { cookie: { originalMaxAge: 60_000, expires }, user: 'x', sessionkit: 'no' }
    await new Promise<void>((resolve) => memory.set(key, foreign as never, () => resolve()))
    const bridge = createExpressStoreBridge(memory)
    assert.equal(await bridge.get(key), null)
    const scanned = []
    for await (const entry of bridge.scan?.() ?? []) scanned.push(entry)
    assert.deepEqual(scanned, [])
  })

  it('a record already expired is destroyed, never handed over with a negative TTL', async () => {
    const underlying = new CallbackStore()
    const bridge = createExpressStoreBridge(underlying, { now: clock.now })
    const key = storeKey()
    await bridge.set(key, rec())
    await bridge.set(key, rec({ expiresAt: clock.now() - 1 }))
    assert.equal(underlying.sessions.has(key), false)
  })

  it('failures of the underlying store reject with StoreUnavailable, cause kept', async () => {
    const underlying = new CallbackStore()
    const bridge = createExpressStoreBridge(underlying)
    underlying.failWith = new Error('connection lost')
    await assert.rejects(bridge.get(storeKey()), (error: unknown) => {
      assert.ok(error instanceof StoreUnavailable)
      assert.equal((error.cause as Error).message, 'connection lost')
      return true
    })
    await assert.rejects(bridge.set(storeKey(), rec()), StoreUnavailable)
  })

  it('best-effort compare-and-set: serialised per key within one process', async () => {
    const bridge = createExpressStoreBridge(new CallbackStore(), { now: clock.now })
    const key = storeKey()
    await bridge.set(key, rec({ version: 1 }))
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        bridge.set(key, rec({ version: 2, data: `w${i}` }), { ifVersion: 1 }),
      ),
    )
    assert.equal(results.filter(Boolean).length, 1)
    assert.equal(await bridge.set(key, rec(), { ifVersion: 0 }), false)
  })

  it('rejects a store without get/set/destroy with a ConfigError', () => {
    assert.throws(
      () => createExpressStoreBridge({ get() {} } as unknown as ExpressSessionStoreLike),
      (error: unknown) => error instanceof ConfigError && error.issues.length === 2,
    )
  })

  it('under createSessions: warns once that merge degrades, and sessions work across requests', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => void warnings.push(warning.message)
    process.on('warning', onWarning)
    try {
      const store = createExpressStoreBridge(new session.MemoryStore())
      const sessions = createSessions({ store })
      const browser = new Browser(sessions)
      await browser.request((s) => s.set('cart', ['apple']))
      await browser.request((s) => s.push('cart', 'pear'))
      const { result } = await browser.request((s) => s.get('cart'))
      assert.deepEqual(result, ['apple', 'pear'])
      await browser.request((s) => s.destroy())
      assert.equal(browser.cookie, undefined)
      await new Promise((resolve) => setImmediate(resolve))
      assert.equal(warnings.filter((w) => w.includes('compare-and-set')).length, 1)
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('under createSessions: a failing store answers STORE_UNAVAILABLE, never "no session"', async () => {
    const underlying = new CallbackStore()
    const sessions = createSessions({
      store: createExpressStoreBridge(underlying),
      concurrency: 'none',
    })
    const browser = new Browser(sessions)
    await browser.request((s) => s.set('n', 1))
    underlying.failWith = new Error('down')
    await assert.rejects(
      browser.open(),
      (error: unknown) => SessionError.is(error) && error.code === 'STORE_UNAVAILABLE',
    )
  })
})
