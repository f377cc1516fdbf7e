// Session values: SECURITY-CHECKLIST BI-50, BI-51 and BI-52 (depth), and the copies the core keeps.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'
import fc from 'fast-check'
import { InvalidSessionValue } from '../../src/core/errors.js'
import { cloneValue, jsonEqual, MAX_VALUE_DEPTH, toNullProto } from '../../src/core/values.js'

const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor'])

function throwsValue(fn: () => unknown): InvalidSessionValue {
  let caught: unknown
  assert.throws(fn, (error: unknown) => {
    caught = error
    return error instanceof InvalidSessionValue && error.code === 'INVALID_SESSION_VALUE'
  })
  return caught as InvalidSessionValue
}

/** Objects (or arrays) nested `depth` levels deep around `leaf`, built without recursion. */
function nest(depth: number, kind: 'object' | 'array', leaf: unknown = 1): unknown {
  let value = leaf
  for (let i = 0; i < depth; i++) value = kind === 'object' ? { a: value } : [value]
  return value
}

/** Every object and array in `value`, found without recursion. */
function containers(value: unknown): object[] {
  const found: object[] = []
  const stack = [value]
  while (stack.length > 0) {
    const item = stack.pop()
    if (typeof item !== 'object' || item === null) continue
    found.push(item)
    stack.push(...Object.values(item))
  }
  return found
}

function hasForbiddenKey(value: unknown): boolean {
  return containers(value).some(
    (c) => !Array.isArray(c) && Object.keys(c).some((k) => FORBIDDEN.has(k)),
  )
}

class Point {
  x = 1
}

describe('cloneValue: accepted values', () => {
  it('keeps JSON primitives', () => {
    for (const value of [null, true, false, '', 'text', 0, 1.5, -7, Number.MAX_VALUE]) {
      assert.equal(cloneValue(value, 'k'), value)
    }
  })

  it('turns -0 into 0', () => {
    assert.ok(Object.is(cloneValue(-0, 'k'), 0))
    assert.ok(Object.is((cloneValue([-0], 'k') as number[])[0], 0))
  })

  it('returns a deep copy made of null-prototype objects', () => {
    const input = { user: { name: 'Ada', tags: ['a', { deep: true }] }, n: null }
    const copy = cloneValue(input, 'k') as { user: { name: string; tags: unknown[] } }
    assert.ok(jsonEqual(copy, input))
    for (const c of containers(copy)) {
      assert.equal(Object.getPrototypeOf(c), Array.isArray(c) ? Array.prototype : null)
    }
    input.user.name = 'Grace'
    input.user.tags.push('b')
    assert.equal(copy.user.name, 'Ada')
    assert.equal(copy.user.tags.length, 2)
  })

  it('accepts null-prototype objects and shared (non-circular) references', () => {
    const shared = Object.assign(Object.create(null) as object, { v: 1 })
    const copy = cloneValue({ a: shared, b: shared, list: [shared, shared] }, 'k')
    assert.ok(jsonEqual(copy, { a: { v: 1 }, b: { v: 1 }, list: [{ v: 1 }, { v: 1 }] }))
  })

  it(`accepts nesting up to ${MAX_VALUE_DEPTH} levels`, () => {
    assert.ok(
      jsonEqual(cloneValue(nest(MAX_VALUE_DEPTH, 'object'), 'k'), nest(MAX_VALUE_DEPTH, 'object')),
    )
    assert.ok(
      jsonEqual(cloneValue(nest(MAX_VALUE_DEPTH, 'array'), 'k'), nest(MAX_VALUE_DEPTH, 'array')),
    )
  })
})

describe('cloneValue: rejected values (BI-51)', () => {
  const circular: Record<string, unknown> = { a: 1 }
  circular['self'] = circular
  const circularArray: unknown[] = [1]
  circularArray.push([circularArray])
  const withGetter = {
    get secret() {
      return 1
    },
  }
  const withSymbolKey = { [Symbol('s')]: 1, a: 1 }
  const nonEnumerable = Object.defineProperty({ a: 1 }, 'hidden', { value: 2, enumerable: false })
  const arrayWithProp = Object.assign([1, 2], { extra: true })
  class MyArray extends Array<number> {}
  const holey = [1, 2, 3]
  delete holey[1]

  const cases: [string, unknown, RegExp?][] = [
    ['undefined', undefined, /undefined/],
    ['an undefined property', { a: undefined }],
    ['an undefined element', [1, undefined]],
    ['a hole in an array', holey],
    ['a sparse array', new Array(1e9)],
    ['a BigInt', 10n, /BigInt/],
    ['a function', () => 1, /function/],
    ['a Symbol', Symbol('s'), /Symbol/],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a circular object', circular, /circular/],
    ['a circular array', circularArray, /circular/],
    ['a Date', new Date(0), /date\.toISOString\(\) or date\.getTime\(\)/],
    ['a Map', new Map([['a', 1]]), /Map/],
    ['a Set', new Set([1]), /Set/],
    ['a RegExp', /x/, /RegExp/],
    ['a class instance', new Point(), /class instance/],
    ['an object with a non-Object prototype', Object.create({ inherited: 1 })],
    ['a boxed string', new String('x')],
    ['a typed array', new Uint8Array(2), /base64/],
    ['a Buffer', Buffer.from('x'), /base64/],
    ['an ArrayBuffer', new ArrayBuffer(4), /base64/],
    ['an own __proto__ key', JSON.parse('{"__proto__":{"isAdmin":true}}'), /__proto__/],
    ['an own constructor key', { constructor: { prototype: { isAdmin: true } } }],
    ['an own prototype key', { prototype: 1 }],
    ['a getter', withGetter, /getter/],
    ['a Symbol key', withSymbolKey, /Symbol/],
    ['a non-enumerable property', nonEnumerable],
    ['an array with extra properties', arrayWithProp],
    ['an Array subclass', MyArray.from([1])],
    ['a Promise', Promise.resolve(1)],
    ['an Error', new Error('x')],
  ]
  for (const [name, value, message] of cases) {
    it(`rejects ${name}, nested or not`, () => {
      const top = throwsValue(() => cloneValue(value, 'k'))
      if (message) assert.match(top.message, message)
      throwsValue(() => cloneValue({ a: [{ b: value }] }, 'k'))
    })
  }

  it('does not run getters', () => {
    let ran = false
    const value = {
      get x() {
        ran = true
        return 1
      },
    }
    throwsValue(() => cloneValue(value, 'k'))
    assert.equal(ran, false)
  })

  it('names where the bad value is', () => {
    assert.match(
      throwsValue(() => cloneValue({ items: [1, 2, undefined] }, 'cart')).message,
      /cart\.items\[2\]/,
    )
    assert.match(throwsValue(() => cloneValue({ a: { b: 1n } }, '')).message, /at a\.b /)
    assert.match(throwsValue(() => cloneValue([[new Date()]], 'seen')).message, /seen\[0\]\[0\]/)
  })

  it('never echoes the value in the message', () => {
    const secret = 'SECRET-TOKEN-12345'
    const messages = [
      throwsValue(() => cloneValue({ token: secret, bad: undefined }, 'k')).message,
      throwsValue(() => cloneValue(12345678901234567890n, 'k')).message,
      throwsValue(() => cloneValue(new Date(1234567890123), 'k')).message,
      throwsValue(() => cloneValue(new Map([[secret, secret]]), 'k')).message,
      throwsValue(() => cloneValue(() => secret, 'k')).message,
    ]
    for (const message of messages) {
      assert.doesNotMatch(message, /SECRET|12345678901234567890|1234567890123/)
    }
  })

  it('does not leave Object.prototype polluted after a rejected __proto__ key (BI-50)', () => {
    throwsValue(() => cloneValue(JSON.parse('{"a":{"__proto__":{"isAdmin":true}}}'), 'k'))
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined)
  })
})

describe('cloneValue: depth (BI-52)', () => {
  it(`rejects nesting of ${MAX_VALUE_DEPTH + 1} levels`, () => {
    assert.match(
      throwsValue(() => cloneValue(nest(MAX_VALUE_DEPTH + 1, 'object'), 'k')).message,
      /deeper than 64/,
    )
    throwsValue(() => cloneValue(nest(MAX_VALUE_DEPTH + 1, 'array'), 'k'))
  })

  it('rejects 100,000 levels of objects and of arrays without a stack overflow', () => {
    throwsValue(() => cloneValue(nest(100_000, 'object'), 'k'))
    throwsValue(() => cloneValue(nest(100_000, 'array'), 'k'))
  })
})

describe('toNullProto (BI-50)', () => {
  it('builds null-prototype objects and drops forbidden own keys at any depth', () => {
    const parsed = JSON.parse(
      '{"__proto__":{"isAdmin":true},"a":[{"constructor":{"prototype":{"x":1}},"ok":1}],"prototype":2,"b":{"__proto__":null}}',
    )
    const result = toNullProto(parsed)
    assert.ok(jsonEqual(result, { a: [{ ok: 1 }], b: {} }))
    for (const c of containers(result)) {
      assert.equal(Object.getPrototypeOf(c), Array.isArray(c) ? Array.prototype : null)
    }
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined)
    assert.equal(({} as Record<string, unknown>)['x'], undefined)
  })

  it('returns primitives as they are', () => {
    for (const value of [null, true, 0, 'x']) assert.equal(toNullProto(value), value)
  })

  it('converts 100,000 levels of parsed JSON without a stack overflow', () => {
    const depth = 100_000
    const result = toNullProto(JSON.parse(`${'['.repeat(depth)}1${']'.repeat(depth)}`))
    let node = result
    for (let i = 0; i < depth; i++) node = (node as unknown[])[0]
    assert.equal(node, 1)
  })
})

describe('jsonEqual', () => {
  const equal: [unknown, unknown][] = [
    [
      { a: 1, b: [1, 2] },
      { b: [1, 2], a: 1 },
    ],
    [Object.assign(Object.create(null) as object, { a: 1 }), { a: 1 }],
    [0, -0],
    [null, null],
    [[], []],
    [{}, Object.create(null)],
  ]
  const unequal: [unknown, unknown][] = [
    [{ a: 1 }, { a: 2 }],
    [{ a: 1 }, { a: 1, b: 2 }],
    [
      { a: 1, b: undefined },
      { a: 1, c: undefined },
    ],
    [
      [1, 2],
      [2, 1],
    ],
    [[1], [1, 1]],
    [[], {}],
    [{}, []],
    [{ 0: 'a' }, ['a']],
    [null, {}],
    [{}, null],
    ['1', 1],
    [1, true],
    [{ a: null }, { a: {} }],
  ]
  for (const [a, b] of equal) {
    it(`${inspect(a)} equals ${inspect(b)}`, () => {
      assert.equal(jsonEqual(a, b), true)
      assert.equal(jsonEqual(b, a), true)
    })
  }
  for (const [a, b] of unequal) {
    it(`${inspect(a)} differs from ${inspect(b)}`, () => {
      assert.equal(jsonEqual(a, b), false)
      assert.equal(jsonEqual(b, a), false)
    })
  }

  it('terminates on cyclic input', () => {
    const a: Record<string, unknown> = { v: 1 }
    a['self'] = a
    const b: Record<string, unknown> = { v: 1 }
    b['self'] = b
    const c: Record<string, unknown> = { v: 2 }
    c['self'] = c
    assert.equal(jsonEqual(a, b), true)
    assert.equal(jsonEqual(a, c), false)
    assert.equal(jsonEqual(a, { v: 1, self: { v: 1 } }), false)
  })

  it('compares 100,000 levels without a stack overflow', () => {
    assert.equal(jsonEqual(nest(100_000, 'object'), nest(100_000, 'object')), true)
    assert.equal(jsonEqual(nest(100_000, 'array', 1), nest(100_000, 'array', 2)), false)
  })
})

describe('values: properties', () => {
  it('cloneValue copies any JSON value faithfully, or rejects forbidden keys', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        if (hasForbiddenKey(value)) {
          throwsValue(() => cloneValue(value, 'k'))
          return
        }
        const copy = cloneValue(value, 'k')
        assert.ok(jsonEqual(copy, value))
        // JSON.stringify already writes -0 as 0.
        assert.equal(JSON.stringify(copy), JSON.stringify(value))
        for (const c of containers(copy)) {
          assert.equal(Object.getPrototypeOf(c), Array.isArray(c) ? Array.prototype : null)
        }
        assert.ok(!containers(copy).includes(value as object))
      }),
    )
  })

  it('toNullProto of parsed JSON equals the original and has only null-prototype objects', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(!hasForbiddenKey(value))
        const result = toNullProto(JSON.parse(JSON.stringify(value)))
        assert.ok(jsonEqual(result, value))
        for (const c of containers(result)) {
          assert.equal(Object.getPrototypeOf(c), Array.isArray(c) ? Array.prototype : null)
        }
      }),
    )
  })

  it('toNullProto never yields a forbidden key', () => {
    const keyArb = fc.constantFrom('__proto__', 'constructor', 'prototype', 'a', 'b')
    const jsonArb = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.integer(),
        fc.array(tie('value')),
        fc.dictionary(keyArb, tie('value')),
      ),
    })).value
    fc.assert(
      fc.property(jsonArb, (value) => {
        const result = toNullProto(JSON.parse(JSON.stringify(value)))
        assert.equal(hasForbiddenKey(result), false)
      }),
    )
  })

  it('jsonEqual is reflexive on copies and symmetric', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        assert.equal(jsonEqual(a, a), true)
        assert.equal(jsonEqual(a, JSON.parse(JSON.stringify(a))), true)
        assert.equal(jsonEqual(a, b), jsonEqual(b, a))
        assert.equal(jsonEqual(a, b), JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b)))
      }),
    )
  })
})

/** A copy with object keys sorted, so JSON.stringify is a canonical form. */
function sortKeys(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  )
}
