// The encoded payload leaves out empty flash (`f`), ttl (`x`) and segment (`s`) tables, and
// still loads records written with them (as every earlier release wrote them).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { SessionRecord } from '../../src/core/store.js'
import { envelope, rawRecord, setup } from './helpers.js'

function payloadOf(record: SessionRecord | null): Record<string, unknown> {
  assert.ok(record !== null, 'the session is stored')
  assert.ok(record.data.startsWith('sk1:json:'), 'a plaintext JSON envelope')
  return JSON.parse(record.data.slice('sk1:json:'.length)) as Record<string, unknown>
}

describe('session payload encoding', () => {
  it('writes no empty f, x or s tables, and keeps the o tag', async () => {
    const h = setup()
    const b = h.browser()
    const { session } = await b.request((s) => s.set('views', 1))
    const handle = session.handle as string
    assert.deepEqual(payloadOf(await h.memory.get(handle)), {
      v: 1,
      r: { d: { views: 1 } },
      o: handle.slice(0, 16),
    })
  })

  it('writes the tables that hold something, and reads them back', async () => {
    const h = setup()
    const b = h.browser()
    const { session } = await b.request((s) => {
      s.flash('msg', 'saved')
      s.set('code', 7, { ttl: '1m' })
      s.segment('cart').set('items', 2)
      s.segment('empty').set('gone', 1)
      s.segment('empty').forget('gone')
    })
    const payload = payloadOf(await h.memory.get(session.handle as string))
    const root = payload.r as Record<string, unknown>
    assert.deepEqual(Object.keys(root).sort(), ['d', 'f', 'x'])
    const segments = payload.s as Record<string, Record<string, unknown>>
    assert.deepEqual(segments.cart, { d: { items: 2 } })
    const next = await b.request((s) => [
      s.getFlash('msg'),
      s.get('code'),
      s.segment('cart').get('items'),
    ])
    assert.deepEqual(next.result, ['saved', 7, 2])
  })

  it('loads a record written with empty f, x and s tables (the earlier format)', async () => {
    const h = setup()
    const b = h.browser()
    const { session } = await b.request((s) => s.set('seed', true))
    const handle = session.handle as string
    const old = {
      v: 1,
      r: { d: { views: 3 }, f: {}, x: {} },
      s: { cart: { d: { items: 1 }, f: {}, x: {} } },
      o: handle.slice(0, 16),
    }
    await h.memory.set(handle, rawRecord(envelope(old), h.clock.now(), { version: 5 }))
    const read = await b.request((s) => {
      s.increment('views')
      return [s.get('views'), s.segment('cart').get('items'), s.get('seed')]
    })
    assert.deepEqual(read.result, [4, 1, undefined])
    assert.equal(read.session.id, session.id, 'the same session, not a fresh one')
  })

  it('still rejects tables of the wrong type (null is not "absent")', async () => {
    const h = setup()
    const b = h.browser()
    const { session } = await b.request((s) => s.set('seed', true))
    const handle = session.handle as string
    const o = handle.slice(0, 16)
    for (const bad of [
      { v: 1, r: { d: {}, f: null }, o },
      { v: 1, r: { d: {}, x: null }, o },
      { v: 1, r: { d: {} }, s: null, o },
      { v: 1, r: { d: {} }, s: { a: { d: {}, f: [] } }, o },
      { v: 1, r: { f: {} }, o },
    ]) {
      await h.memory.set(handle, rawRecord(envelope(bad), h.clock.now()))
      const { session: reopened } = await b.request(() => {})
      assert.equal(reopened.id, null, `rejected: ${JSON.stringify(bad)}`)
      b.cookie = session.id as string
    }
  })
})
