import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { RecordMeta, SessionRecord } from '../../src/core/store.js'
import {
  packedExpiresAt,
  packedUserId,
  packedVersion,
  packNumber,
  packRecord,
  touchPacked,
  unpackRecord,
} from '../../src/stores/packed-record.js'
import { isCoreMeta, parseMeta } from '../../src/stores/record-check.js'

// What a store must give back: the record with its metadata as a JSON round trip of it.
function expected(record: SessionRecord): SessionRecord {
  const out: SessionRecord = {
    data: record.data,
    version: record.version,
    expiresAt: record.expiresAt,
  }
  if (record.userId !== undefined) out.userId = record.userId
  if (record.movedTo !== undefined) out.movedTo = record.movedTo
  const { meta } = record
  if (meta === undefined) return out
  if (isCoreMeta(meta)) {
    const copy: RecordMeta = { createdAt: meta.createdAt, lastSeenAt: meta.lastSeenAt }
    if (meta.ip !== undefined) copy.ip = meta.ip
    if (meta.userAgent !== undefined) copy.userAgent = meta.userAgent
    out.meta = copy
  } else {
    const copy = parseMeta(JSON.stringify(meta))
    if (copy !== undefined) out.meta = copy
  }
  return out
}

const text = fc.string({ unit: 'binary', maxLength: 300 })
const anyNumber = fc.oneof(
  fc.double({ noNaN: true }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom(0, -0, 1, 255, 256, 2 ** 48, 2 ** 53 - 1, 2 ** 53, 1e21, -1, 0.5, Infinity),
)
const finite = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  anyNumber.filter(Number.isFinite),
)
const coreMeta = fc.record(
  {
    createdAt: finite,
    lastSeenAt: finite,
    ip: fc.option(text, { nil: undefined }),
    userAgent: fc.option(text, { nil: undefined }),
  },
  { requiredKeys: ['createdAt', 'lastSeenAt'] },
)
const otherMeta = fc.oneof(
  fc.record({ createdAt: finite, lastSeenAt: finite, extra: fc.jsonValue() }),
  fc.record({ createdAt: fc.constantFrom(Number.NaN, Infinity), lastSeenAt: finite }),
  fc.record({ lastSeenAt: finite }),
)
const record = fc.record(
  {
    data: text,
    version: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.maxSafeInteger(), fc.integer()),
    expiresAt: anyNumber,
    userId: text,
    movedTo: text,
    meta: fc.oneof(coreMeta, otherMeta) as fc.Arbitrary<RecordMeta>,
  },
  { requiredKeys: ['data', 'version', 'expiresAt'] },
) as fc.Arbitrary<SessionRecord>

describe('packed records (memory store)', () => {
  it('unpack(pack(r)) is r with its metadata as a JSON round trip, for any record', () => {
    fc.assert(
      fc.property(record, (r) => {
        const packed = packRecord(r)
        assert.deepStrictEqual(unpackRecord(packed), expected(r))
        assert.ok(Object.is(packedExpiresAt(packed), r.expiresAt), 'packedExpiresAt reads it')
        assert.equal(packedVersion(packed), r.version)
        assert.equal(packedUserId(packed), r.userId)
      }),
      { numRuns: 2000 },
    )
  })

  it('touchPacked sets expiresAt and meta.lastSeenAt and keeps every other field', () => {
    fc.assert(
      fc.property(record, anyNumber, fc.oneof(anyNumber, fc.constant(Number.NaN)), (r, e, seen) => {
        const touched = unpackRecord(touchPacked(packRecord(r), e, seen))
        const want = expected(r)
        want.expiresAt = e
        if (want.meta !== undefined) want.meta.lastSeenAt = seen
        assert.deepStrictEqual(touched, expected(want))
      }),
      { numRuns: 2000 },
    )
  })

  it('round-trips unicode strings, empty strings and big or odd numbers field by field', () => {
    const r: SessionRecord = {
      data: 'sk1:json:{"u":"😀 ünï"}\u0000',
      version: Number.MAX_SAFE_INTEGER,
      expiresAt: 2 ** 53,
      userId: 'ユーザー\uD800',
      movedTo: '',
      meta: { createdAt: -0, lastSeenAt: 1.5, ip: '::1', userAgent: 'x'.repeat(70_000) },
    }
    assert.deepStrictEqual(unpackRecord(packRecord(r)), r)
  })

  it('drops undefined metadata fields and metadata that is not an object after JSON', () => {
    const meta = { createdAt: 1, lastSeenAt: 2, ip: undefined } as unknown as RecordMeta
    assert.deepStrictEqual(
      unpackRecord(packRecord({ data: 'd', version: 1, expiresAt: 3, meta })),
      {
        data: 'd',
        version: 1,
        expiresAt: 3,
        meta: { createdAt: 1, lastSeenAt: 2 },
      },
    )
    const weird = { toJSON: () => 5 } as unknown as RecordMeta
    assert.deepStrictEqual(
      unpackRecord(packRecord({ data: 'd', version: 1, expiresAt: 3, meta: weird })),
      { data: 'd', version: 1, expiresAt: 3 },
    )
  })

  it('costs one character per byte of an integer, plus a count: a typical record adds 24', () => {
    assert.equal(packNumber(0), '\u0000')
    assert.equal(packNumber(256), '\u0002\u0001\u0000')
    const at = Date.UTC(2030, 0, 1)
    const data = 'sk1:json:{"v":1}'
    const packed = packRecord({
      data,
      version: 1,
      expiresAt: at + 1_800_000,
      meta: { createdAt: at, lastSeenAt: at },
    })
    assert.equal(packed.length - data.length, 24)
  })
})
