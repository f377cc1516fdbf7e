// The versioned envelope `sk1:<codec id>:<payload>` and the JSON codec (BI-43, BI-50).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  type Codec,
  isCodecId,
  jsonCodec,
  openEnvelope,
  sealEnvelope,
} from '../../src/core/codec.js'
import { DecryptionFailed } from '../../src/core/errors.js'
import { jsonEqual } from '../../src/core/values.js'

function codec(id: string): Codec {
  return { id, encode: (v) => JSON.stringify(v), decode: (t) => JSON.parse(t) }
}

function throwsDecryption(fn: () => unknown): void {
  assert.throws(
    fn,
    (error: unknown) => error instanceof DecryptionFailed && error.code === 'DECRYPTION_FAILED',
  )
}

describe('sealEnvelope / openEnvelope', () => {
  it('writes the versioned format', () => {
    assert.equal(sealEnvelope(jsonCodec, '{"a":1}'), 'sk1:json:{"a":1}')
  })

  it('opens what it sealed, for any payload', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (payload) => {
        assert.equal(openEnvelope(jsonCodec, sealEnvelope(jsonCodec, payload)), payload)
      }),
    )
  })

  it('opens with any valid codec id', () => {
    const idArb = fc.stringMatching(/^[a-z0-9-]{1,16}$/)
    fc.assert(
      fc.property(idArb, fc.string(), (id, payload) => {
        assert.equal(openEnvelope(codec(id), sealEnvelope(codec(id), payload)), payload)
      }),
    )
  })

  it('rejects other formats', () => {
    for (const data of [
      '',
      '{"a":1}',
      'json:{"a":1}',
      'sk2:json:{}',
      'SK1:json:{}',
      'sk1json:{}',
      'sk1:json{}',
      'sk1;json:{}',
      ' sk1:json:{}',
      'sk1::json:{}',
    ]) {
      throwsDecryption(() => openEnvelope(jsonCodec, data))
    }
  })

  it("rejects another codec's envelope, including ids that prefix one another", () => {
    throwsDecryption(() => openEnvelope(jsonCodec, sealEnvelope(codec('msgpack'), 'x')))
    throwsDecryption(() => openEnvelope(codec('js'), sealEnvelope(jsonCodec, 'x')))
    throwsDecryption(() => openEnvelope(jsonCodec, sealEnvelope(codec('js'), 'on:x')))
    throwsDecryption(() => openEnvelope(jsonCodec, sealEnvelope(codec('jsonx'), 'x')))
  })

  it('rejects every truncation that cuts into the header', () => {
    const sealed = sealEnvelope(jsonCodec, '{"user":"ada"}')
    const header = 'sk1:json:'.length
    for (let length = 0; length < header; length++) {
      throwsDecryption(() => openEnvelope(jsonCodec, sealed.slice(0, length)))
    }
    // Past the header the payload is whatever is left; the codec then judges it.
    for (let length = header; length <= sealed.length; length++) {
      assert.equal(openEnvelope(jsonCodec, sealed.slice(0, length)), sealed.slice(header, length))
    }
  })
})

describe('isCodecId', () => {
  it('accepts lower-case letters, digits and dashes, 1 to 16 long', () => {
    for (const id of ['json', 'msgpack', 'v8-2', 'a', 'a'.repeat(16)]) assert.ok(isCodecId(id), id)
  })
  it('rejects anything else', () => {
    for (const id of ['', 'JSON', 'js:on', 'js on', 'a'.repeat(17), 'ü', 1, null, undefined]) {
      assert.equal(isCodecId(id), false, String(id))
    }
  })
})

describe('jsonCodec', () => {
  it('decodes into null-prototype objects (BI-43)', () => {
    const decoded = jsonCodec.decode('{"user":{"roles":[{"name":"admin"}]}}') as Record<
      string,
      { roles: object[] }
    >
    assert.equal(Object.getPrototypeOf(decoded), null)
    assert.equal(Object.getPrototypeOf(decoded['user']), null)
    assert.equal(Object.getPrototypeOf(decoded['user']?.roles[0]), null)
    // No inherited methods to shadow or hijack: a stored `then` is plain data.
    assert.equal((decoded as Record<string, unknown>)['toString'], undefined)
  })

  it('drops own __proto__, constructor and prototype keys at any depth (BI-50)', () => {
    const decoded = jsonCodec.decode(
      '{"__proto__":{"isAdmin":true},"a":{"constructor":{"prototype":{"isAdmin":true}}},"list":[{"__proto__":{"x":1},"ok":true}]}',
    )
    assert.ok(jsonEqual(decoded, { a: {}, list: [{ ok: true }] }))
    const probe = {} as Record<string, unknown>
    assert.equal(probe['isAdmin'], undefined)
    assert.equal(probe['x'], undefined)
    // Copying the decoded data into a plain object cannot reach Object.prototype either.
    const merged = Object.assign({}, decoded) as Record<string, unknown>
    assert.equal(Object.getPrototypeOf(merged), Object.prototype)
    assert.equal(merged['isAdmin'], undefined)
  })

  it('round-trips JSON values without forbidden keys', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = jsonCodec.encode(value)
        fc.pre(!/"(__proto__|constructor|prototype)":/.test(text))
        assert.ok(jsonEqual(jsonCodec.decode(text), value))
      }),
    )
  })

  it('throws on malformed text', () => {
    assert.throws(() => jsonCodec.decode('{"a":'), SyntaxError)
  })
})
