// fast-check properties over the public API: hostile Cookie headers, tampered sealed values,
// masked CSRF tokens and dot paths.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { readCookieValues } from '../../src/core/cookie.js'
import {
  generateKey,
  InvalidSessionKey,
  InvalidSessionValue,
  type SessionRecord,
} from '../../src/index.js'
import { exchange, harness, pairValue } from './helpers.js'

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** A random edit of `text`: replace, insert or delete a short run of characters. */
const mutation = fc.record({
  at: fc.nat(),
  remove: fc.integer({ min: 0, max: 4 }),
  insert: fc.string({
    unit: fc.oneof(
      fc.constantFrom(...BASE64URL, '.', ':', '=', '+', '/', ' '),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 4,
  }),
})

function mutate(text: string, m: { at: number; remove: number; insert: string }): string {
  const at = m.at % (text.length + 1)
  return text.slice(0, at) + m.insert + text.slice(at + m.remove)
}

describe('properties: cookie parsing', () => {
  it('BI-01..11: any Cookie header: open() never throws, and a live pair among junk (without another sid pair) is found', async () => {
    const h = harness()
    const live = await h.seed({ who: 'me' })
    const junk = fc
      .string({ unit: 'binary', maxLength: 200 })
      .filter((s) => !/(^|;)[ \t]*sid=/.test(s))
    await fc.assert(
      fc.asyncProperty(junk, junk, fc.boolean(), async (before, afterJunk, include) => {
        const header = include ? `${before};${live.cookie};${afterJunk}` : `${before};${afterJunk}`
        const { session } = await exchange(h.sessions, header, () => {})
        assert.equal(session.id, include ? live.id : null)
      }),
      { numRuns: 300 },
    )
  })

  // The timeout is a 100× margin over the linear parser, not a timing assert: a parser that is
  // quadratic in the number of pairs (as this one was for '='-less pairs) takes minutes on 2 MB.
  it('BI-02: hostile sizes parse in linear time — n and 2n junk pairs give the same answer with one store read; 2 MB of ";" or "a;" yields nothing', {
    timeout: 20_000,
  }, async () => {
    const h = harness()
    const live = await h.seed()
    for (const junk of ['a=b; ', ';', 'a;', ' ; =;']) {
      for (const n of [50_000, 100_000]) {
        h.calls.length = 0
        const header = `${junk.repeat(n)};${live.cookie}`
        assert.equal((await exchange(h.sessions, header, () => {})).session.id, live.id)
        assert.equal(h.calls.length, 1, 'one read, whatever n')
      }
    }
    for (const header of [
      ';'.repeat(2_097_152),
      'a;'.repeat(1_048_576),
      `x=${'y'.repeat(2_097_152)}`,
    ]) {
      h.calls.length = 0
      assert.deepEqual(readCookieValues(header, 'sid'), [])
      assert.equal((await exchange(h.sessions, header, () => {})).session.id, null)
      assert.deepEqual(h.calls, [])
    }
    assert.ok(readCookieValues('sid=a;'.repeat(200_000), 'sid').length <= 5, 'bounded candidates')
  })
})

describe('properties: tampered sealed values are rejected, never thrown', () => {
  it('BI-34/35: a random edit of an encrypted record envelope never opens', async () => {
    const h = harness({ encryption: { keys: generateKey(), acceptPlaintext: false } })
    const live = await h.seed({ role: 'user' })
    const record = (await h.memory.get(live.handle)) as SessionRecord
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const data = mutate(record.data, m)
        fc.pre(data !== record.data)
        await h.memory.set(live.handle, { ...record, data })
        assert.equal((await exchange(h.sessions, live.cookie, () => {})).session.id, null)
      }),
      { numRuns: 400 },
    )
  })

  it('BI-14: a random edit of a signed cookie value never loads a session', async () => {
    const h = harness({ secret: generateKey() })
    const live = await h.seed()
    const value = pairValue(live.cookie)
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const edited = mutate(value, m)
        fc.pre(edited !== value && !edited.includes(';'))
        assert.equal((await exchange(h.sessions, `sid=${edited}`, () => {})).session.id, null)
      }),
      { numRuns: 400 },
    )
  })

  it('BI-34/35: a random edit of a sealed movedTo is never followed', async () => {
    const h = harness()
    const live = await h.seed()
    await exchange(h.sessions, live.cookie, (s) => s.regenerate({ grace: '5m' }))
    const tombstone = (await h.memory.get(live.handle)) as SessionRecord
    const movedTo = tombstone.movedTo as string
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const edited = mutate(movedTo, m)
        fc.pre(edited !== movedTo)
        await h.memory.set(live.handle, { ...tombstone, movedTo: edited })
        assert.equal((await exchange(h.sessions, live.cookie, () => {})).session.id, null)
      }),
      { numRuns: 400 },
    )
  })
})

describe('properties: masked CSRF tokens', () => {
  it('BI-71 / BI-78: every token a session hands out verifies; garbage of any type never verifies and never throws', async () => {
    const h = harness()
    const live = await h.seed()
    await exchange(h.sessions, live.cookie, async (s) => {
      fc.assert(
        fc.property(fc.nat({ max: 3 }), (n) => {
          for (let i = 0; i <= n; i++) assert.equal(s.verifyCsrf(s.csrfToken()), true)
        }),
        { numRuns: 200 },
      )
      const token = s.csrfToken()
      fc.assert(
        fc.property(
          fc.oneof(
            fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true }),
            fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 86, maxLength: 86 }),
            mutation.map((m) => mutate(token, m)),
          ),
          (candidate) => {
            fc.pre(candidate !== token)
            assert.equal(s.verifyCsrf(candidate), false)
          },
        ),
        { numRuns: 1000 },
      )
    })
  })
})

describe('properties: dot paths', () => {
  const segment = fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'a', 'then', 'toString', '0', ''),
    fc.string({ unit: fc.constantFrom('_', 'p', 'r', 'o', 't', '\\', '.', 'a'), maxLength: 12 }),
  )
  const key = fc.oneof(
    fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.')),
    fc.array(segment, { minLength: 1, maxLength: 5 }),
  )
  const op = fc.constantFrom(
    'set',
    'get',
    'has',
    'exists',
    'forget',
    'pull',
    'push',
    'increment',
    'flash',
    'segment',
  )

  it('BI-45/46/49: no sequence of operations on any key reaches a prototype or throws anything but a typed error', async () => {
    const h = harness()
    const live = await h.seed()
    const before = Object.getOwnPropertyNames(Object.prototype).sort()
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(op, key), { maxLength: 8 }), async (steps) => {
        await exchange(h.sessions, live.cookie, (s) => {
          for (const [name, k] of steps) {
            try {
              const path = k as string
              if (name === 'set') s.set(path, { polluted: true })
              else if (name === 'get') s.get(path)
              else if (name === 'has') s.has(path)
              else if (name === 'exists') s.exists(path)
              else if (name === 'forget') s.forget(Array.isArray(k) ? [path] : path)
              else if (name === 'pull') s.pull(path)
              else if (name === 'push') s.push(path as never, { polluted: true } as never)
              else if (name === 'increment') s.increment(path as never)
              else if (name === 'flash')
                s.flash(Array.isArray(k) ? String(k[0]) : path, { polluted: true })
              else s.segment(Array.isArray(k) ? String(k[0]) : path).set('polluted', true)
            } catch (error) {
              if (!(error instanceof InvalidSessionKey || error instanceof InvalidSessionValue))
                throw error
            }
          }
        })
        assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before)
        assert.equal(({} as { polluted?: boolean }).polluted, undefined)
        assert.equal(([] as unknown as { polluted?: boolean }).polluted, undefined)
      }),
      { numRuns: 300 },
    )
  })
})
