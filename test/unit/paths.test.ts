// Dot paths: the grammar of docs/paths.md and SECURITY-CHECKLIST BI-45, BI-46, BI-48, BI-49.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { InvalidSessionKey } from '../../src/core/errors.js'
import {
  deleteAt,
  existsAt,
  formatPath,
  getAt,
  MAX_KEY_LENGTH,
  MAX_PATH_SEGMENTS,
  parsePath,
  setAt,
} from '../../src/core/paths.js'

const FORBIDDEN = ['__proto__', 'prototype', 'constructor']

function tree(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>
}

/** A tree built from a JSON literal, with null-prototype objects like session data. */
function data(json: string): Record<string, unknown> {
  return JSON.parse(json, (_key, value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.assign(Object.create(null) as object, value)
      : value,
  ) as Record<string, unknown>
}

function throwsKey(fn: () => unknown): InvalidSessionKey {
  let caught: unknown
  assert.throws(fn, (error: unknown) => {
    caught = error
    return error instanceof InvalidSessionKey && error.code === 'INVALID_SESSION_KEY'
  })
  return caught as InvalidSessionKey
}

/** Object.prototype and friends still look like a fresh realm's. */
function assertNoPollution(): void {
  const probe = {} as Record<string, unknown>
  assert.equal(probe['isAdmin'], undefined)
  assert.equal(probe['x'], undefined)
  assert.equal(probe['polluted'], undefined)
  assert.deepEqual(Object.keys(Object.prototype), [])
  assert.deepEqual(Object.keys(Array.prototype), [])
  assert.deepEqual(Object.keys(Function.prototype), [])
}

describe('parsePath: grammar', () => {
  const valid: [string, string[]][] = [
    ['user', ['user']],
    ['user.profile.name', ['user', 'profile', 'name']],
    ['files.report\\.pdf', ['files', 'report.pdf']],
    ['a\\\\b', ['a\\b']],
    ['a\\\\.b', ['a\\', 'b']],
    ['a\\\\\\.b', ['a\\.b']],
    ['\\.', ['.']],
    ['\\\\', ['\\']],
    ['items.0.name', ['items', '0', 'name']],
    [' spaced key . x', [' spaced key ', ' x']],
    ['__proto', ['__proto']],
    ['__proto__x', ['__proto__x']],
    ['Constructor.PROTOTYPE', ['Constructor', 'PROTOTYPE']],
    ['toString.then', ['toString', 'then']],
    ['ünïcødé.😀', ['ünïcødé', '😀']],
  ]
  for (const [key, segments] of valid) {
    it(`parses ${JSON.stringify(key)}`, () => {
      assert.deepEqual(parsePath(key), segments)
    })
  }

  it('formats segments back into the same key', () => {
    for (const [key, segments] of valid) assert.equal(formatPath(segments), key)
  })

  const invalid: [string, string][] = [
    ['', 'empty key'],
    ['.', 'only a dot'],
    ['a..b', 'empty middle segment'],
    ['a.', 'trailing dot'],
    ['.a', 'leading dot'],
    ['a\\', 'trailing lone backslash'],
    ['a\\b', 'unknown escape \\b'],
    ['a\\n', 'unknown escape \\n'],
    ['a\\_b', 'unknown escape \\_'],
    ['a.\\', 'segment of a lone backslash'],
  ]
  for (const [key, why] of invalid) {
    it(`rejects ${JSON.stringify(key)} (${why})`, () => {
      throwsKey(() => parsePath(key))
    })
  }

  it(`accepts ${MAX_PATH_SEGMENTS} segments and rejects ${MAX_PATH_SEGMENTS + 1}`, () => {
    const max = Array.from({ length: MAX_PATH_SEGMENTS }, (_, i) => `s${i}`)
    assert.deepEqual(parsePath(max.join('.')), max)
    assert.deepEqual(parsePath(max), max)
    throwsKey(() => parsePath([...max, 'x'].join('.')))
    throwsKey(() => parsePath([...max, 'x']))
  })

  it(`accepts a key of ${MAX_KEY_LENGTH} characters and rejects one more`, () => {
    assert.deepEqual(parsePath('k'.repeat(MAX_KEY_LENGTH)), ['k'.repeat(MAX_KEY_LENGTH)])
    throwsKey(() => parsePath('k'.repeat(MAX_KEY_LENGTH + 1)))
    assert.deepEqual(parsePath(['k'.repeat(MAX_KEY_LENGTH)]), ['k'.repeat(MAX_KEY_LENGTH)])
    throwsKey(() => parsePath(['k'.repeat(MAX_KEY_LENGTH + 1)]))
  })

  it('rejects a 10,000-segment path (BI-48)', () => {
    throwsKey(() => parsePath(Array.from({ length: 10_000 }, () => 'a').join('.')))
    throwsKey(() => parsePath(Array.from({ length: 10_000 }, () => 'a')))
    // Short enough to pass the length check: the segment count is what stops it.
    throwsKey(() => parsePath('a.'.repeat(MAX_PATH_SEGMENTS) + 'a'))
  })

  it('rejects a 1 MB key by its length, before scanning it (BI-48)', () => {
    // Scanning would report an empty segment; the length check must answer first.
    const error = throwsKey(() => parsePath('.'.repeat(1024 * 1024)))
    assert.match(error.message, /over the limit of 1024/)
  })

  it('never echoes more than ~40 characters of the key in an error', () => {
    const key = `${'s'.repeat(40)}${'SECRET'.repeat(100)}..x`
    const error = throwsKey(() => parsePath(key))
    assert.doesNotMatch(error.message, /SECRET/)
    assert.ok(error.message.length < 120, error.message)
  })

  it('takes array segments literally: no splitting, no escapes', () => {
    assert.deepEqual(parsePath(['a.b', 'c\\.d', '\\']), ['a.b', 'c\\.d', '\\'])
  })

  it('returns a copy of an array key', () => {
    const key = ['a', 'b']
    const segments = parsePath(key)
    key[0] = '__proto__'
    assert.deepEqual(segments, ['a', 'b'])
  })

  it('reads each element of an array key once, so a getter cannot swap it after the check', () => {
    let reads = 0
    const key = ['x', 'y']
    Object.defineProperty(key, 0, {
      get: () => (reads++ === 0 ? 'safe' : '__proto__'),
      enumerable: true,
    })
    assert.deepEqual(parsePath(key), ['safe', 'y'])
  })

  it('rejects keys that are neither a string nor an array', () => {
    for (const key of [undefined, null, 1, 1n, true, Symbol('k'), {}, () => 'a', new String('a')]) {
      throwsKey(() => parsePath(key))
    }
  })

  it('rejects empty, oversized and non-string array keys (BI-46)', () => {
    const hostile: unknown[][] = [
      [],
      [''],
      ['a', ''],
      [['__proto__'], 'x'],
      [{ toString: () => '__proto__' }, 'x'],
      [{ toString: () => 'safe' }],
      [0],
      ['items', 0],
      [Symbol('x')],
      [null],
      [undefined],
      [new String('a')],
      new Array(2),
    ]
    for (const key of hostile) throwsKey(() => parsePath(key))
  })
})

describe('parsePath: forbidden segments (BI-45, BI-49)', () => {
  const keys = [
    '__proto__',
    '__proto__.isAdmin',
    'constructor.prototype.isAdmin',
    'a.__proto__.x',
    'prototype.x',
    'a.constructor',
    'a.b.prototype',
    '\\_\\_proto\\_\\_',
    '__proto\\__',
  ]
  for (const key of keys) {
    it(`rejects ${JSON.stringify(key)}`, () => {
      throwsKey(() => parsePath(key))
    })
  }

  it('rejects forbidden segments in array keys', () => {
    for (const name of FORBIDDEN) {
      throwsKey(() => parsePath([name]))
      throwsKey(() => parsePath([name, 'isAdmin']))
      throwsKey(() => parsePath(['a', name, 'isAdmin']))
    }
  })

  it('checks after unescaping: an escape cannot build a forbidden name', () => {
    // `\\` is the only escape that yields a backslash, and `\.` the only one yielding a dot;
    // neither can produce `__proto__`, and no other escape is accepted.
    assert.deepEqual(parsePath('__proto__\\\\'), ['__proto__\\'])
    assert.deepEqual(parsePath('\\\\__proto__'), ['\\__proto__'])
    // A literal dot keeps one segment: `__proto__.x` is a harmless key name.
    assert.deepEqual(parsePath('__proto__\\.x'), ['__proto__.x'])
  })
})

describe('getAt / existsAt', () => {
  it('reads nested values and tells missing from null', () => {
    const root = data('{"user":{"name":"Ada","nick":null},"list":[10,{"a":1}]}')
    assert.equal(getAt(root, ['user', 'name']), 'Ada')
    assert.equal(getAt(root, ['user', 'nick']), null)
    assert.equal(existsAt(root, ['user', 'nick']), true)
    assert.equal(getAt(root, ['user', 'age']), undefined)
    assert.equal(existsAt(root, ['user', 'age']), false)
    assert.equal(getAt(root, ['list', '1', 'a']), 1)
    assert.equal(existsAt(root, ['list', '0']), true)
  })

  it('returns undefined / false through primitives and null instead of throwing', () => {
    const root = data('{"s":"text","n":5,"z":null,"b":true}')
    for (const path of [
      ['s', 'length'],
      ['s', '0'],
      ['n', 'toFixed'],
      ['z', 'x'],
      ['b', 'valueOf'],
      ['missing', 'deeper', 'still'],
    ]) {
      assert.equal(getAt(root, path), undefined, path.join('.'))
      assert.equal(existsAt(root, path), false, path.join('.'))
    }
  })

  it('never reads inherited properties', () => {
    const plain = { own: 1 }
    for (const name of ['toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']) {
      assert.equal(getAt(plain, [name]), undefined)
      assert.equal(existsAt(plain, [name]), false)
      assert.equal(getAt(tree(), [name]), undefined)
    }
  })

  it('reads only canonical in-range indices of arrays', () => {
    const root = data('{"list":["a","b"]}')
    assert.equal(getAt(root, ['list', '1']), 'b')
    for (const index of ['length', '2', '-1', '01', '1.0', '1e0', ' 1', '0x1', 'map']) {
      assert.equal(getAt(root, ['list', index]), undefined, index)
      assert.equal(existsAt(root, ['list', index]), false, index)
    }
  })

  it('rejects forbidden or non-string segments given directly (BI-45, BI-46)', () => {
    const root = data('{"a":{}}')
    for (const segments of [['__proto__'], ['constructor', 'prototype'], ['a', 'prototype']]) {
      throwsKey(() => getAt(root, segments))
      throwsKey(() => existsAt(root, segments))
      throwsKey(() => deleteAt(root, segments))
    }
    throwsKey(() => getAt(root, [1] as unknown as string[]))
    throwsKey(() => getAt(root, []))
  })
})

describe('setAt', () => {
  it('creates null-prototype intermediate objects', () => {
    const root = tree()
    setAt(root, ['user', 'profile', 'name'], 'Ada')
    const user = root['user'] as object
    assert.equal(Object.getPrototypeOf(user), null)
    assert.equal(Object.getPrototypeOf((user as Record<string, object>)['profile']), null)
    assert.equal(getAt(root, ['user', 'profile', 'name']), 'Ada')
  })

  it('replaces a primitive or null intermediate by an object', () => {
    const root = data('{"a":"text","b":null,"c":5}')
    setAt(root, ['a', 'x'], 1)
    setAt(root, ['b', 'y'], 2)
    setAt(root, ['c', 'z', 'w'], 3)
    assert.equal(getAt(root, ['a', 'x']), 1)
    assert.equal(getAt(root, ['b', 'y']), 2)
    assert.equal(getAt(root, ['c', 'z', 'w']), 3)
  })

  it('keeps siblings when writing into an existing object', () => {
    const root = data('{"user":{"name":"Ada","age":36}}')
    setAt(root, ['user', 'name'], 'Grace')
    assert.equal(getAt(root, ['user', 'age']), 36)
  })

  it('writes array indices 0..length, where length appends', () => {
    const root = data('{"list":["a","b"]}')
    setAt(root, ['list', '0'], 'A')
    setAt(root, ['list', '2'], 'c')
    setAt(root, ['list', '3', 'name'], 'd')
    assert.deepEqual(JSON.parse(JSON.stringify(root)), { list: ['A', 'b', 'c', { name: 'd' }] })
  })

  it('rejects non-index segments in arrays and leaves the tree unchanged', () => {
    const json = '{"list":["a",{"x":1}],"other":{"k":1}}'
    for (const index of [
      '3',
      '-1',
      '01',
      '1.5',
      '1e0',
      'length',
      'push',
      ' 0',
      '99999999999999999999',
    ]) {
      const root = data(json)
      throwsKey(() => setAt(root, ['list', index], 'v'))
      throwsKey(() => setAt(root, ['list', index, 'deep'], 'v'))
      assert.equal(JSON.stringify(root), json, index)
    }
  })

  it('does not create intermediates when a later step fails', () => {
    const root = data('{"a":{"list":[]}}')
    throwsKey(() => setAt(root, ['a', 'list', 'x', 'y'], 1))
    assert.equal(JSON.stringify(root), '{"a":{"list":[]}}')
  })

  it('refuses to write into objects that are not session data', () => {
    const plain: Record<string, unknown> = {}
    throwsKey(() => setAt(plain, ['x'], 1))
    assert.deepEqual(Object.keys(plain), [])
    const root = tree()
    root['date'] = new Date(0)
    throwsKey(() => setAt(root, ['date', 'x'], 1))
    assert.equal(Object.hasOwn(root['date'] as object, 'x'), false)
  })

  const hostile: unknown[] = [
    '__proto__.isAdmin',
    'constructor.prototype.isAdmin',
    'a.__proto__.x',
    'prototype.x',
    '__proto\\__.isAdmin',
    ['__proto__', 'isAdmin'],
    ['constructor', 'prototype', 'isAdmin'],
    [['__proto__'], 'isAdmin'],
    [{ toString: () => '__proto__' }, 'isAdmin'],
    [Symbol('s'), 'isAdmin'],
    [0, 'isAdmin'],
  ]
  for (const key of hostile) {
    it(`rejects ${String(typeof key === 'string' ? JSON.stringify(key) : 'array key')} with no pollution and no new keys (BI-45, BI-46)`, () => {
      for (const root of [tree(), data('{"a":{}}')]) {
        const before = JSON.stringify(root)
        throwsKey(() => setAt(root, parsePath(key), true))
        throwsKey(() => setAt(root, key as string[], true))
        assert.equal(JSON.stringify(root), before)
      }
      assertNoPollution()
    })
  }
})

describe('deleteAt', () => {
  it('removes an object key and reports it', () => {
    const root = data('{"a":{"b":1,"c":null}}')
    assert.equal(deleteAt(root, ['a', 'c']), true)
    assert.equal(existsAt(root, ['a', 'c']), false)
    assert.equal(deleteAt(root, ['a', 'c']), false)
    assert.equal(getAt(root, ['a', 'b']), 1)
  })

  it('removes an array element, shifting later ones', () => {
    const root = data('{"list":["a","b","c"]}')
    assert.equal(deleteAt(root, ['list', '1']), true)
    assert.deepEqual(getAt(root, ['list']), ['a', 'c'])
    for (const index of ['2', 'length', '-1', '01']) {
      assert.equal(deleteAt(root, ['list', index]), false, index)
    }
    assert.deepEqual(getAt(root, ['list']), ['a', 'c'])
  })

  it('returns false for missing paths and paths through primitives', () => {
    const root = data('{"s":"text","z":null}')
    assert.equal(deleteAt(root, ['missing']), false)
    assert.equal(deleteAt(root, ['missing', 'x']), false)
    assert.equal(deleteAt(root, ['s', 'length']), false)
    assert.equal(deleteAt(root, ['z', 'x']), false)
    assert.equal(deleteAt({}, ['toString']), false)
    assert.equal(typeof Object.prototype.toString, 'function')
  })
})

// Segments of any characters, dots and backslashes included, excluding empty and forbidden ones.
const segmentArb = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.string({ unit: fc.constantFrom('.', '\\', 'a', '_', 'é'), minLength: 1, maxLength: 12 }),
  )
  .filter((s) => !FORBIDDEN.includes(s))
const segmentsArb = fc.array(segmentArb, { minLength: 1, maxLength: MAX_PATH_SEGMENTS })

// Strings made of the pieces most likely to break the grammar or reach a prototype.
const hostileKeyArb = fc.oneof(
  fc.string(),
  fc
    .array(
      fc.constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        '__proto',
        '__',
        'proto',
        '_',
        '.',
        '\\',
        '\\.',
        '\\\\',
        'isAdmin',
        '0',
        'x',
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join('')),
)

describe('paths: properties', () => {
  it('parsePath(formatPath(segments)) returns the segments', () => {
    fc.assert(
      fc.property(segmentsArb, (segments) => {
        const key = formatPath(segments)
        fc.pre(key.length <= MAX_KEY_LENGTH)
        assert.deepEqual(parsePath(key), segments)
      }),
    )
  })

  it('after setAt, getAt returns the value and existsAt is true', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(segmentsArb, fc.jsonValue()), { maxLength: 5 }),
        segmentsArb,
        fc.jsonValue(),
        (earlier, segments, value) => {
          const root = tree()
          for (const [path, v] of earlier) {
            // Earlier values may put arrays on the way; those writes may legitimately fail.
            try {
              setAt(root, path, v)
            } catch (error) {
              assert.ok(error instanceof InvalidSessionKey)
            }
          }
          try {
            setAt(root, segments, value)
          } catch (error) {
            assert.ok(error instanceof InvalidSessionKey)
            return
          }
          assert.equal(getAt(root, segments), value)
          assert.equal(existsAt(root, segments), true)
        },
      ),
    )
  })

  it('setAt on a fresh tree never throws for valid segments', () => {
    fc.assert(
      fc.property(segmentsArb, fc.jsonValue(), (segments, value) => {
        const root = tree()
        setAt(root, segments, value)
        assert.equal(getAt(root, segments), value)
      }),
    )
  })

  it('after deleteAt, existsAt is false and siblings remain', () => {
    fc.assert(
      fc.property(segmentsArb, segmentArb, (segments, sibling) => {
        fc.pre(sibling !== segments[segments.length - 1])
        const root = tree()
        const siblingPath = [...segments.slice(0, -1), sibling]
        setAt(root, siblingPath, 'kept')
        setAt(root, segments, 'gone')
        assert.equal(deleteAt(root, segments), true)
        assert.equal(existsAt(root, segments), false)
        assert.equal(getAt(root, siblingPath), 'kept')
        assert.equal(deleteAt(root, segments), false)
      }),
    )
  })

  it('parsePath throws only InvalidSessionKey and never returns a forbidden or empty segment', () => {
    fc.assert(
      fc.property(hostileKeyArb, (key) => {
        let segments: string[]
        try {
          segments = parsePath(key)
        } catch (error) {
          assert.ok(error instanceof InvalidSessionKey, String(error))
          return
        }
        assert.ok(segments.length >= 1 && segments.length <= MAX_PATH_SEGMENTS)
        for (const segment of segments) {
          assert.ok(segment !== '' && !FORBIDDEN.includes(segment), JSON.stringify(key))
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('no sequence of setAt calls with arbitrary keys touches Object.prototype', () => {
    const protoKeys = Reflect.ownKeys(Object.prototype)
    fc.assert(
      fc.property(
        fc.array(fc.tuple(hostileKeyArb, fc.jsonValue()), { maxLength: 20 }),
        (writes) => {
          const root = tree()
          for (const [key, value] of writes) {
            try {
              setAt(root, parsePath(key), value)
            } catch (error) {
              assert.ok(error instanceof InvalidSessionKey, String(error))
            }
          }
          assert.deepEqual(Reflect.ownKeys(Object.prototype), protoKeys)
          assertNoPollution()
        },
      ),
      { numRuns: 500 },
    )
  })
})
