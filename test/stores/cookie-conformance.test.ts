// The cookie store's records make a round trip through the browser: sealed, compressed, split
// into chunk cookies, sent back in a Cookie header, joined and opened. The conformance subset its
// capabilities declare (records, expiry, touch) runs over that round trip, one simulated browser
// per key; properties check the codec and the chunking directly.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { chunkName, maxChunks, readChunks, splitChunks } from '../../src/core/cookie-chunks.js'
import { openSession, sealSession } from '../../src/core/cookie-seal.js'
import { importKeyRing, type KeyRing } from '../../src/core/keys.js'
import type { SessionRecord, Store } from '../../src/core/store.js'
import { createCookieStore } from '../../src/stores/cookie.js'
import { describeStoreConformance } from '../../src/testing/index.js'
import { manualClock } from './clock.js'
import { KEY_A, KEY_B } from './cookie-helpers.js'

const NAME = 'sid'
const BUDGET = 65_536
const clock = manualClock()
const ring = importKeyRing([KEY_A, KEY_B], 'keys', []) as KeyRing
const newerRing = importKeyRing([KEY_B, KEY_A], 'keys', []) as KeyRing

/** What a browser sends back after a response set `values` as chunk cookies. */
function cookieHeader(values: readonly string[]): string {
  return values.map((value, index) => `${chunkName(NAME, index)}=${value}`).join('; ')
}

function roundTripStore(): Store {
  const browsers = new Map<string, string>()
  const open = (key: string): SessionRecord | null => {
    const read = readChunks(browsers.get(key), NAME, maxChunks(NAME, BUDGET))
    if (read.kind !== 'value') return null
    const opened = openSession(ring, NAME, read.value, 10 * BUDGET)
    return opened !== null && opened.record.expiresAt > clock.now() ? opened.record : null
  }
  const store: Store = {
    capabilities: createCookieStore({ keys: KEY_A }).capabilities,
    async get(key) {
      return open(key)
    },
    async set(key, record) {
      const sealed = sealSession(ring, NAME, { id: key, record: structuredClone(record) })
      browsers.set(key, cookieHeader(splitChunks(NAME, sealed, BUDGET)))
      return true
    },
    async touch(key, expiresAt, lastSeenAt) {
      const record = open(key)
      if (record === null) return
      const meta = { ...(record.meta ?? { createdAt: lastSeenAt }), lastSeenAt }
      await store.set(key, { ...record, expiresAt, meta })
    },
    async destroy(key) {
      browsers.delete(key)
    },
  }
  return store
}

describeStoreConformance(roundTripStore, { name: 'cookie store round trip conformance', clock })

const recordArbitrary: fc.Arbitrary<SessionRecord> = fc.record(
  {
    data: fc.string({ unit: 'binary', maxLength: 3000 }),
    version: fc.integer({ min: 1, max: 2 ** 40 }),
    expiresAt: fc.integer({ min: 0, max: 2 ** 45 }),
    userId: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
    meta: fc.record(
      {
        createdAt: fc.integer({ min: 0, max: 2 ** 45 }),
        lastSeenAt: fc.integer({ min: 0, max: 2 ** 45 }),
        ip: fc.ipV6(),
        userAgent: fc.string({ maxLength: 100 }),
      },
      { requiredKeys: ['createdAt', 'lastSeenAt'] },
    ),
  },
  { requiredKeys: ['data', 'version', 'expiresAt'] },
)

describe('cookie store codec properties', () => {
  it('seal → split → header → join → open returns the same session, under any key of the ring', () => {
    fc.assert(
      fc.property(
        recordArbitrary,
        fc.base64String({ minLength: 44, maxLength: 44 }),
        (record, id) => {
          const sealed = sealSession(newerRing, NAME, { id, record, stamp: 5 })
          const read = readChunks(
            cookieHeader(splitChunks(NAME, sealed, BUDGET)),
            NAME,
            maxChunks(NAME, BUDGET),
          )
          assert.equal(read.kind, 'value')
          const opened = openSession(ring, NAME, (read as { value: string }).value, 10 * BUDGET)
          assert.deepEqual(opened, {
            id,
            record: structuredClone(record),
            stamp: 5,
            staleKey: true,
          })
        },
      ),
      { numRuns: 150 },
    )
  })

  it('any one-character edit of a sealed value fails to open', () => {
    const sealed = sealSession(ring, NAME, {
      id: 'x'.repeat(43),
      record: { data: 'payload', version: 1, expiresAt: 1 },
    })
    fc.assert(
      fc.property(
        fc.nat({ max: sealed.length - 1 }),
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ .'),
        (index, replacement) => {
          const edited = sealed.slice(0, index) + replacement + sealed.slice(index + 1)
          fc.pre(edited !== sealed)
          assert.equal(openSession(ring, NAME, edited, BUDGET), null)
        },
      ),
      { numRuns: 400 },
    )
  })

  it('chunks: every cookie stays under 4000 bytes, the total within the budget, and joining restores the value', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{1,20000}$/),
        fc.constantFrom('sid', '__Host-session', 'a'),
        fc.integer({ min: 1024, max: BUDGET }),
        (value, name, budget) => {
          let values: string[]
          try {
            values = splitChunks(name, value, budget)
          } catch (error) {
            assert.equal((error as Error).name, 'SessionTooLarge')
            assert.ok(value.length > budget - 2 * name.length, 'refused only when it cannot fit')
            return
          }
          let total = 0
          values.forEach((chunk, index) => {
            const bytes = chunkName(name, index).length + 1 + chunk.length
            assert.ok(bytes <= 4000, `chunk ${index} is ${bytes} bytes`)
            total += bytes
          })
          assert.ok(total <= budget, `total ${total} over ${budget}`)
          const header = values
            .map((chunk, index) => `${chunkName(name, index)}=${chunk}`)
            .join('; ')
          const read = readChunks(header, name, maxChunks(name, budget))
          assert.deepEqual(read, { kind: 'value', value, count: values.length })
        },
      ),
      { numRuns: 200 },
    )
  })
})
