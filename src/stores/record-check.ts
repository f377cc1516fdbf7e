/**
 * Cheap shape checks shared by the bundled stores. They guard against programming errors (a
 * record the core would never build), not against hostile input, which never reaches a store raw.
 */
import type { RecordMeta, SessionRecord } from '../core/store.js'

/**
 * @throws {TypeError} when `record` lacks a string `data`, an integer `version` or a numeric
 * `expiresAt`, or has a non-string `userId`/`movedTo`.
 */
export function assertRecord(record: SessionRecord): void {
  if (
    typeof record !== 'object' ||
    record === null ||
    typeof record.data !== 'string' ||
    !Number.isSafeInteger(record.version) ||
    typeof record.expiresAt !== 'number' ||
    Number.isNaN(record.expiresAt) ||
    (record.userId !== undefined && typeof record.userId !== 'string') ||
    (record.movedTo !== undefined && typeof record.movedTo !== 'string') ||
    (record.meta !== undefined && (typeof record.meta !== 'object' || record.meta === null))
  ) {
    throw new TypeError('invalid session record')
  }
}

/** @throws {RangeError} unless `ttl` is a positive finite number of milliseconds. */
export function assertTtl(ttl: number): void {
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new RangeError('lock ttl must be a positive number of milliseconds')
  }
}

/** @throws {RangeError} unless `limit` is undefined or a positive integer. */
export function assertLimit(limit: number | undefined): void {
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) {
    throw new RangeError('scan limit must be a positive integer')
  }
}

/** Parse stored metadata JSON; anything but a JSON object yields undefined. */
export function parseMeta(json: string | null | undefined): SessionRecord['meta'] {
  if (json === null || json === undefined) return undefined
  try {
    const value: unknown = JSON.parse(json)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as SessionRecord['meta']
    }
  } catch {
    // A corrupt meta column must not make the session unloadable: drop the metadata only.
  }
  return undefined
}

/**
 * True for metadata of the core's shape: finite `createdAt` and `lastSeenAt`, and `ip` and
 * `userAgent` strings (or undefined), nothing else. Such metadata survives a JSON round trip
 * unchanged (undefined fields dropped), so stores may copy it field by field.
 */
export function isCoreMeta(meta: RecordMeta): boolean {
  let fields = 0
  for (const key in meta) {
    if (!Object.hasOwn(meta, key)) continue
    const value = (meta as unknown as Record<string, unknown>)[key]
    const expected =
      key === 'createdAt' || key === 'lastSeenAt'
        ? typeof value === 'number' && Number.isFinite(value)
        : (key === 'ip' || key === 'userAgent') &&
          (typeof value === 'string' || value === undefined)
    if (!expected) return false
    fields++
  }
  return fields > 0 && 'createdAt' in meta && 'lastSeenAt' in meta
}
