/**
 * Records as JSON, for stores that keep a whole record in one value (file, memcached,
 * express-store bridge). Reading validates the shape: a value that is not a record is "no
 * record", never a crash (BI-21, BI-31); only known fields are kept.
 */
import type { RecordMeta, SessionRecord } from '../core/store.js'

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The record in `value` (a parsed JSON object, or an object handed back by another store), as a
 * fresh object that shares nothing with `value`; undefined when the shape is wrong.
 */
export function recordFromJson(value: unknown): SessionRecord | undefined {
  if (!isObject(value)) return undefined
  const { data, version, expiresAt, userId, movedTo, meta } = value
  if (
    typeof data !== 'string' ||
    !Number.isSafeInteger(version) ||
    typeof expiresAt !== 'number' ||
    !Number.isFinite(expiresAt) ||
    (userId !== undefined && typeof userId !== 'string') ||
    (movedTo !== undefined && typeof movedTo !== 'string') ||
    (meta !== undefined && !isObject(meta))
  ) {
    return undefined
  }
  const record: SessionRecord = { data, version: version as number, expiresAt }
  if (userId !== undefined) record.userId = userId
  if (movedTo !== undefined) record.movedTo = movedTo
  // Metadata values are primitives; a shallow copy keeps callers from reaching stored state.
  if (meta !== undefined) record.meta = { ...meta } as unknown as RecordMeta
  return record
}

/** The fields of `record` a store persists, as a plain object (no extra properties). */
export function recordToJson(record: SessionRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    data: record.data,
    version: record.version,
    expiresAt: record.expiresAt,
  }
  if (record.userId !== undefined) out.userId = record.userId
  if (record.movedTo !== undefined) out.movedTo = record.movedTo
  if (record.meta !== undefined) out.meta = { ...record.meta }
  return out
}

/**
 * `record` as ASCII-only JSON: every character above U+007E is written as a `\uXXXX` escape, so
 * byte length equals string length and no transport can split or re-encode a multi-byte
 * character. `JSON.parse` reads it back unchanged (lone surrogates included).
 */
export function encodeRecord(record: SessionRecord): string {
  return JSON.stringify(recordToJson(record)).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/** The record in JSON `text`, or undefined when it is not valid JSON of a record. */
export function decodeRecord(text: string): SessionRecord | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  return recordFromJson(value)
}
