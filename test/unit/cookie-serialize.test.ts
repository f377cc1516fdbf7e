/**
 * The session cookie's Set-Cookie value is byte-for-byte what the `cookie` package writes for the
 * same attributes, whichever path (cached attribute suffix or the package itself) builds it.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { serialize } from 'cookie'
import fc from 'fast-check'
import { type CookieAttributes, serializeSessionCookie } from '../../src/core/cookie.js'

function reference(a: CookieAttributes, value: string, secure: boolean, maxAgeMs?: number) {
  return serialize(a.name, value, {
    path: a.path,
    ...(a.domain === undefined ? {} : { domain: a.domain }),
    httpOnly: a.httpOnly,
    sameSite: a.sameSite,
    secure,
    ...(a.partitioned ? { partitioned: true } : {}),
    ...(maxAgeMs === undefined ? {} : { maxAge: Math.max(0, Math.floor(maxAgeMs / 1000)) }),
  })
}

const attributes = fc.record({
  name: fc.constantFrom('sid', '__Host-sid', 'app.session'),
  path: fc.constantFrom('/', '/app'),
  domain: fc.constantFrom(undefined, 'example.com'),
  httpOnly: fc.boolean(),
  sameSite: fc.constantFrom('lax' as const, 'strict' as const, 'none' as const),
  secure: fc.constantFrom('auto' as const, true, false),
  partitioned: fc.boolean(),
})

describe('session Set-Cookie serialization', () => {
  it('matches cookie.serialize for ids, signed ids and other values, with and without Max-Age', () => {
    const value = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9_-]{43}(\.[A-Za-z0-9_-]{43})?$/),
      fc.stringMatching(/^[ -~]{0,20}$/),
    )
    const maxAge = fc.option(fc.integer({ min: -5000, max: 10 ** 10 }), { nil: undefined })
    fc.assert(
      fc.property(attributes, value, fc.boolean(), maxAge, (a, v, secure, ms) => {
        assert.equal(serializeSessionCookie(a, v, secure, ms), reference(a, v, secure, ms))
      }),
    )
  })
})
