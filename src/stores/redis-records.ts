/**
 * Key layout and record encoding of the Redis store.
 *
 * Keys (P = prefix): a session `P{key}` and its lock `P{key}:lock` share the hash tag `{key}`, so
 * they live on one cluster slot; a user's index set is `P user:{sha256hex(userId)}`, on the slot
 * of the user. No two of these can collide whatever the key: a session key ends in `}`, a lock
 * key in `k`, and only a user key has `u` after the prefix. Records are hashes (see
 * redis-scripts.ts for the fields).
 */
import { createHash } from 'node:crypto'
import type { SessionRecord } from '../core/store.js'
import { parseMeta } from './record-check.js'
import { text } from './redis-client.js'
import { FIELDS } from './redis-scripts.js'

/** The keys of one store prefix. */
export class Keyspace {
  readonly #prefix: string

  constructor(prefix: string) {
    this.#prefix = prefix
  }

  /** The hash holding the record of `key`. */
  session(key: string): string {
    return `${this.#prefix}{${key}}`
  }

  /** The lock of `key` (same slot as its record). */
  lock(key: string): string {
    return `${this.#prefix}{${key}}:lock`
  }

  /** The index set of `userId`: named by a hash, so user input never reaches a key or pattern. */
  user(userId: string): string {
    return `${this.#prefix}user:{${createHash('sha256').update(userId).digest('hex')}}`
  }

  /** The SCAN MATCH pattern of session keys, built from the configured prefix only. */
  pattern(): string {
    return `${this.#prefix.replace(/[*?[\]\\]/g, '\\$&')}{*}`
  }

  /** The store key of a session key found by SCAN, or undefined for any other key. */
  keyOf(redisKey: string): string | undefined {
    const head = `${this.#prefix}{`
    if (!redisKey.startsWith(head) || !redisKey.endsWith('}')) return undefined
    return redisKey.slice(head.length, -1)
  }
}

/**
 * Hash field/value pairs for `record` (HSET arguments); `indexedUntil` is the user index score
 * of a bound record.
 */
export function toFields(record: SessionRecord, indexedUntil: number): string[] {
  const fields = ['d', record.data, 'v', String(record.version), 'e', String(record.expiresAt)]
  if (record.userId !== undefined) fields.push('u', record.userId, 'ix', String(indexedUntil))
  if (record.movedTo !== undefined) fields.push('m', record.movedTo)
  if (record.meta !== undefined) fields.push('meta', JSON.stringify(record.meta))
  return fields
}

/**
 * The record from an HMGET reply over {@link FIELDS}; null when absent, malformed, or not live
 * at `now` (Redis expires the key itself; this guards the last millisecond and clock skew).
 */
export function fromFields(reply: unknown, now: number): SessionRecord | null {
  if (!Array.isArray(reply) || reply.length !== FIELDS.length) return null
  const [d, v, e, u, m, meta, ls] = reply.map(text)
  if (d === null || d === undefined || v == null || e == null) return null
  const record: SessionRecord = { data: d, version: Number(v), expiresAt: Number(e) }
  if (!(record.expiresAt > now) || !Number.isSafeInteger(record.version)) return null
  if (u != null) record.userId = u
  if (m != null) record.movedTo = m
  const parsed = parseMeta(meta)
  if (parsed !== undefined) {
    if (ls != null) parsed.lastSeenAt = Number(ls)
    record.meta = parsed
  }
  return record
}

// About 4,000 years: far beyond any session, well inside what PEXPIRE accepts.
const MAX_PX = 2 ** 47

/** PX for a record expiring at `expiresAt` judged at `now`; 0 means already expired. */
export function pxUntil(expiresAt: number, now: number): number {
  if (Number.isNaN(expiresAt) || expiresAt === Number.POSITIVE_INFINITY) {
    throw new RangeError('expiresAt must be a finite number of milliseconds')
  }
  const px = Math.ceil(expiresAt - now)
  return px > 0 ? Math.min(px, MAX_PX) : 0
}

/**
 * The user index score for a record expiring at `expiresAt`, `px` ms from now: its expiry plus
 * its remaining life again, so an active session's touches re-index it about once per idle
 * window rather than on every touch. Never below `expiresAt`.
 */
export function indexUntil(expiresAt: number, px: number): number {
  return expiresAt + px
}
