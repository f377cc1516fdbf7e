// The header-merging helpers of the node:http adapter, on a real ServerResponse (no socket I/O).
import assert from 'node:assert/strict'
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { describe, it } from 'node:test'
import { applyPlan, clearHeaders, moveWriteHeadHeaders } from '../../src/adapters/node-headers.js'
import type { ResponsePlan } from '../../src/core/types.js'

const response = (): ServerResponse => new ServerResponse(new IncomingMessage(new Socket()))
const plan = (overrides: Partial<ResponsePlan> = {}): ResponsePlan => ({
  setCookies: ['sid=abc; Path=/; HttpOnly; SameSite=Lax'],
  noStore: true,
  varyCookie: true,
  ...overrides,
})

describe('applyPlan', () => {
  it('appends the session cookie after the existing ones, once, however often it runs', () => {
    const res = response()
    res.setHeader('Set-Cookie', 'a=1')
    applyPlan(res, plan())
    applyPlan(res, plan())
    assert.deepEqual(res.getHeader('set-cookie'), [
      'a=1',
      'sid=abc; Path=/; HttpOnly; SameSite=Lax',
    ])
  })

  it('replaces a cacheable Cache-Control with no-store, and keeps one that has no-store', () => {
    const cacheable = response()
    cacheable.setHeader('Cache-Control', 'public, max-age=600')
    applyPlan(cacheable, plan())
    assert.equal(cacheable.getHeader('cache-control'), 'no-store')
    const already = response()
    already.setHeader('Cache-Control', 'private, No-Store')
    applyPlan(already, plan())
    assert.equal(already.getHeader('cache-control'), 'private, No-Store')
    const untouched = response()
    applyPlan(untouched, plan({ noStore: false, setCookies: [] }))
    assert.equal(untouched.getHeader('cache-control'), undefined)
  })

  it('adds Cookie to Vary unless present in any case, or Vary is *', () => {
    const cases: Array<[string | string[] | undefined, string | string[]]> = [
      [undefined, 'Cookie'],
      ['Accept-Encoding', 'Accept-Encoding, Cookie'],
      [['Accept', 'Origin'], 'Accept, Origin, Cookie'],
      ['accept, cookie', 'accept, cookie'],
      ['*', '*'],
    ]
    for (const [before, after] of cases) {
      const res = response()
      if (before !== undefined) res.setHeader('Vary', before)
      applyPlan(res, plan())
      assert.deepEqual(res.getHeader('vary'), after, String(before))
    }
  })
})

describe('moveWriteHeadHeaders', () => {
  it('takes an object, replacing earlier setHeader values as Node does', () => {
    const res = response()
    res.setHeader('Content-Type', 'text/html')
    assert.equal(moveWriteHeadHeaders(res, { 'content-type': 'text/plain', 'X-N': 5 }), true)
    assert.equal(res.getHeader('content-type'), 'text/plain')
    assert.equal(res.getHeader('x-n'), 5)
  })

  it('keeps every value of a name repeated in a flat array or in pairs', () => {
    const flat = response()
    assert.equal(moveWriteHeadHeaders(flat, ['Set-Cookie', 'a=1', 'set-cookie', 'b=2']), true)
    assert.deepEqual(flat.getHeader('set-cookie'), ['a=1', 'b=2'])
    const pairs = response()
    assert.equal(
      moveWriteHeadHeaders(pairs, [
        ['Set-Cookie', 'c=3'],
        ['Set-Cookie', ['d=4', 'e=5']],
      ]),
      true,
    )
    assert.deepEqual(pairs.getHeader('set-cookie'), ['c=3', 'd=4', 'e=5'])
  })

  it('leaves forms Node rejects to Node, touching nothing', () => {
    const res = response()
    assert.equal(moveWriteHeadHeaders(res, ['X-Odd', '1', 'X-Missing']), false)
    assert.equal(moveWriteHeadHeaders(res, 'nonsense'), false)
    assert.deepEqual(res.getHeaderNames(), [])
    assert.equal(moveWriteHeadHeaders(res, undefined), true)
  })
})

describe('clearHeaders', () => {
  it('removes every header', () => {
    const res = response()
    res.setHeader('Set-Cookie', ['a=1'])
    res.setHeader('Location', '/')
    clearHeaders(res)
    assert.deepEqual(res.getHeaderNames(), [])
  })
})
