// The noop store keeps nothing; sessions over it work for one request at a time.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { SessionRecord } from '../../src/core/store.js'
import { createSessions } from '../../src/index.js'
import { createNoopStore } from '../../src/stores/noop.js'
import { storeKey } from '../../src/testing/conformance-kit.js'
import { Browser } from '../unit/helpers.js'

const record = (fields: Partial<SessionRecord> = {}): SessionRecord => ({
  data: 'd',
  version: 1,
  expiresAt: Date.now() + 60_000,
  userId: 'alice',
  ...fields,
})

describe('noop store', () => {
  it('accepts writes and returns nothing, as an always-empty store', async () => {
    const store = createNoopStore()
    const key = storeKey()
    assert.equal(await store.set(key, record()), true)
    assert.equal(await store.get(key), null)
    assert.equal(await store.set(key, record(), { ifVersion: 0 }), true, 'create-only over nothing')
    assert.equal(await store.set(key, record(), { ifVersion: 1 }), false, 'no version 1 to match')
    await store.touch(key, Date.now() + 1000, Date.now())
    await store.destroy(key)
    assert.deepEqual(await store.listByUser?.('alice'), [])
    assert.equal(await store.destroyByUser?.('alice'), 0)
    const scanned: unknown[] = []
    for await (const entry of store.scan?.({ limit: 10 }) ?? []) scanned.push(entry)
    assert.deepEqual(scanned, [])
    assert.equal(await store.gc?.(), 0)
    await store.close?.()
  })

  it('declares the capabilities an empty store honours truthfully (no lock)', () => {
    assert.deepEqual(
      { ...createNoopStore().capabilities },
      { compareAndSet: true, nativeExpiry: true, lock: false, userIndex: true, scan: true },
    )
  })

  it('still rejects a malformed record and a bad scan limit (programming errors)', async () => {
    const store = createNoopStore()
    await assert.rejects(store.set(storeKey(), { data: 1 } as unknown as SessionRecord), TypeError)
    const scan = store.scan?.({ limit: 0 })[Symbol.asyncIterator]()
    await assert.rejects(async () => scan?.next(), RangeError)
  })

  it('under createSessions: no concurrency warning, and nothing survives to the next request', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => void warnings.push(warning.message)
    process.on('warning', onWarning)
    try {
      const sessions = createSessions({ store: createNoopStore() })
      const browser = new Browser(sessions)
      const first = await browser.request((s) => {
        s.set('cart', ['apple'])
        return s.get('cart')
      })
      assert.deepEqual(first.result, ['apple'], 'the session works within its request')
      assert.ok(browser.cookie, 'a cookie was sent')
      const second = await browser.request((s) => ({ cart: s.get('cart'), isNew: s.isNew }))
      assert.deepEqual(second.result, { cart: undefined, isNew: true })
      await new Promise((resolve) => setImmediate(resolve))
      assert.deepEqual(
        warnings.filter((w) => w.includes('compare-and-set')),
        [],
      )
    } finally {
      process.off('warning', onWarning)
    }
  })
})
