// SECURITY-CHECKLIST G: dot-notation access, data shape and size, session flooding — through
// the request-scoped Session API.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  InvalidSessionKey,
  InvalidSessionValue,
  type Session,
  SessionError,
  type SessionRecord,
  SessionTooLarge,
} from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { ctx, exchange, freshId, harness } from './helpers.js'

const isKeyError = (error: unknown) => error instanceof InvalidSessionKey
const isValueError = (error: unknown) => error instanceof InvalidSessionValue

function assertNoPollution(): void {
  for (const name of ['isAdmin', 'x', 'polluted']) {
    assert.equal(Object.hasOwn(Object.prototype, name), false, `Object.prototype.${name}`)
    assert.equal(({} as Record<string, unknown>)[name], undefined)
  }
}

function label(key: unknown): string {
  const text = Array.isArray(key)
    ? `array of ${key.length}`
    : typeof key === 'string'
      ? key
      : typeof key
  return text.slice(0, 40)
}

/** Every accessor throws InvalidSessionKey for `key`, and nothing was started or written. */
async function assertRejectedEverywhere(key: unknown): Promise<void> {
  const h = harness()
  const { session } = await exchange(h.sessions, undefined, (s: Session) => {
    const k = key as string
    const calls: Array<[string, () => unknown]> = [
      ['set', () => s.set(k, true)],
      ['get', () => s.get(k)],
      ['has', () => s.has(k)],
      ['exists', () => s.exists(k)],
      // forget() also takes a list of keys: an array key goes inside a list.
      ['forget', () => s.forget(Array.isArray(key) ? [k] : k)],
      ['pull', () => s.pull(k)],
      ['push', () => s.push(k as never, 1 as never)],
      ['increment', () => s.increment(k as never)],
      ['segment.set', () => s.segment('seg').set(k, true)],
    ]
    for (const [name, call] of calls) assert.throws(call, isKeyError, `${name}(${label(key)})`)
  })
  assert.equal(session.id, null, 'a rejected write starts no session')
  assertNoPollution()
}

describe('G. dot paths and data shape', () => {
  for (const key of [
    '__proto__.isAdmin',
    'constructor.prototype.isAdmin',
    'a.__proto__.x',
    'prototype.x',
    '__proto__',
    'a.constructor',
  ]) {
    it(`BI-45: ${JSON.stringify(key)} is refused by every accessor; nothing is polluted`, () =>
      assertRejectedEverywhere(key))
  }

  it('BI-45: reserved names as segment names and flash keys are refused', async () => {
    await exchange(harness().sessions, undefined, (s) => {
      for (const name of ['__proto__', 'prototype', 'constructor']) {
        assert.throws(() => s.segment(name), isKeyError)
        assert.throws(() => s.flash(name, true), isKeyError)
      }
    })
    assertNoPollution()
  })

  for (const [label, key] of [
    ["['__proto__', 'x']", ['__proto__', 'x']],
    ["[['__proto__'], 'x']", [['__proto__'], 'x']],
    ['a segment whose toString() is "__proto__"', [{ toString: () => '__proto__' }, 'x']],
    ['a number segment', [1]],
    ['a Symbol segment', [Symbol('s')]],
    ['a Symbol key', Symbol('k')],
    ['a number key', 42],
    ['an object key', { toString: () => 'a' }],
  ] as Array<[string, unknown]>) {
    it(`BI-46: ${label} is refused`, () => assertRejectedEverywhere(key))
  }

  it('BI-47: API names (then, save, regenerate, destroy, id, cookie, toJSON, hasOwnProperty) are plain data; `await session` is the session', async () => {
    const h = harness()
    const names = [
      'then',
      'save',
      'regenerate',
      'destroy',
      'reload',
      'touch',
      'id',
      'cookie',
      'toJSON',
      'hasOwnProperty',
    ]
    const { cookie } = await exchange(h.sessions, undefined, (s) => {
      for (const name of names) s.set(name, `data:${name}`)
    })
    await exchange(h.sessions, cookie, async (s) => {
      assert.equal(await s, s, 'not a thenable')
      for (const name of names) assert.equal(s.get(name), `data:${name}`)
      assert.equal(typeof s.save, 'function')
      assert.equal(typeof s.regenerate, 'function')
      assert.notEqual(s.id, 'data:id')
    })
  })

  for (const [label, key] of [
    ['empty', ''],
    ['"."', '.'],
    ['"a..b"', 'a..b'],
    ['"a."', 'a.'],
    ['".a"', '.a'],
    ['of 10,000 segments', Array.from({ length: 10_000 }, () => 'a').join('.')],
    ['of 1 MB', 'a'.repeat(1_048_576)],
    ['of 10,000 array segments', Array.from({ length: 10_000 }, () => 'a')],
    ['with a trailing backslash', 'a\\'],
  ] as Array<[string, unknown]>) {
    it(`BI-48: the key ${label} → InvalidSessionKey`, () => assertRejectedEverywhere(key))
  }

  it('BI-49: "a\\.b" is one key with a literal dot; an escape can never build a forbidden segment', async () => {
    await exchange(harness().sessions, undefined, (s) => {
      s.set('files.report\\.pdf', 1)
      assert.deepEqual(JSON.parse(JSON.stringify(s.get('files'))), { 'report.pdf': 1 })
      assert.equal(s.get(['files', 'report.pdf']), 1)
    })
    for (const key of ['__proto\\__', '\\_\\_proto\\_\\_', '__pro\\to__', 'a.__proto__\\.x\\']) {
      await assertRejectedEverywhere(key)
    }
    await exchange(harness().sessions, undefined, (s) => {
      // A literal dot makes it another name: "__proto__.x" as one segment is not __proto__.
      s.set('__proto__\\.x', 1)
      assert.equal(s.get(['__proto__.x']), 1)
    })
    assertNoPollution()
  })

  it('BI-50: a stored record with own __proto__ keys in data and flash is loaded, merged and flashed without pollution', async () => {
    const h = harness()
    const live = await h.seed({ a: 1 })
    const record = (await h.memory.get(live.handle)) as SessionRecord
    const payload =
      '{"v":1,"r":{"d":{"ok":1,"__proto__":{"isAdmin":true},"n":{"constructor":{"prototype":{"isAdmin":true}}}},"f":{"__proto__":{"isAdmin":true},"msg":"hi"},"x":{}},"s":{"__proto__":{"d":{},"f":{},"x":{}}}}'
    await h.memory.set(live.handle, { ...record, data: `sk1:json:${payload}` })
    // Two concurrent requests: the second commit merges into what the first wrote.
    const r1 = await h.sessions.open(ctx({ cookie: live.cookie }))
    const r2 = await h.sessions.open(ctx({ cookie: live.cookie }))
    assert.equal(r1.session.getFlash('msg'), 'hi')
    r1.session.set('n.more', 1)
    r2.session.set('other', 2)
    r1.finalize()
    await r1.commit()
    r2.finalize()
    await r2.commit()
    const { result } = await exchange(h.sessions, live.cookie, (s) => s.all())
    assert.deepEqual(JSON.parse(JSON.stringify(result)), { ok: 1, n: { more: 1 }, other: 2 })
    assertNoPollution()
  })

  for (const [label, value] of [
    ['a BigInt', 10n],
    [
      'a circular object',
      (() => {
        const o: Record<string, unknown> = {}
        o.self = o
        return o
      })(),
    ],
    ['undefined', undefined],
    ['a function', () => 1],
    ['a Symbol', Symbol('s')],
    ['a Date', new Date(0)],
    ['a Map', new Map([['a', 1]])],
    ['a Set', new Set([1])],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a class instance', new (class Point {})()],
  ] as Array<[string, unknown]>) {
    it(`BI-51: ${label} fails at set() with InvalidSessionValue, before anything is stored`, async () => {
      const h = harness()
      const { session } = await exchange(h.sessions, undefined, (s) => {
        assert.throws(() => s.set('v', value), isValueError)
        assert.throws(() => s.set('nested', { deep: [value] }), isValueError)
      })
      assert.equal(session.id, null)
    })
  }

  it('BI-51: numeric keys become strings, -0 becomes 0 (documented JSON round trip)', async () => {
    const h = harness()
    const { cookie } = await exchange(h.sessions, undefined, (s) => s.set('m', { 1: 'one', z: -0 }))
    const { result } = await exchange(h.sessions, cookie, (s) => s.get('m'))
    assert.deepEqual(JSON.parse(JSON.stringify(result)), { 1: 'one', z: 0 })
    assert.ok(Object.is((result as { z: number }).z, 0))
  })

  it('BI-52: a 10 MB payload fails with SessionTooLarge (413) at finalize, before headers; nothing is stored', async () => {
    const h = harness()
    const rs = await h.sessions.open(ctx())
    rs.session.set('big', 'x'.repeat(10 * 1_048_576))
    assert.throws(
      () => rs.finalize(),
      (e: unknown) => e instanceof SessionTooLarge && SessionError.is(e) && e.status === 413,
    )
    await rs.abort()
    assert.equal(h.calls.filter((c) => c.operation === 'set').length, 0)
  })

  it('BI-52: 100,000 levels of nesting fail at set() without a stack overflow', async () => {
    let deep: unknown = 1
    for (let i = 0; i < 100_000; i++) deep = { d: deep }
    let deepArray: unknown = 1
    for (let i = 0; i < 100_000; i++) deepArray = [deepArray]
    await exchange(harness().sessions, undefined, (s) => {
      assert.throws(() => s.set('deep', deep), isValueError)
      assert.throws(() => s.set('deep', deepArray), isValueError)
    })
  })
})

describe('G. flooding (BI-53)', () => {
  it('BI-53: 500 cookie-less requests and 500 random well-formed ids create no record and write nothing', async () => {
    const h = harness()
    for (let i = 0; i < 500; i++) await exchange(h.sessions, undefined, (s) => s.get('a'))
    for (let i = 0; i < 500; i++) await exchange(h.sessions, `sid=${freshId()}`, (s) => s.has('a'))
    assert.equal(
      h.calls.filter((c) => c.operation !== 'get').length,
      0,
      'no write, touch or destroy',
    )
    let records = 0
    for await (const _ of h.memory.scan?.() ?? []) records++
    assert.equal(records, 0)
  })

  it('BI-53: the memory store keeps at most `max` records (LRU), so a flood of sessions cannot exhaust memory', async () => {
    const memory = createMemoryStore({ max: 20, sweepInterval: 0 })
    const { createSessions } = await import('../../src/index.js')
    const sessions = createSessions({ store: memory })
    for (let i = 0; i < 200; i++) await exchange(sessions, undefined, (s) => s.set('i', i))
    let records = 0
    for await (const _ of memory.scan?.() ?? []) records++
    assert.ok(records <= 20, `${records} records kept`)
    await sessions.close()
  })
})
