// Properties of cookie reading (BI-03..06), ids and store keys (T-3.2.2), and CSRF tokens
// (BI-69, BI-71, BI-78).
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MAX_COOKIE_CANDIDATES, readCookieValues } from '../../src/core/cookie.js'
import {
  CSRF_TOKEN_LENGTH,
  generateCsrfSecret,
  maskCsrfToken,
  verifyCsrfToken,
} from '../../src/core/csrf.js'
import { generateId, isDefaultId, storeKey } from '../../src/core/ids.js'

const NAME = 'sid'
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const anyString = fc.string({ unit: 'binary', maxLength: 60 })

/** A cookie name: no ';' or '=', and no leading whitespace (which the reader skips, RFC 6265). */
const cookieName = fc
  .oneof(
    fc.constantFrom(NAME, 'SID', 'sid2', ' sid', 'sid ', 'xsid', '__Host-sid', 's', ''),
    anyString,
  )
  .map((n) => n.replace(/[;=]/g, '').replace(/^[ \t]+/, ''))
/** A cookie value without ';'. */
const cookieValue = anyString.map((v) => v.replaceAll(';', ''))
const pairs = fc.array(fc.tuple(cookieName, cookieValue), { maxLength: 8 })
const separator = fc.constantFrom(';', '; ', ';\t', ';  ')

function header(list: ReadonlyArray<readonly [string, string]>, seps: readonly string[]): string {
  return list
    .map(([n, v], i) => `${i === 0 ? '' : (seps[i % seps.length] ?? '; ')}${n}=${v}`)
    .join('')
}

describe('readCookieValues (properties)', () => {
  it('never throws for any header string and returns at most MAX_COOKIE_CANDIDATES + 1 values', () => {
    fc.assert(
      fc.property(fc.option(fc.string({ unit: 'binary' }), { nil: undefined }), (h) => {
        const values = readCookieValues(h, NAME)
        assert.ok(Array.isArray(values))
        assert.ok(values.length <= MAX_COOKIE_CANDIDATES + 1)
      }),
      { numRuns: 2000 },
    )
  })

  it('returns exactly the values of pairs named exactly "sid", in order', () => {
    fc.assert(
      fc.property(pairs, fc.array(separator, { minLength: 1 }), (list, seps) => {
        const expected = list.filter(([n]) => n === NAME).map(([, v]) => v)
        assert.deepEqual(
          readCookieValues(header(list, seps), NAME),
          expected.slice(0, MAX_COOKIE_CANDIDATES + 1),
        )
      }),
      { numRuns: 2000 },
    )
  })

  it('is unaffected by inserting pairs with other names anywhere', () => {
    fc.assert(
      fc.property(
        pairs,
        fc.array(
          fc.tuple(
            fc.nat(),
            cookieName.filter((n) => n !== NAME),
            cookieValue,
          ),
          {
            maxLength: 5,
          },
        ),
        (list, extra) => {
          const mixed = [...list]
          for (const [at, n, v] of extra) mixed.splice(at % (mixed.length + 1), 0, [n, v])
          assert.deepEqual(
            readCookieValues(header(mixed, ['; ']), NAME),
            readCookieValues(header(list, ['; ']), NAME),
          )
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('a ";" inside another cookie\'s value ends that pair and never hides or forges the real pair', () => {
    // Other values may contain ';' as long as no piece after a ';' itself starts a 'sid=' pair.
    const otherValue = anyString.filter((v) =>
      v
        .split(';')
        .slice(1)
        .every((piece) => !piece.replace(/^[ \t]+/, '').startsWith(`${NAME}=`)),
    )
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            cookieName.filter((n) => n !== NAME),
            otherValue,
          ),
          { maxLength: 4 },
        ),
        cookieValue,
        fc.nat(),
        (others, value, at) => {
          const list: Array<[string, string]> = others.map(([n, v]) => [n, v])
          list.splice(at % (list.length + 1), 0, [NAME, value])
          assert.deepEqual(readCookieValues(header(list, ['; ']), NAME), [value])
        },
      ),
      { numRuns: 1000 },
    )
    assert.deepEqual(readCookieValues('a="x;y"; sid=real', NAME), ['real'])
    assert.deepEqual(readCookieValues('a=x;sid=forged"; sid=real', NAME), ['forged"', 'real'])
  })

  it('matches names byte for byte: no decoding, no case folding (BI-04/05)', () => {
    assert.deepEqual(readCookieValues('SID=a; s%69d=b; "sid"=c; sid =d', NAME), [])
    assert.deepEqual(readCookieValues('sid=%41', NAME), ['%41'], 'values are not decoded')
    assert.deepEqual(readCookieValues('  sid=a', NAME), ['a'], 'leading whitespace is skipped')
    assert.deepEqual(readCookieValues('sid=a=b', NAME), ['a=b'])
    assert.deepEqual(readCookieValues('sid', NAME), [])
    assert.deepEqual(readCookieValues('', NAME), [])
  })
})

describe('ids and store keys (T-3.2.2)', () => {
  it('10,000 generated ids are unique and match /^[A-Za-z0-9_-]{43}$/', () => {
    const ids = new Set<string>()
    for (let i = 0; i < 10_000; i++) {
      const id = generateId()
      assert.match(id, /^[A-Za-z0-9_-]{43}$/)
      ids.add(id)
    }
    assert.equal(ids.size, 10_000)
  })

  it('isDefaultId accepts exactly 43 base64url characters', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 50 }),
          fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 41, maxLength: 45 }),
          fc.string({
            unit: fc.constantFrom(...`${BASE64URL}+/=.% `),
            minLength: 43,
            maxLength: 43,
          }),
        ),
        (candidate) => {
          assert.equal(isDefaultId(candidate), /^[A-Za-z0-9_-]{43}$/.test(candidate))
        },
      ),
      { numRuns: 3000 },
    )
    for (let i = 0; i < 100; i++) assert.equal(isDefaultId(generateId()), true)
    assert.equal(isDefaultId(`${'A'.repeat(43)}\n`), false)
  })

  it('storeKey is 43-char base64url of SHA-256(id), deterministic, and distinct per id', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 43, maxLength: 43 }),
        fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 43, maxLength: 43 }),
        (a, b) => {
          const key = storeKey(a)
          assert.match(key, /^[A-Za-z0-9_-]{43}$/)
          assert.equal(storeKey(a), key)
          assert.equal(key, createHash('sha256').update(a).digest('base64url'))
          assert.notEqual(key, a, 'a key is never the id itself')
          if (a !== b) assert.notEqual(storeKey(b), key)
        },
      ),
    )
  })
})

describe('CSRF tokens (BI-69, BI-71, BI-78)', () => {
  it('maskCsrfToken gives a different 86-char base64url token on every call, each of which verifies', () => {
    const secret = generateCsrfSecret()
    const tokens = new Set<string>()
    for (let i = 0; i < 1000; i++) {
      const token = maskCsrfToken(secret)
      assert.equal(token.length, CSRF_TOKEN_LENGTH)
      assert.equal(CSRF_TOKEN_LENGTH, 86)
      assert.match(token, /^[A-Za-z0-9_-]{86}$/)
      assert.equal(verifyCsrfToken(secret, token), true)
      assert.equal(token.includes(secret), false, 'the secret is never visible in the token')
      tokens.add(token)
    }
    assert.equal(tokens.size, 1000)
  })

  it('verifyCsrfToken never throws, for any input', () => {
    const secret = generateCsrfSecret()
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true }), (candidate) => {
        assert.equal(typeof verifyCsrfToken(secret, candidate), 'boolean')
      }),
      { numRuns: 2000 },
    )
    for (const candidate of [
      undefined,
      null,
      '',
      ' ',
      'undefined',
      'a'.repeat(1_000_000),
      'é'.repeat(86),
      '\uD800'.repeat(86),
      ['x'],
      { toString: () => maskCsrfToken(secret) },
    ]) {
      assert.equal(verifyCsrfToken(secret, candidate), false)
    }
  })

  it('rejects any single-character change of a valid token', () => {
    const secret = generateCsrfSecret()
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: CSRF_TOKEN_LENGTH - 1 }),
        fc.constantFrom(...BASE64URL, '+', '/', '=', ' ', '.'),
        (index, replacement) => {
          const token = maskCsrfToken(secret)
          fc.pre(token[index] !== replacement)
          const changed = token.slice(0, index) + replacement + token.slice(index + 1)
          assert.equal(verifyCsrfToken(secret, changed), false, `changed at ${index}`)
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('rejects truncated, extended and padded tokens', () => {
    const secret = generateCsrfSecret()
    const token = maskCsrfToken(secret)
    for (let length = 0; length < token.length; length++) {
      assert.equal(verifyCsrfToken(secret, token.slice(0, length)), false)
    }
    assert.equal(verifyCsrfToken(secret, `${token}A`), false)
    assert.equal(verifyCsrfToken(secret, `${token}==`), false)
    assert.equal(verifyCsrfToken(secret, ` ${token}`), false)
  })

  it("a token from another session's secret fails", () => {
    fc.assert(
      fc.property(fc.constant(null), () => {
        const mine = generateCsrfSecret()
        const theirs = generateCsrfSecret()
        assert.equal(verifyCsrfToken(mine, maskCsrfToken(theirs)), false)
      }),
      { numRuns: 500 },
    )
  })
})
