/**
 * Conformance cases for reading and writing records: round-trips, copies, expiry and touch.
 */
import assert from 'node:assert/strict'
import type { SessionRecord } from '../core/store.js'
import { type ConformanceCase, HOUR } from './conformance-kit.js'

/** Cases for records: round-trips, copies, expiry and touch. */
export const recordCases: ConformanceCase[] = [
  {
    group: 'records',
    title: 'get of a missing key resolves null',
    async run({ store, key }) {
      assert.equal(await store.get(key()), null)
    },
  },
  {
    group: 'records',
    title: 'set then get round-trips every field (unicode, NUL, 64 KiB data, meta)',
    async run({ store, key, now }) {
      const k = key()
      const record: SessionRecord = {
        data: `v1.json.{"name":"Zoë 日本 🎉","nul":"a\u0000b"}${'x'.repeat(64 * 1024)}`,
        version: 7,
        expiresAt: now() + HOUR,
        userId: 'user-ü-42',
        movedTo: 'sealed.new-id',
        meta: {
          createdAt: now() - 5000,
          lastSeenAt: now() - 1000,
          ip: '2001:db8::1',
          userAgent: 'Mozilla/5.0 (X11; Linux) "quoted" ☃',
        },
      }
      assert.equal(await store.set(k, record), true)
      assert.deepEqual(await store.get(k), record)
    },
  },
  {
    group: 'records',
    title: 'a record without optional fields comes back without them',
    async run({ store, key, now }) {
      const k = key()
      const record: SessionRecord = { data: 'd', version: 1, expiresAt: now() + HOUR }
      await store.set(k, record)
      assert.deepEqual(await store.get(k), record)
    },
  },
  {
    group: 'records',
    title: 'returned records are copies: mutating them or the written record changes nothing',
    async run({ store, key, record }) {
      const k = key()
      const written = record({ userId: 'u1' })
      const expected = structuredClone(written)
      await store.set(k, written)
      written.data = 'changed'
      ;(written.meta as NonNullable<SessionRecord['meta']>).ip = '6.6.6.6'
      const first = (await store.get(k)) as SessionRecord
      first.version = 99
      first.userId = 'mallory'
      ;(first.meta as NonNullable<SessionRecord['meta']>).lastSeenAt = 0
      assert.deepEqual(await store.get(k), expected)
    },
  },
  {
    group: 'records',
    title: 'an unconditional set overwrites, even with a lower version',
    async run({ store, key, record }) {
      const k = key()
      await store.set(k, record({ version: 5, data: 'old' }))
      const next = record({ version: 2, data: 'new' })
      assert.equal(await store.set(k, next), true)
      assert.deepEqual(await store.get(k), next)
    },
  },
  {
    group: 'records',
    title: 'destroy removes the record; destroying a missing key resolves',
    async run({ store, key, record }) {
      const k = key()
      await store.set(k, record())
      await store.destroy(k)
      assert.equal(await store.get(k), null)
      await store.destroy(k)
      await store.destroy(key())
    },
  },
  {
    group: 'records',
    title: 'keys are opaque and exact: keys differing only in letter case do not collide',
    async run({ store, key, record }) {
      const lower = `a${key().slice(1)}`
      const upper = `A${lower.slice(1)}`
      await store.set(lower, record({ data: 'lower' }))
      await store.set(upper, record({ data: 'upper' }))
      assert.equal((await store.get(lower))?.data, 'lower')
      assert.equal((await store.get(upper))?.data, 'upper')
      assert.equal(await store.get(lower.slice(0, 42)), null)
    },
  },
  {
    group: 'records',
    title: 'capabilities are declared and match the methods implemented',
    async run({ store }) {
      const c = store.capabilities
      for (const name of ['compareAndSet', 'nativeExpiry', 'lock', 'userIndex', 'scan'] as const) {
        assert.equal(typeof c[name], 'boolean', `capabilities.${name}`)
      }
      if (c.lock) assert.equal(typeof store.lock, 'function')
      if (c.userIndex) assert.equal(typeof store.listByUser, 'function')
      if (c.userIndex) assert.equal(typeof store.destroyByUser, 'function')
      if (c.scan) assert.equal(typeof store.scan, 'function')
    },
  },
  {
    group: 'expiry',
    title: 'a record written with expiresAt in the past is never returned',
    async run({ store, key, record, now }) {
      const k = key()
      await store.set(k, record({ expiresAt: now() - 1 }))
      assert.equal(await store.get(k), null)
    },
  },
  {
    group: 'expiry',
    title: 'a record is returned until the clock reaches expiresAt, then never',
    clock: true,
    async run({ store, key, record, now, advance }) {
      const k = key()
      await store.set(k, record({ expiresAt: now() + 1000 }))
      advance(999)
      assert.notEqual(await store.get(k), null)
      advance(1)
      assert.equal(await store.get(k), null)
    },
  },
  {
    group: 'touch',
    title: 'touch sets expiresAt and meta.lastSeenAt, keeping version, data and other meta',
    async run({ store, key, record, now }) {
      const k = key()
      const stored = record({
        version: 6,
        userId: 'u',
        meta: { createdAt: 1, lastSeenAt: 2, ip: '::1' },
      })
      await store.set(k, stored)
      const seen = now()
      const expiresAt = seen + 2 * HOUR
      await store.touch(k, expiresAt, seen)
      assert.deepEqual(await store.get(k), {
        ...stored,
        expiresAt,
        meta: { createdAt: 1, lastSeenAt: seen, ip: '::1' },
      })
    },
  },
  {
    group: 'touch',
    title: 'touch on a missing key is a no-op and creates nothing',
    async run({ store, key, now }) {
      const k = key()
      await store.touch(k, now() + HOUR, now())
      assert.equal(await store.get(k), null)
    },
  },
  {
    group: 'touch',
    title: 'touch does not resurrect an expired record',
    async run({ store, key, record, now }) {
      const k = key()
      await store.set(k, record({ expiresAt: now() - 1 }))
      await store.touch(k, now() + HOUR, now())
      assert.equal(await store.get(k), null)
    },
  },
  {
    group: 'touch',
    title: 'a touched record outlives its previous expiresAt',
    clock: true,
    async run({ store, key, record, now, advance }) {
      const k = key()
      await store.set(k, record({ expiresAt: now() + 1000 }))
      const expiresAt = now() + 5000
      await store.touch(k, expiresAt, now())
      advance(2000)
      assert.equal((await store.get(k))?.expiresAt, expiresAt)
    },
  },
]
