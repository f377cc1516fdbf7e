/**
 * Encryption at rest: AES-256-GCM over the encoded payload with the ring's record-encryption key,
 * the key id in the envelope (old keys decrypt, the newest encrypts). The associated data binds
 * the store key and the record fields the core trusts outside the payload (the bound user and
 * `createdAt`), so a record copied under another key, re-bound to another user or given a later
 * creation time (to dodge the absolute timeout) fails to open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { KeyRing } from './keys.js'

const NONCE_BYTES = 12
const TAG_BYTES = 16
const SEALED_PATTERN = /^([A-Za-z0-9_-]{8})\.([A-Za-z0-9_-]+)$/

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

/** `<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>` under the newest key. */
export function sealPayload(
  ring: KeyRing,
  storeKey: string,
  binding: RecordBinding,
  text: string,
): string {
  const key = ring[0] as KeyRing[number]
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key.derive('record-encryption'), nonce)
  cipher.setAAD(associatedData(storeKey, binding))
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()])
  return `${key.id}.${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url')}`
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
  const raw = Buffer.from(match[2] as string, 'base64url')
  if (raw.length < NONCE_BYTES + TAG_BYTES || raw.toString('base64url') !== match[2]) return null
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      key.derive('record-encryption'),
      raw.subarray(0, NONCE_BYTES),
    )
    decipher.setAAD(associatedData(storeKey, binding))
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES))
    return Buffer.concat([
      decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8')
  } catch {
    return null
  }
}
