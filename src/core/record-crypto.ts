/**
 * Encryption at rest: AES-256-GCM over the encoded payload with the ring's record-encryption key,
 * the key id in the envelope (old keys decrypt, the newest encrypts). The associated data binds
 * the store key and the record fields the core trusts outside the payload (the bound user and
 * `createdAt`), so a record copied under another key, re-bound to another user or given a later
 * creation time (to dodge the absolute timeout) fails to open.
 *
 * Each record is encrypted under its own key, HMAC-SHA-256(record-encryption key, 16-byte random
 * salt): random 96-bit GCM nonces under one key are only safe for about 2³² messages, which a busy
 * site writes within a key's lifetime. Records sealed by earlier versions directly under the
 * ring key (`<key id>.<…>`) still open.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto'
import type { KeyRing, RingKey } from './keys.js'
import { randomBytesPooled } from './random.js'

const SALT_BYTES = 16
const NONCE_BYTES = 12
const TAG_BYTES = 16
/** `<key id>~<salted>` (current) or `<key id>.<direct>` (before per-record keys). */
const SEALED_PATTERN = /^([A-Za-z0-9_-]{8})([.~])([A-Za-z0-9_-]+)$/

function recordKey(key: RingKey, salt: Buffer | null): Buffer {
  const ringKey = key.derive('record-encryption')
  return salt === null ? ringKey : createHmac('sha256', ringKey).update(salt).digest()
}

/** The record fields bound into the associated data. */
export interface RecordBinding {
  userId: string | undefined
  createdAt: number | undefined
}

function associatedData(storeKey: string, binding: RecordBinding): Buffer {
  return Buffer.from(
    JSON.stringify([
      'sessionkit/v1/record',
      storeKey,
      binding.userId ?? null,
      binding.createdAt ?? null,
    ]),
  )
}

/** `<key id>~<base64url(salt ‖ nonce ‖ ciphertext ‖ tag)>` under the newest key. */
export function sealPayload(
  ring: KeyRing,
  storeKey: string,
  binding: RecordBinding,
  text: string,
): string {
  const key = ring[0] as RingKey
  const header = randomBytesPooled(SALT_BYTES + NONCE_BYTES)
  const cipher = createCipheriv(
    'aes-256-gcm',
    recordKey(key, header.subarray(0, SALT_BYTES)),
    header.subarray(SALT_BYTES),
  )
  cipher.setAAD(associatedData(storeKey, binding))
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()])
  return `${key.id}~${Buffer.concat([header, body, cipher.getAuthTag()]).toString('base64url')}`
}

/** The plaintext, or null for any failure: unknown key id, tampering, truncation (never throws). */
export function openPayload(
  ring: KeyRing,
  storeKey: string,
  binding: RecordBinding,
  sealed: string,
): string | null {
  const match = SEALED_PATTERN.exec(sealed)
  if (!match) return null
  const key = ring.find((candidate) => candidate.id === match[1])
  if (!key) return null
  const encoded = match[3] as string
  const raw = Buffer.from(encoded, 'base64url')
  const saltBytes = match[2] === '~' ? SALT_BYTES : 0
  const headerBytes = saltBytes + NONCE_BYTES
  if (raw.length < headerBytes + TAG_BYTES || raw.toString('base64url') !== encoded) return null
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      recordKey(key, saltBytes === 0 ? null : raw.subarray(0, saltBytes)),
      raw.subarray(saltBytes, headerBytes),
    )
    decipher.setAAD(associatedData(storeKey, binding))
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES))
    return Buffer.concat([
      decipher.update(raw.subarray(headerBytes, raw.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8')
  } catch {
    return null
  }
}
