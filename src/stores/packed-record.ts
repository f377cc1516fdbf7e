/**
 * A session record packed into one string, for stores that keep records in process memory: one
 * heap object per record instead of a record, its metadata and their boxed numbers.
 *
 * Layout: a flags character, then `expiresAt` and `version`, then `createdAt` and `lastSeenAt`
 * (core metadata), then the optional strings (`userId`, `movedTo`, `ip`, `userAgent`, or the
 * metadata as JSON when it is not the core's shape), each as a length and its characters, then
 * `data` to the end. A non-negative safe integer is a byte count (0–7) and that many base-256
 * digits, each one Latin-1 character, so a record of ASCII strings stays a one-byte string; any
 * other number is the marker 8, a length and its decimal text.
 */
import type { RecordMeta, SessionRecord } from '../core/store.js'
import { isCoreMeta, parseMeta } from './record-check.js'

const USER = 1
const MOVED = 2
const META = 4
const IP = 8
const AGENT = 16
const META_JSON = 32

const TEXT_NUMBER = 8

/** Pack `record`; its metadata is copied as by a JSON round trip (dropped if not an object). */
export function packRecord(record: SessionRecord): string {
  const parts: string[] = ['', '']
  let flags = 0
  const meta = record.meta
  let metaJson: string | undefined
  if (meta !== undefined) {
    if (isCoreMeta(meta)) {
      flags |= META
      parts.push(packNumber(meta.createdAt), packNumber(meta.lastSeenAt))
    } else {
      const json = JSON.stringify(meta)
      if (parseMeta(json) !== undefined) metaJson = json
    }
  }
  flags |= pushString(parts, record.userId, USER)
  flags |= pushString(parts, record.movedTo, MOVED)
  if (flags & META) {
    flags |= pushString(parts, (meta as RecordMeta).ip, IP)
    flags |= pushString(parts, (meta as RecordMeta).userAgent, AGENT)
  }
  flags |= pushString(parts, metaJson, META_JSON)
  parts[0] = String.fromCharCode(flags)
  parts[1] = packNumber(record.expiresAt) + packNumber(record.version)
  parts.push(record.data)
  // join builds one flat string; `+` would keep a rope of the parts alive in the map.
  return parts.join('')
}

/** A fresh record equal to the one packed (metadata as a JSON round trip of it). */
export function unpackRecord(packed: string): SessionRecord {
  const flags = packed.charCodeAt(0)
  const reader = { at: 1 }
  const expiresAt = readNumber(packed, reader)
  const version = readNumber(packed, reader)
  let meta: RecordMeta | undefined
  if (flags & META) {
    const createdAt = readNumber(packed, reader)
    meta = { createdAt, lastSeenAt: readNumber(packed, reader) }
  }
  const record: SessionRecord = { data: '', version, expiresAt }
  if (flags & USER) record.userId = readString(packed, reader)
  if (flags & MOVED) record.movedTo = readString(packed, reader)
  if (meta !== undefined) {
    if (flags & IP) meta.ip = readString(packed, reader)
    if (flags & AGENT) meta.userAgent = readString(packed, reader)
    record.meta = meta
  }
  if (flags & META_JSON) {
    const parsed = parseMeta(readString(packed, reader))
    if (parsed !== undefined) record.meta = parsed
  }
  record.data = packed.slice(reader.at)
  return record
}

/** The packed record's `expiresAt`, without unpacking the rest. */
export function packedExpiresAt(packed: string): number {
  return readNumber(packed, { at: 1 })
}

/** The packed record's `version`, without unpacking the rest. */
export function packedVersion(packed: string): number {
  const reader = { at: 1 }
  readNumber(packed, reader)
  return readNumber(packed, reader)
}

/** The packed record's `userId`, without unpacking the rest. */
export function packedUserId(packed: string): string | undefined {
  const flags = packed.charCodeAt(0)
  if (!(flags & USER)) return undefined
  const reader = { at: 1 }
  const numbers = flags & META ? 4 : 2
  for (let i = 0; i < numbers; i++) readNumber(packed, reader)
  return readString(packed, reader)
}

function pushString(parts: string[], value: string | undefined, flag: number): number {
  if (value === undefined) return 0
  parts.push(packNumber(value.length), value)
  return flag
}

/** One number as described in the module comment. */
export function packNumber(value: number): string {
  if (Number.isSafeInteger(value) && value >= 0 && !Object.is(value, -0)) {
    let digits = ''
    for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) {
      digits = String.fromCharCode(rest % 256) + digits
    }
    return String.fromCharCode(digits.length) + digits
  }
  const text = Object.is(value, -0) ? '-0' : String(value)
  return String.fromCharCode(TEXT_NUMBER, text.length) + text
}

interface Reader {
  at: number
}

function readNumber(packed: string, reader: Reader): number {
  let at = reader.at
  const count = packed.charCodeAt(at++)
  if (count === TEXT_NUMBER) {
    const length = packed.charCodeAt(at++)
    reader.at = at + length
    return Number(packed.slice(at, at + length))
  }
  let value = 0
  for (const end = at + count; at < end; at++) value = value * 256 + packed.charCodeAt(at)
  reader.at = at
  return value
}

function readString(packed: string, reader: Reader): string {
  const length = readNumber(packed, reader)
  const start = reader.at
  reader.at = start + length
  return packed.slice(start, start + length)
}
