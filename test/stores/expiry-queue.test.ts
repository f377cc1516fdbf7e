import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ExpiryQueue } from '../../src/stores/expiry-queue.js'

// A map of key → expiry driven through the queue the way the memory store drives it.
function harness(width: number) {
  const items = new Map<string, number>()
  const queue = new ExpiryQueue((key) => items.get(key), width)
  return {
    items,
    queue,
    set(key: string, expiresAt: number) {
      const previous = items.get(key)
      items.set(key, expiresAt)
      queue.schedule(key, expiresAt, previous)
    },
    collect(now: number): string[] {
      const removed: string[] = []
      const count = queue.collect(now, (key) => {
        removed.push(key)
        items.delete(key)
      })
      assert.equal(count, removed.length, 'the count is the number of keys removed')
      return removed.sort()
    },
  }
}

describe('expiry queue (time buckets)', () => {
  it('collects exactly the expired keys under random sets, deletes and clock moves', () => {
    const keys = ['a', 'b', 'c', 'd', 'e']
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        key: fc.constantFrom(...keys),
        ttl: fc.integer({ min: -5, max: 40 }),
      }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...keys) }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constant('collect' as const) }),
      fc.record({ kind: fc.constant('rebuild' as const) }),
    )
    fc.assert(
      fc.property(fc.constantFrom(1, 3, 8, 1000), fc.array(op, { maxLength: 80 }), (width, ops) => {
        const h = harness(width)
        let now = 0
        for (const o of ops) {
          if (o.kind === 'set') h.set(o.key, now + o.ttl)
          else if (o.kind === 'delete') h.items.delete(o.key)
          else if (o.kind === 'advance') now += o.ms
          else if (o.kind === 'rebuild') h.queue.rebuild(h.items)
          else {
            const due = [...h.items].filter(([, at]) => at <= now).map(([key]) => key)
            assert.deepEqual(h.collect(now), due.sort())
          }
        }
        assert.ok(h.queue.filed >= h.items.size, 'every live key stays filed')
      }),
      { numRuns: 1000 },
    )
  })

  it('sweeps the current bucket in place: a later key stays until it expires', () => {
    const h = harness(1000)
    h.set('early', 5100)
    h.set('late', 5900)
    assert.deepEqual(h.collect(5100), ['early'])
    assert.deepEqual(h.collect(5500), [])
    h.set('moved', 5300)
    assert.deepEqual(h.collect(5400), ['moved'], 'a key filed after the sweep is seen')
    h.set('late', 5200)
    assert.deepEqual(h.collect(5450), ['late'], 'an expiry moved earlier within the bucket is seen')
  })

  it('re-files a key whose expiry moved later, and drops filings of removed keys', () => {
    const h = harness(10)
    h.set('k', 15)
    h.set('k', 95)
    h.set('gone', 15)
    h.items.delete('gone')
    assert.deepEqual(h.collect(50), [])
    assert.equal(h.queue.filed, 1, 'only k, re-filed for 95')
    assert.deepEqual(h.collect(95), ['k'])
    assert.equal(h.queue.filed, 0)
  })
})
