/**
 * Conformance cases for `Store.lock`: exclusion, expiry and takeover, refresh, and release by
 * the owner only.
 */
import assert from 'node:assert/strict'
import type { Store, StoreLock } from '../core/store.js'
import { type ConformanceCase, needs } from './conformance-kit.js'

function lock(store: Store, key: string, ttl: number): Promise<StoreLock | null> {
  return (store.lock as NonNullable<Store['lock']>).call(store, key, { ttl })
}

async function held(store: Store, key: string, ttl: number): Promise<StoreLock> {
  const taken = await lock(store, key, ttl)
  assert.ok(taken, 'lock acquired')
  return taken
}

/** Cases for locks. */
export const lockCases: ConformanceCase[] = [
  {
    group: 'lock',
    title: 'a second lock on a held key resolves null; after release it can be taken',
    requires: needs.lock,
    async run({ store, key }) {
      const k = key()
      const first = await held(store, k, 30_000)
      assert.equal(typeof first.token, 'string')
      assert.ok(first.token.length > 0)
      assert.equal(await lock(store, k, 30_000), null)
      await first.release()
      const second = await held(store, k, 30_000)
      assert.notEqual(second.token, first.token)
      await second.release()
    },
  },
  {
    group: 'lock',
    title: 'locks on different keys are independent',
    requires: needs.lock,
    async run({ store, key }) {
      const a = await held(store, key(), 30_000)
      const b = await held(store, key(), 30_000)
      await a.release()
      await b.release()
    },
  },
  {
    group: 'lock',
    title: 'no race: 20 parallel lock attempts on one key, exactly one succeeds',
    requires: needs.lock,
    async run({ store, key }) {
      const k = key()
      const results = await Promise.all(Array.from({ length: 20 }, () => lock(store, k, 30_000)))
      assert.equal(results.filter((r) => r !== null).length, 1)
    },
  },
  {
    group: 'lock',
    title: 'an expired lock is taken over by the next locker',
    requires: needs.lock,
    clock: true,
    async run({ store, key, advance }) {
      const k = key()
      await held(store, k, 1000)
      advance(999)
      assert.equal(await lock(store, k, 1000), null)
      advance(1)
      await held(store, k, 1000)
    },
  },
  {
    group: 'lock',
    title: 'refresh extends a held lock and resolves false once it was taken over',
    requires: needs.lock,
    clock: true,
    async run({ store, key, advance }) {
      const k = key()
      const first = await held(store, k, 1000)
      advance(800)
      assert.equal(await first.refresh(1000), true)
      advance(800)
      assert.equal(await lock(store, k, 1000), null, 'still held after the first ttl passed')
      advance(200)
      await held(store, k, 1000)
      assert.equal(await first.refresh(1000), false)
    },
  },
  {
    group: 'lock',
    title: "a stale holder's release does not remove the new holder's lock",
    requires: needs.lock,
    clock: true,
    async run({ store, key, advance }) {
      const k = key()
      const stale = await held(store, k, 1000)
      advance(1000)
      const current = await held(store, k, 1000)
      await stale.release()
      assert.equal(await lock(store, k, 1000), null)
      assert.equal(await current.refresh(1000), true)
      await current.release()
      await held(store, k, 1000)
    },
  },
]
