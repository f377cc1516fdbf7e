/**
 * Conformance cases for compare-and-set: `ifVersion` N writes only over version N, `ifVersion`
 * 0 creates only, and parallel writers on one version cannot both win.
 */
import assert from 'node:assert/strict'
import { type ConformanceCase, needs } from './conformance-kit.js'

const { compareAndSet } = needs

/** Cases for compare-and-set. */
export const casCases: ConformanceCase[] = [
  {
    group: 'compareAndSet',
    title: 'ifVersion matching the stored version writes and resolves true',
    requires: compareAndSet,
    async run({ store, key, record }) {
      const k = key()
      await store.set(k, record({ version: 3 }))
      const next = record({ version: 4, data: 'next' })
      assert.equal(await store.set(k, next, { ifVersion: 3 }), true)
      assert.deepEqual(await store.get(k), next)
    },
  },
  {
    group: 'compareAndSet',
    title: 'ifVersion not matching resolves false and leaves the record unchanged',
    requires: compareAndSet,
    async run({ store, key, record }) {
      const k = key()
      const stored = record({ version: 3 })
      await store.set(k, stored)
      assert.equal(await store.set(k, record({ version: 5, data: 'x' }), { ifVersion: 4 }), false)
      assert.equal(await store.set(k, record({ version: 3, data: 'x' }), { ifVersion: 2 }), false)
      assert.deepEqual(await store.get(k), stored)
    },
  },
  {
    group: 'compareAndSet',
    title: 'ifVersion 0 creates only: true on a missing key, false over a live record',
    requires: compareAndSet,
    async run({ store, key, record }) {
      const k = key()
      const first = record({ data: 'first' })
      assert.equal(await store.set(k, first, { ifVersion: 0 }), true)
      assert.equal(await store.set(k, record({ data: 'second' }), { ifVersion: 0 }), false)
      assert.deepEqual(await store.get(k), first)
    },
  },
  {
    group: 'compareAndSet',
    title: 'ifVersion 0 creates over an expired record',
    requires: compareAndSet,
    async run({ store, key, record, now }) {
      const k = key()
      await store.set(k, record({ data: 'stale', expiresAt: now() - 1 }))
      const fresh = record({ data: 'fresh' })
      assert.equal(await store.set(k, fresh, { ifVersion: 0 }), true)
      assert.deepEqual(await store.get(k), fresh)
    },
  },
  {
    group: 'compareAndSet',
    title: 'ifVersion N on a missing or expired key resolves false and writes nothing',
    requires: compareAndSet,
    async run({ store, key, record, now }) {
      const missing = key()
      assert.equal(await store.set(missing, record({ version: 4 }), { ifVersion: 3 }), false)
      assert.equal(await store.get(missing), null)
      const expired = key()
      await store.set(expired, record({ version: 3, expiresAt: now() - 1 }))
      assert.equal(await store.set(expired, record({ version: 4 }), { ifVersion: 3 }), false)
      assert.equal(await store.get(expired), null)
    },
  },
  {
    group: 'compareAndSet',
    title: 'no race: 100 parallel writes with the same ifVersion, exactly one succeeds',
    requires: compareAndSet,
    async run({ store, key, record }) {
      const k = key()
      await store.set(k, record({ version: 1 }))
      const attempts = Array.from({ length: 100 }, (_, i) => record({ version: 2, data: `w${i}` }))
      const results = await Promise.all(attempts.map((r) => store.set(k, r, { ifVersion: 1 })))
      assert.equal(results.filter(Boolean).length, 1)
      const winner = attempts[results.indexOf(true)]
      assert.deepEqual(await store.get(k), winner)
    },
  },
]
