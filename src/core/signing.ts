/**
 * Signed cookie values: `<id>.<signature>`, the signature being base64url HMAC-SHA-256 of the id
 * under the ring's cookie-signing key. Verified in constant time against every key of the ring,
 * newest first, so secrets rotate by ring order (BI-14).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { KeyRing } from './keys.js'

const SIGNATURE_LENGTH = 43
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{43}$/

function signatureOf(ring: KeyRing, index: number, id: string): Buffer {
  return createHmac('sha256', (ring[index] as KeyRing[number]).derive('cookie-signing'))
    .update(id)
    .digest()
}

/** The cookie value for `id`, signed with the newest key. */
export function signCookieValue(ring: KeyRing, id: string): string {
  return `${id}.${signatureOf(ring, 0, id).toString('base64url')}`
}

/** The outcome of reading a signed value. */
export type SignedValue =
  | { ok: true; id: string; stale: boolean }
  | { ok: false; reason: 'malformed' | 'bad-signature' }

/**
 * The id inside a signed cookie value. `stale` is true when an older key of the ring signed it
 * (the response should re-sign with the newest). Never throws.
 */
export function verifyCookieValue(
  ring: KeyRing,
  value: string,
  isId: (id: string) => boolean,
): SignedValue {
  const dot = value.lastIndexOf('.')
  if (dot < 1) return { ok: false, reason: 'malformed' }
  const id = value.slice(0, dot)
  const signature = value.slice(dot + 1)
  if (!isId(id)) return { ok: false, reason: 'malformed' }
  if (signature.length !== SIGNATURE_LENGTH || !SIGNATURE_PATTERN.test(signature)) {
    return { ok: false, reason: 'bad-signature' }
  }
  const given = Buffer.from(signature, 'base64url')
  if (given.length !== 32 || given.toString('base64url') !== signature) {
    return { ok: false, reason: 'bad-signature' }
  }
  for (let index = 0; index < ring.length; index++) {
    if (timingSafeEqual(given, signatureOf(ring, index, id)))
      return { ok: true, id, stale: index > 0 }
  }
  return { ok: false, reason: 'bad-signature' }
}
