/**
 * CSRF synchronizer tokens. The secret (32 random bytes) lives in the session; every
 * `csrfToken()` returns it XOR-masked with fresh randomness, base64url of `mask ‖ masked`
 * (constant length, different on every render: BREACH-safe). Verification unmasks and compares
 * in constant time, checking length and alphabet first; garbage never throws.
 */
import { timingSafeEqual } from 'node:crypto'
import { randomBase64url, randomBytesPooled } from './random.js'

const SECRET_BYTES = 32
/** Length of a masked token in characters: base64url of 64 bytes. */
export const CSRF_TOKEN_LENGTH = 86
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{86}$/
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/

/** A new CSRF secret (base64url of 32 CSPRNG bytes). */
export function generateCsrfSecret(): string {
  return randomBase64url(SECRET_BYTES)
}

/** True for a string shaped like a stored secret. */
export function isCsrfSecret(value: unknown): value is string {
  return typeof value === 'string' && SECRET_PATTERN.test(value)
}

/** A freshly masked token for `secret`. */
export function maskCsrfToken(secret: string): string {
  const secretBytes = Buffer.from(secret, 'base64url')
  const mask = randomBytesPooled(SECRET_BYTES)
  const out = Buffer.allocUnsafe(SECRET_BYTES * 2)
  mask.copy(out, 0)
  for (let i = 0; i < SECRET_BYTES; i++)
    out[SECRET_BYTES + i] = (mask[i] as number) ^ (secretBytes[i] as number)
  return out.toString('base64url')
}

/** Whether `candidate` unmasks to `secret`. Never throws. */
export function verifyCsrfToken(secret: string, candidate: unknown): boolean {
  if (typeof candidate !== 'string' || candidate.length !== CSRF_TOKEN_LENGTH) return false
  if (!TOKEN_PATTERN.test(candidate)) return false
  const raw = Buffer.from(candidate, 'base64url')
  // Canonical encoding only (BI-36): the last character carries 2 unused bits, and Node's decoder
  // ignores them, so four spellings of one token would otherwise all verify.
  if (raw.length !== SECRET_BYTES * 2 || raw.toString('base64url') !== candidate) return false
  const unmasked = Buffer.allocUnsafe(SECRET_BYTES)
  for (let i = 0; i < SECRET_BYTES; i++)
    unmasked[i] = (raw[i] as number) ^ (raw[SECRET_BYTES + i] as number)
  const expected = Buffer.from(secret, 'base64url')
  return expected.length === SECRET_BYTES && timingSafeEqual(unmasked, expected)
}
