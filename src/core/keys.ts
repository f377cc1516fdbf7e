/**
 * Keys and key rings. A key is a base64url string of ≥ 32 random bytes (what `generateKey()`
 * returns); a ring is an array, newest first. One `secret` ring feeds every purpose through
 * HKDF-SHA-256 with a purpose label, so the same secret never serves two purposes (BI-83).
 * Weak, short or sample secrets are refused at construction.
 */
import { createHash, hkdfSync, randomBytes } from 'node:crypto'
import type { ConfigIssue } from './errors.js'

/** What a derived key is used for. */
export type KeyPurpose = 'cookie-signing' | 'record-encryption' | 'cookie-store' | 'csrf'

/** A key of a ring, imported once: its id and its derived keys by purpose. */
export interface RingKey {
  /** First 8 characters of base64url(SHA-256(key)). */
  readonly id: string
  /** The derived 32-byte key for a purpose (cached). */
  derive(purpose: KeyPurpose): Buffer
}

/** A key ring, newest first. */
export type KeyRing = readonly RingKey[]

const KEY_PATTERN = /^[A-Za-z0-9_-]+$/
const MIN_KEY_BYTES = 32
const MIN_DISTINCT_BYTES = 12

/**
 * A new random key: 32 CSPRNG bytes, base64url.
 * @example
 * ```ts
 * import { generateKey } from 'sessionkit'
 * console.log(generateKey()) // put it in SESSION_SECRET
 * ```
 */
export function generateKey(): string {
  return randomBytes(32).toString('base64url')
}

/** Why `key` is not acceptable, or null. */
export function keyProblem(key: unknown): string | null {
  if (typeof key !== 'string')
    return 'must be a string (base64url of ≥ 32 random bytes, see generateKey())'
  if (!KEY_PATTERN.test(key))
    return 'must be base64url (e.g. from generateKey()); sample or passphrase secrets are refused'
  const bytes = Buffer.from(key, 'base64url')
  if (bytes.toString('base64url') !== key) return 'must be canonical base64url'
  if (bytes.length < MIN_KEY_BYTES)
    return `must encode at least ${MIN_KEY_BYTES} bytes (got ${bytes.length})`
  if (new Set(bytes).size < MIN_DISTINCT_BYTES) return 'looks non-random (too few distinct bytes)'
  return null
}

function importKey(key: string): RingKey {
  const material = Buffer.from(key, 'base64url')
  const id = createHash('sha256').update(key).digest('base64url').slice(0, 8)
  const cache = new Map<KeyPurpose, Buffer>()
  return {
    id,
    derive(purpose) {
      let derived = cache.get(purpose)
      if (!derived) {
        derived = Buffer.from(
          hkdfSync('sha256', material, Buffer.alloc(0), `sessionkit/v1/${purpose}`, 32),
        )
        cache.set(purpose, derived)
      }
      return derived
    },
  }
}

/**
 * Check and import a ring given as one key or an array (newest first). Problems are pushed to
 * `issues` under `path`; the result is null when there were any.
 */
export function importKeyRing(value: unknown, path: string, issues: ConfigIssue[]): KeyRing | null {
  const keys = typeof value === 'string' ? [value] : value
  if (!Array.isArray(keys) || keys.length === 0) {
    issues.push({ path, message: 'must be a key or a non-empty array of keys (newest first)' })
    return null
  }
  let ok = true
  keys.forEach((key: unknown, index) => {
    const problem = keyProblem(key)
    if (problem) {
      ok = false
      issues.push({
        path: keys.length === 1 && typeof value === 'string' ? path : `${path}[${index}]`,
        message: problem,
      })
    }
  })
  if (!ok) return null
  const ring = (keys as string[]).map(importKey)
  if (new Set(ring.map((k) => k.id)).size !== ring.length) {
    issues.push({ path, message: 'contains the same key twice' })
    return null
  }
  return ring
}
