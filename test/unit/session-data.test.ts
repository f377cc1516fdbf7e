// Reading and writing session data through the request-scoped Session (DESIGN "Core API"),
// driven across simulated requests; BI-45/46/47/51 where they apply.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidSessionKey, InvalidSessionValue } from '../../src/core/errors.js'
import { setup } from './helpers.js'

function isKeyError(error: unknown): boolean {
  return error instanceof InvalidSessionKey && error.code === 'INVALID_SESSION_KEY'
}

function isValueError(error: unknown): boolean {
  return error instanceof InvalidSessionValue && error.code === 'INVALID_SESSION_VALUE'
}

describe('get / set / put', () => {
  it('a value set in one request is read in the next', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      s.set('user.name', 'Ada')
      s.set('count', 3)
    })
    const { result } = await b.request((s) => [s.get('user.name'), s.get('count'), s.get('user')])
    assert.deepEqual(result, ['Ada', 3, Object.assign(Object.create(null), { name: 'Ada' })])
  })

  it('get returns the fallback for a missing key and null only when null was stored', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => s.set('nothing', null))
    const { result } = await b.request((s) => ({
      missing: s.get('missing'),
      missingWithFallback: s.get('missing', 'fb'),
      stored: s.get('nothing'),
      storedWithFallback: s.get('nothing', 'fb'),
      deepMissing: s.get('nothing.below', 'fb'),
    }))
    assert.deepEqual(result, {
      missing: undefined,
      missingWithFallback: 'fb',
      stored: null,
      storedWithFallback: null,
      deepMissing: 'fb',
    })
  })

  it('set stores a copy: later changes to the caller object are not stored', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      const value = { items: [1] }
      s.set('cart', value)
      value.items.push(2)
    })
    const { result } = await b.request((s) => s.get(['cart', 'items']))
    assert.deepEqual(result, [1])
  })

  it('put sets several top-level keys at once', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => s.put({ a: 1, b: 'two', 'c.d': true }))
    const { result } = await b.request((s) => [s.get('a'), s.get('b'), s.get(['c.d']), s.get('c')])
    // put keys are literal: 'c.d' is one key, not a path
    assert.deepEqual(result, [1, 'two', true, undefined])
  })

  it('put rejects a non-object', async () => {
    const { browser } = setup()
    await browser().request((s) => {
      assert.throws(() => s.put([1] as never), isValueError)
      assert.throws(() => s.put(null as never), isValueError)
    })
  })
})

describe('has / exists', () => {
  it('has = present and not null/undefined; exists = present even if null', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => s.put({ nil: null, zero: 0, empty: '', no: false }))
    const { result } = await b.request((s) =>
      ['nil', 'zero', 'empty', 'no', 'missing'].map((k) => [k, s.has(k), s.exists(k)]),
    )
    assert.deepEqual(result, [
      ['nil', false, true],
      ['zero', true, true],
      ['empty', true, true],
      ['no', true, true],
      ['missing', false, false],
    ])
  })
})

describe('pull / forget / flush', () => {
  it('pull returns the value and removes it (fallback when missing)', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => s.set('token', 'abc'))
    const { result } = await b.request((s) => [s.pull('token'), s.pull('token', 'gone')])
    assert.deepEqual(result, ['abc', 'gone'])
    const after = await b.request((s) => s.exists('token'))
    assert.equal(after.result, false)
  })

  it('forget removes one key, a list of keys, and an array-of-segments key', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      s.put({ one: 1, two: 2, three: 3, keep: 'k' })
      s.set(['a', 'b'], 'ab')
      s.set(['a', 'c'], 'ac')
      s.set(['x.y'], 'literal dot')
    })
    await b.request((s) => {
      s.forget('one')
      s.forget(['two', 'three'])
      s.forget([['a', 'b']])
      s.forget([['x.y']])
    })
    const { result } = await b.request((s) => s.all())
    assert.deepEqual(JSON.parse(JSON.stringify(result)), { keep: 'k', a: { c: 'ac' } })
  })

  it('flush clears root data only; segments are kept', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      s.set('root', 1)
      s.segment('cart').set('items', [1, 2])
    })
    await b.request((s) => s.flush())
    const { result, session } = await b.request((s) => [
      s.get('root'),
      s.segment('cart').get('items'),
    ])
    assert.deepEqual(result, [undefined, [1, 2]])
    assert.notEqual(session.id, null, 'flush does not end the session')
  })
})

describe('all', () => {
  it('returns a deep copy: mutating it changes nothing in this request or the next', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => s.set('user', { name: 'Ada', roles: ['admin'] }))
    await b.request((s) => {
      const all = s.all() as { user: { name: string; roles: string[] }; extra?: number }
      all.user.name = 'Eve'
      all.user.roles.push('root')
      all.extra = 1
      assert.equal(s.get('user.name'), 'Ada')
    })
    const { result } = await b.request((s) => s.all())
    assert.deepEqual(JSON.parse(JSON.stringify(result)), {
      user: { name: 'Ada', roles: ['admin'] },
    })
  })
})

describe('push / increment / decrement', () => {
  it('push appends (creating the array), increment/decrement return the new value', async () => {
    const { browser } = setup()
    const b = browser()
    const first = await b.request((s) => {
      s.push('tags', 'a')
      s.push('tags', 'b')
      return [s.increment('n'), s.increment('n', 5), s.decrement('n'), s.decrement('n', 10)]
    })
    assert.deepEqual(first.result, [1, 6, 5, -5])
    const { result } = await b.request((s) => [s.get('tags'), s.get('n')])
    assert.deepEqual(result, [['a', 'b'], -5])
  })

  it('increment of a string throws InvalidSessionValue and leaves the value', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => s.set('name', 'Ada'))
    await b.request((s) => {
      assert.throws(() => s.increment('name'), isValueError)
      assert.throws(() => s.push('name', 1), isValueError)
      assert.throws(() => s.increment('n', Number.NaN), isValueError)
    })
    const { result } = await b.request((s) => s.get('name'))
    assert.equal(result, 'Ada')
  })
})

describe('set with ttl', () => {
  it('a value set with ttl vanishes after the ttl; others stay', async () => {
    const { browser, clock } = setup()
    const b = browser()
    await b.request((s) => {
      s.set('otp', '123456', { ttl: '5m' })
      s.set('stay', true)
    })
    clock.advance('4m')
    assert.equal((await b.request((s) => s.get('otp'))).result, '123456')
    clock.advance('2m')
    const { result } = await b.request((s) => [s.get('otp'), s.has('otp'), s.get('stay')])
    assert.deepEqual(result, [undefined, false, true])
  })

  it('setting the key again without ttl makes it permanent', async () => {
    const { browser, clock } = setup()
    const b = browser()
    await b.request((s) => s.set('v', 1, { ttl: '1m' }))
    await b.request((s) => s.set('v', 2))
    clock.advance('2m')
    assert.equal((await b.request((s) => s.get('v'))).result, 2)
  })
})

describe('in-place mutation of values returned by get()', () => {
  it('is persisted at commit, including nested changes and nested deletions', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) =>
      s.set('profile', { name: 'Ada', address: { city: 'London', zip: 'N1' }, tags: ['a'] }),
    )
    await b.request((s) => {
      const profile = s.get('profile') as {
        name: string
        address: { city: string; zip?: string }
        tags: string[]
        added?: number
      }
      profile.name = 'Ada L.'
      profile.address.city = 'Paris'
      delete profile.address.zip
      profile.tags.push('b')
      profile.added = 1
    })
    const { result } = await b.request((s) => s.get('profile'))
    assert.deepEqual(JSON.parse(JSON.stringify(result)), {
      name: 'Ada L.',
      address: { city: 'Paris' },
      tags: ['a', 'b'],
      added: 1,
    })
  })

  it('a mutation of an object read from a segment is persisted in that segment', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => s.segment('cart').set('items', { a: 1 }))
    await b.request((s) => {
      const items = s.segment('cart').get('items') as Record<string, number>
      items.b = 2
    })
    const { result } = await b.request((s) => [s.segment('cart').get('items'), s.get('items')])
    assert.deepEqual(JSON.parse(JSON.stringify(result)), [{ a: 1, b: 2 }, null])
  })
})

describe('in-place mutation with values JSON cannot carry (BI-51)', () => {
  const mutations: Array<[string, (o: Record<string, unknown>) => void]> = [
    ['a Date', (o) => Object.assign(o, { when: new Date(0) })],
    ['a BigInt', (o) => Object.assign(o, { n: 1n })],
    ['a cycle', (o) => Object.assign(o, { self: o })],
  ]
  for (const [label, mutate] of mutations) {
    it(`storing ${label} into an object from get() fails at finalize, before headers; the stored value is kept`, async () => {
      const { browser, sessions } = setup()
      const b = browser()
      await b.request((s) => s.set('o', { a: 1 }))
      const rs = await b.open()
      mutate(rs.session.get('o') as Record<string, unknown>)
      assert.throws(() => rs.finalize(), isValueError)
      const stored = await sessions.load(b.cookieHeader)
      assert.deepEqual(JSON.parse(JSON.stringify(stored.get('o'))), { a: 1 })
    })
  }
})

describe('values JSON cannot carry fail at set() (BI-51)', () => {
  const circular: Record<string, unknown> = {}
  circular.self = circular
  const cases: Array<[string, unknown]> = [
    ['BigInt', 1n],
    ['function', () => 1],
    ['symbol', Symbol('s')],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['undefined', undefined],
    ['circular', circular],
    ['Date', new Date(0)],
    ['Map', new Map([[1, 2]])],
    ['Set', new Set([1])],
    ['nested BigInt', { a: [1, { b: 2n }] }],
  ]
  for (const [label, value] of cases) {
    it(`${label} → InvalidSessionValue, nothing stored`, async () => {
      const { browser, calls } = setup()
      const b = browser()
      await b.request((s) => {
        assert.throws(() => s.set('v', value), isValueError)
        assert.throws(() => s.push('list', value), isValueError)
        assert.throws(() => s.flash('f', value), isValueError)
        assert.equal(s.exists('v'), false)
      })
      assert.equal(calls.set ?? 0, 0, 'a session with only failed writes is never stored')
    })
  }
})

describe('hostile keys (BI-45, BI-46, BI-47)', () => {
  const badKeys: unknown[] = [
    '__proto__',
    '__proto__.polluted',
    'constructor.prototype.polluted',
    'a.__proto__.x',
    'prototype.x',
    ['__proto__', 'x'],
    [['__proto__'], 'x'],
    [{ toString: () => '__proto__' }],
    [1],
    '',
    'a..b',
    '.a',
    'a.',
  ]
  for (const key of badKeys) {
    it(`BI-45/46: ${JSON.stringify(key) ?? String(key)} is rejected by every accessor and pollutes nothing`, async () => {
      const { browser } = setup()
      const b = browser()
      const { session } = await b.request((s) => {
        const k = key as string
        assert.throws(() => s.set(k, true), isKeyError)
        assert.throws(() => s.get(k), isKeyError)
        assert.throws(() => s.has(k), isKeyError)
        assert.throws(() => s.exists(k), isKeyError)
        assert.throws(() => s.forget(k), isKeyError)
        assert.throws(() => s.pull(k), isKeyError)
        assert.throws(() => s.increment(k), isKeyError)
        assert.throws(() => s.push(k, 1), isKeyError)
      })
      assert.equal(session.id, null, 'rejected writes do not start a session')
      assert.equal(({} as Record<string, unknown>).polluted, undefined)
      assert.equal(({} as Record<string, unknown>).x, undefined)
      assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false)
    })
  }

  it('BI-45: reserved names as segment names and flash keys are rejected', async () => {
    const { browser } = setup()
    await browser().request((s) => {
      for (const name of ['__proto__', 'prototype', 'constructor']) {
        assert.throws(() => s.segment(name), isKeyError)
        assert.throws(() => s.flash(name, 1), isKeyError)
        assert.throws(() => s.getFlash(name), isKeyError)
      }
    })
  })

  it('BI-47: keys then, save, toJSON are plain data and `await session` resolves to the session', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      s.set('then', 'not a function')
      s.set('save', 1)
      s.set('toJSON', { x: 1 })
      s.set('id', 'fake')
      s.set('destroy', true)
    })
    await b.request(async (s) => {
      const awaited = await s
      assert.equal(awaited, s)
      assert.equal(typeof s.save, 'function')
      assert.equal(typeof s.destroy, 'function')
      assert.notEqual(s.id, 'fake')
      assert.equal(s.get('then'), 'not a function')
      assert.equal(s.get('save'), 1)
      assert.deepEqual(JSON.parse(JSON.stringify(s.get('toJSON'))), { x: 1 })
      assert.equal(await Promise.resolve(s), s)
    })
  })
})

describe('segments', () => {
  it("segment('cart') never collides with set('cart', …), nor a dotted segment name with a path", async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      s.set('cart', 'root value')
      s.segment('cart').set('items', [1])
      s.segment('a.b').set('x', 1)
      s.set('a.b.x', 2)
    })
    const { result } = await b.request((s) => ({
      root: s.get('cart'),
      rootItems: s.get('cart.items'),
      segment: s.segment('cart').get('items'),
      segmentCart: s.segment('cart').get('cart'),
      dotted: s.segment('a.b').get('x'),
      dottedRoot: s.get('a.b.x'),
    }))
    assert.deepEqual(JSON.parse(JSON.stringify(result)), {
      root: 'root value',
      segment: [1],
      dotted: 1,
      dottedRoot: 2,
    })
  })

  it('segments have the full read/write API and name', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      const cart = s.segment('cart')
      assert.equal(cart.name, 'cart')
      cart.set('count', 1)
      cart.increment('count')
      cart.push('items', 'x')
      cart.put({ note: null })
    })
    const { result } = await b.request((s) => {
      const cart = s.segment('cart')
      return [cart.get('count'), cart.get('items'), cart.has('note'), cart.exists('note')]
    })
    assert.deepEqual(result, [2, ['x'], false, true])
  })

  it('segment.flush clears only that segment', async () => {
    const { browser } = setup()
    const b = browser()
    await b.request((s) => {
      s.set('root', 1)
      s.segment('a').set('v', 'a')
      s.segment('b').set('v', 'b')
    })
    await b.request((s) => s.segment('a').flush())
    const { result } = await b.request((s) => [
      s.get('root'),
      s.segment('a').get('v'),
      s.segment('b').get('v'),
    ])
    assert.deepEqual(result, [1, undefined, 'b'])
  })

  it('invalidate clears root, segments, flash and user, and changes the id', async () => {
    const { browser } = setup()
    const b = browser()
    const first = await b.request((s) => {
      s.set('root', 1)
      s.segment('a').set('v', 'a')
      s.flash('msg', 'hi')
      s.bindUser('u1')
      return s.id
    })
    const { result, session } = await b.request(async (s) => {
      await s.invalidate()
      return [s.get('root'), s.segment('a').get('v'), s.getFlash('msg'), s.meta.userId]
    })
    assert.deepEqual(result, [undefined, undefined, undefined, null])
    assert.notEqual(session.id, first.result)
    const next = await b.request((s) => [s.all(), s.segment('a').all(), s.getFlash('msg')])
    assert.deepEqual(next.result, [{}, {}, undefined])
  })
})

describe('previousUrl', () => {
  it('setPreviousUrl is read back as previousUrl in later requests', async () => {
    const { browser } = setup()
    const b = browser()
    const first = await b.request((s) => {
      assert.equal(s.previousUrl, undefined)
      s.setPreviousUrl('/cart?step=2')
      return s.previousUrl
    })
    assert.equal(first.result, '/cart?step=2')
    assert.equal((await b.request((s) => s.previousUrl)).result, '/cart?step=2')
  })

  it('rejects a non-string or a URL over 2048 characters', async () => {
    const { browser } = setup()
    await browser().request((s) => {
      assert.throws(() => s.setPreviousUrl(42 as never), isValueError)
      assert.throws(() => s.setPreviousUrl(`/${'a'.repeat(2048)}`), isValueError)
    })
  })
})
