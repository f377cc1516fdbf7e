// Flash messages across simulated requests (DESIGN "Flash"), plus a model-based property that
// compares random request sequences against a reference model of the documented rules.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { DataAccess, Session, SessionData } from '../../src/core/types.js'
import { setup } from './helpers.js'

describe('flash across requests', () => {
  it('flash → the next request reads it, the one after does not', async () => {
    const { browser } = setup()
    const b = browser()
    const now = await b.request((s) => {
      s.flash('msg', 'saved')
      return s.getFlash('msg')
    })
    assert.equal(now.result, undefined, 'a plain flash is not readable in its own request')
    assert.equal((await b.request((s) => s.getFlash('msg'))).result, 'saved')
    assert.equal((await b.request((s) => s.getFlash('msg', 'none'))).result, 'none')
  })

  it('flash with { now: true } is readable now and on the next request only', async () => {
    const { browser } = setup()
    const b = browser()
    const first = await b.request((s) => {
      s.flash('m', 1, { now: true })
      return s.getFlash('m')
    })
    assert.equal(first.result, 1)
    assert.equal((await b.request((s) => s.getFlash('m'))).result, 1)
    assert.equal((await b.request((s) => s.getFlash('m'))).result, undefined)
  })

  it('flashNow is readable in this request only', async () => {
    const { browser } = setup()
    const b = browser()
    const first = await b.request((s) => {
      s.flashNow('m', 'now')
      return [s.getFlash('m'), s.getFlashNext('m')]
    })
    assert.deepEqual(first.result, ['now', undefined])
    assert.equal((await b.request((s) => s.getFlash('m'))).result, undefined)
  })

  it('getFlashNext shows what the next request will see', async () => {
    const { browser } = setup()
    const b = browser()
    const first = await b.request((s) => {
      s.flash('a', 1)
      return [s.getFlashNext('a'), s.getFlashNext('b', 'fb')]
    })
    assert.deepEqual(first.result, [1, 'fb'])
    const second = await b.request((s) => [s.getFlash('a'), s.getFlashNext('a')])
    assert.deepEqual(second.result, [1, undefined])
  })

  it('keepFlash(keys) keeps only those keys for one more request', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      s.flash('a', 1)
      s.flash('b', 2)
    })
    await b.request((s) => s.keepFlash('a'))
    const third = await b.request((s) => [s.getFlash('a'), s.getFlash('b')])
    assert.deepEqual(third.result, [1, undefined])
    assert.equal((await b.request((s) => s.getFlash('a'))).result, undefined)
  })

  it('keepFlash() with no keys keeps all current values for one more request', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      s.flash('a', 1)
      s.flash('b', 2)
    })
    await b.request((s) => s.keepFlash())
    assert.deepEqual((await b.request((s) => [s.getFlash('a'), s.getFlash('b')])).result, [1, 2])
    assert.deepEqual((await b.request((s) => [s.getFlash('a'), s.getFlash('b')])).result, [
      undefined,
      undefined,
    ])
  })

  it('clearFlash drops current and next values', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => s.flash('old', 1))
    const second = await b.request((s) => {
      s.flash('new', 2)
      s.clearFlash()
      return [s.getFlash('old'), s.getFlashNext('new')]
    })
    assert.deepEqual(second.result, [undefined, undefined])
    assert.deepEqual((await b.request((s) => [s.getFlash('old'), s.getFlash('new')])).result, [
      undefined,
      undefined,
    ])
  })

  it('session-level keepFlash and clearFlash act on every segment', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      s.flash('r', 'root')
      s.segment('admin').flash('a', 'seg')
    })
    await b.request((s) => s.keepFlash())
    const kept = await b.request((s) => [s.getFlash('r'), s.segment('admin').getFlash('a')])
    assert.deepEqual(kept.result, ['root', 'seg'])

    await b.request((s) => {
      s.flash('r', 'root2')
      s.segment('admin').flash('a', 'seg2')
    })
    await b.request((s) => s.clearFlash())
    const cleared = await b.request((s) => [s.getFlash('r'), s.segment('admin').getFlash('a')])
    assert.deepEqual(cleared.result, [undefined, undefined])
  })

  it('segment flash is independent of root flash with the same key', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      s.flash('m', 'root')
      s.segment('cart').flash('m', 'cart')
    })
    const second = await b.request((s) => {
      const segment = s.segment('cart')
      const out = [s.getFlash('m'), segment.getFlash('m')]
      segment.clearFlash()
      return [...out, s.getFlash('m')]
    })
    assert.deepEqual(second.result, ['root', 'cart', 'root'])
  })

  it('flash ages only in a request that reads or writes flash: a data-only request does not eat it', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      s.set('x', 1)
      s.flash('msg', 'hello')
    })
    // A background request that touches only data (and writes some) between the two pages.
    await b.request((s) => s.get('x'))
    await b.request((s) => s.increment('x'))
    assert.equal((await b.request((s) => s.getFlash('msg'))).result, 'hello')
    assert.equal((await b.request((s) => s.getFlash('msg'))).result, undefined)
  })

  it('a request that reads root flash does not age segment flash', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      s.flash('r', 1)
      s.segment('seg').flash('s', 2)
    })
    assert.equal((await b.request((s) => s.getFlash('r'))).result, 1)
    assert.equal((await b.request((s) => s.segment('seg').getFlash('s'))).result, 2)
    assert.equal((await b.request((s) => s.segment('seg').getFlash('s'))).result, undefined)
  })

  it('falsy flash values (0, "", false, null) are kept and returned', async () => {
    const { browser } = setup()
    const b = browser()
    const values: Record<string, unknown> = { zero: 0, empty: '', no: false, nil: null }
    await b.request((s) => {
      for (const [k, v] of Object.entries(values)) s.flash(k, v)
    })
    const { result } = await b.request((s) =>
      Object.keys(values).map((k) => s.getFlash(k, 'FALLBACK')),
    )
    assert.deepEqual(result, [0, '', false, null])
  })

  it('flash starts a session; getFlash alone does not', async () => {
    const { browser, totalCalls } = setup()
    const b = browser()
    const read = await b.request((s) => {
      s.getFlash('x')
      s.keepFlash()
      s.clearFlash()
      return s.id
    })
    assert.equal(read.result, null)
    assert.deepEqual(read.plan.setCookies, [])
    assert.equal(totalCalls(), 0)
    const write = await b.request((s) => {
      s.flash('x', 1)
      return s.id
    })
    assert.match(String(write.result), /^[A-Za-z0-9_-]{43}$/)
    assert.equal(write.plan.setCookies.length, 1)
  })

  it('merge: a flash of another key by a concurrent request survives a request that consumed flash', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => s.flash('msg', 'old'))
    const reader = await b.open()
    const writer = await b.open()
    writer.session.flash('other', 'new')
    writer.finalize()
    await writer.commit()
    assert.equal(reader.session.getFlash('msg'), 'old')
    reader.finalize()
    await reader.commit()
    const next = await b.request((s) => [s.getFlash('msg'), s.getFlash('other')])
    assert.deepEqual(next.result, [undefined, 'new'])
  })

  it('merge: a flash written by a concurrent request is not consumed by a request that loaded before it', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => s.flash('msg', 'old'))
    const reader = await b.open() // a background request, loaded before the new message
    const writer = await b.open() // the page that flashes a new message, then redirects
    writer.session.flash('msg', 'new')
    writer.finalize()
    await writer.commit()
    assert.equal(reader.session.getFlash('msg'), 'old')
    reader.finalize()
    await reader.commit()
    assert.equal((await b.request((s) => s.getFlash('msg'))).result, 'new')
  })

  it('a flashed object is a copy', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      const value = { n: 1 }
      s.flash('o', value)
      value.n = 2
    })
    assert.deepEqual(JSON.parse(JSON.stringify((await b.request((s) => s.getFlash('o'))).result)), {
      n: 1,
    })
  })
})

// ---- model-based property ---------------------------------------------------------------------

type ScopeId = 'root' | 'seg'
type FlashOp =
  | { op: 'flash'; scope: ScopeId; key: string; value: number; now: boolean }
  | { op: 'flashNow'; scope: ScopeId; key: string; value: number }
  | { op: 'keep'; scope: 'seg' | 'session'; keys: string[] }
  | { op: 'clear'; scope: 'seg' | 'session' }
  | { op: 'get'; scope: ScopeId; key: string }
  | { op: 'getNext'; scope: ScopeId; key: string }
  | { op: 'data' }

/**
 * The reference model, written from DESIGN.md's flash rules: per scope, what the stored session
 * holds for "the next request that touches flash". A request that reads or writes flash in a
 * scope sees those values as current and replaces them with what it flashed (or kept); a request
 * that does not touch a scope leaves it as it was.
 */
class FlashModel {
  stored: Record<ScopeId, Map<string, number>> = { root: new Map(), seg: new Map() }
  #current: Record<ScopeId, Map<string, number>> | null = null
  #next: Record<ScopeId, Map<string, number>> | null = null
  #touched = new Set<ScopeId>()

  begin(): void {
    this.#current = { root: new Map(this.stored.root), seg: new Map(this.stored.seg) }
    this.#next = { root: new Map(), seg: new Map() }
    this.#touched.clear()
  }

  apply(op: FlashOp): number | undefined {
    const current = this.#current as Record<ScopeId, Map<string, number>>
    const next = this.#next as Record<ScopeId, Map<string, number>>
    const scopes: ScopeId[] =
      op.op === 'data' ? [] : op.scope === 'session' ? ['root', 'seg'] : [op.scope]
    for (const scope of scopes) this.#touched.add(scope)
    switch (op.op) {
      case 'flash':
        next[op.scope].set(op.key, op.value)
        if (op.now) current[op.scope].set(op.key, op.value)
        return undefined
      case 'flashNow':
        current[op.scope].set(op.key, op.value)
        return undefined
      case 'keep':
        for (const scope of scopes) {
          const keys = op.keys.length > 0 ? op.keys : [...current[scope].keys()]
          for (const key of keys) {
            const value = current[scope].get(key)
            if (value !== undefined) next[scope].set(key, value)
          }
        }
        return undefined
      case 'clear':
        for (const scope of scopes) {
          current[scope].clear()
          next[scope].clear()
        }
        return undefined
      case 'get':
        return current[op.scope].get(op.key)
      case 'getNext':
        return next[op.scope].get(op.key)
      case 'data':
        return undefined
    }
  }

  end(): void {
    const next = this.#next as Record<ScopeId, Map<string, number>>
    for (const scope of this.#touched) this.stored[scope] = next[scope]
  }
}

function runOp(session: Session<SessionData>, op: FlashOp): number | undefined {
  if (op.op === 'data') {
    session.increment('counter')
    return undefined
  }
  const target: DataAccess<SessionData> =
    op.scope === 'seg' ? session.segment('seg') : (session as DataAccess<SessionData>)
  switch (op.op) {
    case 'flash':
      target.flash(op.key, op.value, { now: op.now })
      return undefined
    case 'flashNow':
      target.flashNow(op.key, op.value)
      return undefined
    case 'keep':
      target.keepFlash(...op.keys)
      return undefined
    case 'clear':
      target.clearFlash()
      return undefined
    case 'get':
      return target.getFlash<number>(op.key)
    case 'getNext':
      return target.getFlashNext<number>(op.key)
  }
}

const keyArb = fc.constantFrom('a', 'b')
const scopeArb = fc.constantFrom<ScopeId>('root', 'seg')
// keepFlash/clearFlash on the session object act on the root and every segment, so the only
// scopes they can target are a segment alone or the whole session.
const keepScopeArb = fc.constantFrom<'seg' | 'session'>('seg', 'session')
const opArb: fc.Arbitrary<FlashOp> = fc.oneof(
  fc.record({
    op: fc.constant('flash' as const),
    scope: scopeArb,
    key: keyArb,
    value: fc.integer({ min: 0, max: 9 }),
    now: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('flashNow' as const),
    scope: scopeArb,
    key: keyArb,
    value: fc.integer({ min: 0, max: 9 }),
  }),
  fc.record({
    op: fc.constant('keep' as const),
    scope: keepScopeArb,
    keys: fc.subarray(['a', 'b']),
  }),
  fc.record({ op: fc.constant('clear' as const), scope: keepScopeArb }),
  fc.record({ op: fc.constant('get' as const), scope: scopeArb, key: keyArb }),
  fc.record({ op: fc.constant('getNext' as const), scope: scopeArb, key: keyArb }),
  fc.constant<FlashOp>({ op: 'data' }),
)
// A request: a few operations; an empty list is a request that does not touch the session.
const requestArb = fc.array(opArb, { maxLength: 4 })

describe('flash: model-based property', () => {
  it('random request sequences match the reference model of the flash rules', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestArb, { minLength: 1, maxLength: 8 }), async (requests) => {
        const { browser } = setup()
        const b = browser()
        const model = new FlashModel()
        for (const [r, ops] of requests.entries()) {
          model.begin()
          await b.request((session) => {
            for (const [i, op] of ops.entries()) {
              const expected = model.apply(op)
              const actual = runOp(session, op)
              assert.equal(actual, expected, `request ${r}, op ${i}: ${JSON.stringify(op)}`)
            }
          })
          model.end()
        }
        // Finally, every value still pending is what a reading request sees.
        model.begin()
        await b.request((session) => {
          for (const scope of ['root', 'seg'] as const) {
            for (const key of ['a', 'b']) {
              const expected = model.apply({ op: 'get', scope, key })
              assert.equal(runOp(session, { op: 'get', scope, key }), expected, `${scope}.${key}`)
            }
          }
        })
      }),
      { numRuns: 300 },
    )
  })
})
