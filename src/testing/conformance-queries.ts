/**
 * Conformance cases for queries over many records: the user index, scans and gc.
 */
import assert from 'node:assert/strict'
import type { SessionRecord, Store } from '../core/store.js'
import { type ConformanceCase, collect, needs, sortedKeys } from './conformance-kit.js'

/** Every live record of a scan that pages by `limit`, following the last key as the cursor. */
async function scanPages(store: Store, limit: number): Promise<Array<[string, SessionRecord]>> {
  const scan = store.scan?.bind(store) as NonNullable<Store['scan']>
  const all: Array<[string, SessionRecord]> = []
  let cursor: string | undefined
  for (let pages = 0; pages < 1000; pages++) {
    const page = await collect(scan(cursor === undefined ? { limit } : { cursor, limit }))
    assert.ok(page.length <= limit, `a page holds at most ${limit} records`)
    all.push(...page)
    const last = page.at(-1)
    if (last === undefined) return all
    cursor = last[0]
  }
  assert.fail('scan did not finish within 1000 pages')
}

/** Cases for the user index, scans and gc. */
export const queryCases: ConformanceCase[] = [
  {
    group: 'userIndex',
    title: "listByUser lists only that user's live records",
    requires: needs.userIndex,
    async run({ store, key, record, now }) {
      const mine = new Map([key(), key()].map((k) => [k, record({ userId: 'alice', data: k })]))
      for (const [k, r] of mine) await store.set(k, r)
      await store.set(key(), record({ userId: 'bob' }))
      await store.set(key(), record())
      await store.set(key(), record({ userId: 'alice', expiresAt: now() - 1 }))
      const gone = key()
      await store.set(gone, record({ userId: 'alice' }))
      await store.destroy(gone)
      const listed = (await store.listByUser?.('alice')) ?? []
      assert.deepEqual(sortedKeys(listed), [...mine.keys()].sort())
      for (const [k, r] of listed) assert.deepEqual(r, mine.get(k))
      assert.deepEqual(await store.listByUser?.('nobody'), [])
    },
  },
  {
    group: 'userIndex',
    title: 're-setting a record under another user or none moves it out of the index',
    requires: needs.userIndex,
    async run({ store, key, record }) {
      const moved = key()
      const unbound = key()
      await store.set(moved, record({ userId: 'alice' }))
      await store.set(unbound, record({ userId: 'alice' }))
      await store.set(moved, record({ userId: 'bob' }))
      await store.set(unbound, record())
      assert.deepEqual(await store.listByUser?.('alice'), [])
      assert.deepEqual(sortedKeys((await store.listByUser?.('bob')) ?? []), [moved])
    },
  },
  {
    group: 'userIndex',
    title: "destroyByUser destroys the user's records except the kept ones and counts them",
    requires: needs.userIndex,
    async run({ store, key, record }) {
      const keys = [key(), key(), key(), key()]
      for (const k of keys) await store.set(k, record({ userId: 'alice' }))
      const bob = key()
      await store.set(bob, record({ userId: 'bob' }))
      const [keepA, keepB, dropA, dropB] = keys as [string, string, string, string]
      assert.equal(await store.destroyByUser?.('alice', [keepA, keepB, key()]), 2)
      assert.equal(await store.get(dropA), null)
      assert.equal(await store.get(dropB), null)
      assert.notEqual(await store.get(keepA), null)
      assert.deepEqual(sortedKeys((await store.listByUser?.('alice')) ?? []), [keepA, keepB].sort())
      assert.notEqual(await store.get(bob), null)
      assert.equal(await store.destroyByUser?.('alice'), 2)
      assert.equal(await store.destroyByUser?.('nobody'), 0)
    },
  },
  {
    group: 'scan',
    title: 'scan yields every live record exactly once across pages (limit 2, following cursors)',
    requires: needs.scan,
    async run({ store, key, record, now }) {
      const live = new Map(Array.from({ length: 7 }, (_, i) => [key(), record({ data: `r${i}` })]))
      for (const [k, r] of live) await store.set(k, r)
      await store.set(key(), record({ expiresAt: now() - 1 }))
      const gone = key()
      await store.set(gone, record())
      await store.destroy(gone)
      const pairs = await scanPages(store, 2)
      assert.deepEqual(sortedKeys(pairs), [...live.keys()].sort())
      for (const [k, r] of pairs) assert.deepEqual(r, live.get(k))
    },
  },
  {
    group: 'scan',
    title: 'scan without options yields every live record once',
    requires: needs.scan,
    async run({ store, key, record }) {
      const live = Array.from({ length: 5 }, () => key())
      for (const k of live) await store.set(k, record())
      const pairs = await collect((store.scan as NonNullable<Store['scan']>).call(store))
      assert.deepEqual(sortedKeys(pairs), [...live].sort())
    },
  },
  {
    group: 'gc',
    title: 'gc deletes expired records, resolves their count and keeps live ones',
    requires: needs.gc,
    async run({ store, key, record, now }) {
      const live = [key(), key(), key()]
      for (const k of live) await store.set(k, record())
      for (let i = 0; i < 4; i++) await store.set(key(), record({ expiresAt: now() - 1 - i }))
      assert.equal(await store.gc?.(), 4)
      assert.equal(await store.gc?.(), 0)
      for (const k of live) assert.notEqual(await store.get(k), null)
    },
  },
  {
    group: 'gc',
    title: 'gc follows expiry moved later by touch or set, and earlier by set',
    requires: needs.gc,
    clock: true,
    async run({ store, key, record, now, advance }) {
      const touched = key()
      const later = key()
      const earlier = key()
      await store.set(touched, record({ expiresAt: now() + 1000 }))
      await store.set(later, record({ expiresAt: now() + 1000 }))
      await store.set(earlier, record({ expiresAt: now() + 9000 }))
      await store.touch(touched, now() + 5000, now())
      await store.set(later, record({ expiresAt: now() + 5000 }))
      await store.set(earlier, record({ expiresAt: now() + 1500 }))
      advance(2000)
      assert.equal(await store.gc?.(), 1)
      assert.equal(await store.get(earlier), null)
      assert.notEqual(await store.get(touched), null)
      assert.notEqual(await store.get(later), null)
      advance(3000)
      assert.equal(await store.gc?.(), 2)
    },
  },
]
