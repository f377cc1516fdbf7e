// The Fetch adapters cut the path and query out of `Request.url` by hand: the same string as
// `pathname + search` of `new URL`, for every URL a Request can carry.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { pathAndQuery } from '../../src/adapters/web-context.js'

function viaUrl(url: string): string {
  const parsed = new URL(url)
  return `${parsed.pathname}${parsed.search}`
}

describe('pathAndQuery (web adapters)', () => {
  it('equals new URL pathname + search on edge cases', () => {
    for (const raw of [
      'http://a.example',
      'http://a.example/b?',
      'http://a.example/b?#frag',
      'http://a.example/b?a=?',
      'http://a.example/b?a=1#x?y',
      'http://a.example/#only-fragment',
      'https://h.example:8443/x/y?z=1&w=%20#w',
      'http://[::1]:3000/p?q',
      'HTTP://A.EXAMPLE/./a/../b?x',
    ]) {
      const url = new Request(raw).url
      assert.equal(pathAndQuery(url), viaUrl(url), raw)
    }
  })

  it('equals new URL pathname + search on generated URLs', () => {
    fc.assert(
      fc.property(
        fc.webUrl({
          validSchemes: ['http', 'https'],
          withQueryParameters: true,
          withFragments: true,
        }),
        (raw) => {
          const url = new Request(raw).url
          assert.equal(pathAndQuery(url), viaUrl(url), url)
        },
      ),
      { numRuns: 2000 },
    )
  })
})
