// The sealing shortcuts of the cookie store, each pinned to what it stands in for.
import assert from 'node:assert/strict'
import { createHmac, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { deflateRawSync } from 'node:zlib'
import {
  deflateWindowBits,
  messageKey,
  openSession,
  sealSession,
} from '../../src/core/cookie-seal.js'
import { importKeyRing } from '../../src/core/keys.js'
import { Browser, cookieSessions, KEY_A, KEY_B, visit } from './cookie-helpers.js'

const ring = importKeyRing(KEY_A, 'keys', []) ?? []
const session = (data: string) => ({
  id: 'A'.repeat(43),
  record: { data, version: 1, expiresAt: 9e12, meta: { createdAt: 1, lastSeenAt: 2 } },
})

describe('cookie seal: shortcuts equal what they replace', () => {
  it('the per-value key is HMAC-SHA-256 of the salt, per ring key, across rotations', () => {
    const older = importKeyRing(KEY_A, 'keys', []) ?? []
    const rotated = importKeyRing([KEY_B, KEY_A], 'keys', []) ?? []
    for (let round = 0; round < 3; round++) {
      for (const key of [...older, ...rotated]) {
        for (const salt of [randomBytes(16), Buffer.alloc(16), randomBytes(3), randomBytes(80)]) {
          const expected = createHmac('sha256', key.derive('cookie-store')).update(salt).digest()
          assert.ok(
            messageKey(key, salt).equals(expected),
            `HMAC of key ${key.id}, ${salt.length} B`,
          )
        }
      }
    }
    const salt = randomBytes(16)
    const [newest, previous] = rotated as [(typeof rotated)[0], (typeof rotated)[0]]
    assert.ok(!messageKey(newest, salt).equals(messageKey(previous, salt)), 'each key its own')
  })

  it('the narrowed deflate window gives the bytes of the default window', () => {
    for (const size of [200, 250, 262, 300, 511, 800, 2048, 4000, 9000, 20_000, 33_000]) {
      // A block repeated at the far end: a window too small to reach back would miss the match.
      const half = randomBytes(Math.ceil(size / 4))
        .toString('base64url')
        .slice(0, size / 2)
      const input = Buffer.from(`${half}${half}`.slice(0, size))
      const narrowed = deflateRawSync(input, { windowBits: deflateWindowBits(input.length) })
      assert.ok(narrowed.equals(deflateRawSync(input)), `same deflate output for ${size} bytes`)
    }
  })

  it('values sealed for one cookie name never open under another, in any order', () => {
    const forA = sealSession(ring, 'a', session('x'))
    const forB = sealSession(ring, 'b', session('y'))
    for (let round = 0; round < 2; round++) {
      assert.equal(openSession(ring, 'b', forA, 1e6), null, 'a value of cookie a under name b')
      assert.equal(openSession(ring, 'a', forA, 1e6)?.record.data, 'x', 'a value under its name')
      assert.equal(openSession(ring, 'a', forB, 1e6), null, 'a value of cookie b under name a')
      assert.equal(openSession(ring, 'b', forB, 1e6)?.record.data, 'y', 'b value under its name')
    }
  })

  it('chunk cookies carry the same attributes as the first, on every response', async () => {
    const { sessions } = cookieSessions()
    const browser = new Browser()
    // Incompressible data over one cookie's 4,000 bytes: two chunks.
    const blob = randomBytes(3600).toString('base64url')
    for (let request = 0; request < 2; request++) {
      const { setCookies } = await visit(sessions, browser, (s) =>
        s.set('blob', `${request}${blob}`),
      )
      assert.equal(setCookies.length, 2, 'two chunks')
      const [first, second] = setCookies as [string, string]
      const suffix = first.slice(first.indexOf(';'))
      assert.ok(second.startsWith('sid.1='), `second chunk named sid.1: ${second.slice(0, 10)}`)
      assert.equal(second.slice(second.indexOf(';')), suffix, 'same attributes as sid')
    }
  })
})
