/**
 * Tombstones written by earlier releases (`regenerate({ grace })`) must still open: the key that
 * seals `movedTo` stays HKDF-SHA-256 of the old id, whatever computes it.
 */
import assert from 'node:assert/strict'
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { movedKey, openWithId, sealWithId } from '../../src/core/crypto.js'

const INFO = 'sessionkit/v1/moved-to'

describe('the moved-to key', () => {
  it('equals node:crypto HKDF-SHA-256 (empty salt) of the old id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), (oldId) => {
        const expected = Buffer.from(hkdfSync('sha256', oldId, Buffer.alloc(0), INFO, 32))
        assert.ok(movedKey(oldId).equals(expected), 'movedKey differs from hkdfSync')
      }),
    )
  })

  it('opens a move sealed with the hkdfSync key, as earlier releases wrote it', () => {
    const oldId = 'a'.repeat(43)
    const key = Buffer.from(hkdfSync('sha256', oldId, Buffer.alloc(0), INFO, 32))
    const nonce = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key, nonce)
    cipher.setAAD(Buffer.from('old-key'))
    const body = Buffer.concat([cipher.update('123:new-id', 'utf8'), cipher.final()])
    const sealed = Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url')
    assert.equal(openWithId(oldId, 'old-key', sealed), '123:new-id')
    assert.equal(openWithId('b'.repeat(43), 'old-key', sealed), null)
    assert.equal(openWithId(oldId, 'old-key', sealWithId(oldId, 'old-key', 'x')), 'x')
  })
})
