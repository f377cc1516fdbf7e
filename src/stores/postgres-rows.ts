/**
 * Mapping between `SessionRecord`s and rows of the PostgreSQL store.
 */
import { InvalidSessionValue } from '../core/errors.js'
import type { SessionRecord } from '../core/store.js'
import { assertRecord, parseMeta } from './record-check.js'

/**
 * True when `value` holds a NUL character. PostgreSQL text cannot hold NUL (BI-24): no row can
 * have such a key or user, so reads with one find nothing, and writes with one fail
 * deterministically before touching the database.
 */
export const hasNul = (value: string) => value.includes('\u0000')
// Lone surrogates do not survive UTF-8: refuse them rather than store U+FFFD silently.
const LONE_SURROGATE = /\p{Cs}/u

/** The record of a row (columns as the store selects them). */
export function toRecord(row: Record<string, unknown>): SessionRecord {
  const data = row.data as Buffer | string
  const record: SessionRecord = {
    data: typeof data === 'string' ? data : data.toString('utf8'),
    version: Number(row.version),
    expiresAt: Number(row.expires_at),
  }
  if (row.user_id !== null) record.userId = row.user_id as string
  if (row.moved_to !== null) record.movedTo = row.moved_to as string
  const meta = parseMeta(row.meta as string | null)
  if (meta !== undefined) {
    if (row.last_seen_at !== null) meta.lastSeenAt = Number(row.last_seen_at)
    record.meta = meta
  }
  return record
}

/**
 * The column values of `record`, in statement order (data … last_seen_at).
 * @throws {InvalidSessionValue} for what PostgreSQL cannot store faithfully.
 */
export function recordValues(record: SessionRecord): unknown[] {
  assertRecord(record)
  for (const [name, value] of [
    ['userId', record.userId],
    ['movedTo', record.movedTo],
  ] as const) {
    if (value !== undefined && hasNul(value)) {
      throw new InvalidSessionValue(`postgres store: ${name} cannot contain NUL characters`)
    }
  }
  if (LONE_SURROGATE.test(record.data)) {
    throw new InvalidSessionValue('postgres store: data is not well-formed Unicode')
  }
  return [
    Buffer.from(record.data, 'utf8'),
    record.version,
    record.expiresAt,
    record.userId ?? null,
    record.movedTo ?? null,
    record.meta === undefined ? null : JSON.stringify(record.meta),
    record.meta?.lastSeenAt ?? null,
  ]
}
