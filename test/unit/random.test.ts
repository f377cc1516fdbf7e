// The pooled CSPRNG behind ids, CSRF secrets and masks, and every nonce and salt (T-3.2.2): no
// byte is handed out twice, refills happen before the pool runs dry, and bad sizes are refused.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { generateId } from '../../src/core/ids.js'
import { RANDOM_POOL_BYTES, randomBase64url, randomBytesPooled } from '../../src/core/random.js'

const BASE64URL = /^[A-Za-z0-9_-]*$/

describe('pooled randomness', () => {
  it('never repeats a 16-byte draw across many refills, whatever the mix of sizes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 16, max: 700 }), { minLength: 20, maxLength: 60 }),
        (sizes) => {
          const seen = new Set<string>()
          for (const size of sizes) {
            const value = randomBytesPooled(size)
            assert.equal(value.length, size, 'a draw has the requested length')
            const head = value.subarray(0, 16).toString('hex')
            assert.ok(!seen.has(head), `a ${size}-byte draw repeated an earlier one`)
            seen.add(head)
          }
        },
      ),
      { numRuns: 50 },
    )
  })

  it('hands out distinct ids over ten pool refills', () => {
    const count = Math.ceil((10 * RANDOM_POOL_BYTES) / 32) + 7
    const ids = new Set<string>()
    for (let i = 0; i < count; i++) ids.add(generateId())
    assert.equal(ids.size, count, 'every generated id is new')
  })

  it('gives base64url of the requested number of bytes', () => {
    for (const size of [1, 2, 3, 12, 24, 32, 33, RANDOM_POOL_BYTES]) {
      const text = randomBase64url(size)
      assert.match(text, BASE64URL, `${size} bytes encode as base64url`)
      assert.equal(Buffer.from(text, 'base64url').length, size, `${size} bytes decode back`)
    }
  })

  it('returns buffers that later draws and refills never overwrite', () => {
    const drawn = randomBytesPooled(32)
    const copy = Buffer.from(drawn)
    for (let i = 0; i < 3; i++) randomBytesPooled(RANDOM_POOL_BYTES)
    assert.deepEqual(drawn, copy, 'a drawn buffer is not a view of the pool')
  })

  it('spreads byte values over 0..255 (a stuck or unfilled pool fails)', () => {
    const counts = new Array<number>(256).fill(0)
    for (let i = 0; i < 64; i++) {
      for (const byte of randomBytesPooled(1024)) counts[byte] = (counts[byte] ?? 0) + 1
    }
    // 65,536 bytes: 256 expected per value; a fair source lands far inside these bounds.
    const low = Math.min(...counts)
    const high = Math.max(...counts)
    assert.ok(low > 150 && high < 380, `byte counts ${low}..${high} look uniform`)
  })

  it('refuses sizes it cannot serve', () => {
    for (const size of [0, -1, 1.5, Number.NaN, RANDOM_POOL_BYTES + 1]) {
      assert.throws(() => randomBytesPooled(size), RangeError, `size ${size} is refused`)
      assert.throws(() => randomBase64url(size), RangeError, `size ${size} is refused`)
    }
  })
})
