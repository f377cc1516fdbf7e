// Durations (DESIGN.md "Options"): a non-negative integer of milliseconds or `^\d+(ms|s|m|h|d|w)$`.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { durationMs, parseDuration } from '../../src/core/duration.js'
import { ConfigError } from '../../src/core/errors.js'

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const

describe('parseDuration', () => {
  const valid: [unknown, number][] = [
    [0, 0],
    [1500, 1500],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ['0ms', 0],
    ['250ms', 250],
    ['15s', 15_000],
    ['30m', 1_800_000],
    ['12h', 43_200_000],
    ['1d', 86_400_000],
    ['2w', 1_209_600_000],
    ['007s', 7000],
  ]
  for (const [input, ms] of valid) {
    it(`reads ${JSON.stringify(input)} as ${ms} ms`, () => {
      assert.equal(parseDuration(input), ms)
    })
  }

  const invalid: unknown[] = [
    -1,
    -0.5,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.MAX_SAFE_INTEGER + 1,
    '1.5s',
    ' 1s',
    '1s ',
    '1S',
    '1MS',
    '1 s',
    '-1s',
    '+1s',
    '1e3ms',
    '1',
    's',
    '',
    '1d2h',
    '1y',
    '0x10s',
    '١s',
    '9999999999999999ms',
    '999999999999999w',
    '1s\n',
    null,
    undefined,
    true,
    10n,
    {},
    [],
    ['1s'],
    new Number(5),
    new String('1s'),
    { valueOf: () => 1000 },
    { toString: () => '1s' },
  ]
  for (const input of invalid) {
    const label = typeof input === 'bigint' ? `${input}n` : (JSON.stringify(input) ?? String(input))
    it(`rejects ${label}`, () => {
      assert.equal(parseDuration(input), null)
    })
  }
})

describe('durationMs', () => {
  it('returns milliseconds for a valid duration', () => {
    assert.equal(durationMs('30m', 'idleTimeout'), 1_800_000)
    assert.equal(durationMs(0, 'touchAfter'), 0)
  })

  it('throws ConfigError naming the option path', () => {
    for (const input of ['1.5s', -1, Number.NaN, {}, '1 s']) {
      assert.throws(
        () => durationMs(input, 'lock.timeout'),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.code === 'CONFIG' &&
          error.issues.length === 1 &&
          error.issues[0]?.path === 'lock.timeout' &&
          error.message.includes('lock.timeout'),
      )
    }
  })

  it('does not echo a long bad value', () => {
    const value = `${'x'.repeat(40)}${'SECRET'.repeat(50)}`
    assert.throws(
      () => durationMs(value, 'idleTimeout'),
      (error: unknown) => error instanceof ConfigError && !error.message.includes('SECRET'),
    )
  })
})

describe('duration: properties', () => {
  it('reads <n><unit> as n times the unit whenever the result is a safe integer', () => {
    const unitArb = fc.constantFrom(...(Object.keys(UNITS) as (keyof typeof UNITS)[]))
    fc.assert(
      fc.property(fc.nat({ max: 999_999_999_999 }), unitArb, (n, unit) => {
        const ms = n * UNITS[unit]
        assert.equal(parseDuration(`${n}${unit}`), Number.isSafeInteger(ms) ? ms : null)
      }),
    )
  })

  it('accepts exactly the safe non-negative integers among numbers', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.maxSafeInteger()), (n) => {
        const ok = Number.isSafeInteger(n) && n >= 0
        assert.equal(parseDuration(n), ok ? n + 0 : null)
      }),
    )
  })

  it('rejects every string that does not match the grammar', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        fc.pre(!/^\d+(ms|s|m|h|d|w)$/.test(s))
        assert.equal(parseDuration(s), null)
      }),
    )
  })
})
