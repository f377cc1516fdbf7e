/**
 * Session ids and store keys. An id is 32 CSPRNG bytes in base64url (43 characters); the store
 * only ever sees its key, base64url(SHA-256(id)), so a leaked store dump cannot be replayed.
 */
import { hash } from 'node:crypto'
import { randomBase64url } from './random.js'

/** Length of a default id: 32 bytes in unpadded base64url. */
export const DEFAULT_ID_LENGTH = 43

/** Alphabet and length bounds accepted for custom ids (≥ 128 bits as base64url). */
export const CUSTOM_ID_PATTERN = /^[A-Za-z0-9_-]{22,256}$/

const DEFAULT_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/

/** A fresh id: 32 bytes from the CSPRNG, base64url. Throws if the CSPRNG fails (never falls back). */
export function generateId(): string {
  return randomBase64url(32)
}

/** True for a string shaped like a default id (exact length and alphabet). */
export function isDefaultId(value: string): boolean {
  return value.length === DEFAULT_ID_LENGTH && DEFAULT_ID_PATTERN.test(value)
}

/** True for a string shaped like a custom id. */
export function isCustomId(value: string): boolean {
  return value.length >= 22 && value.length <= 256 && CUSTOM_ID_PATTERN.test(value)
}

/** The store key (the session's handle) of an id. */
export function storeKey(id: string): string {
  // One-shot hash: a third of createHash().update().digest()'s cost (no Hash object per call).
  return hash('sha256', id, 'base64url')
}

/** A short, non-reversible label for debug logs: never log a whole id. */
export function logLabel(keyOrId: string | null): string {
  return keyOrId === null ? '-' : `${keyOrId.slice(0, 6)}…`
}
