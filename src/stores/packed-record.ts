/**
 * A session record packed into one string, for stores that keep records in process memory: one
 * heap object per record instead of a record, its metadata and their boxed numbers.
 *
 * Layout: a header of numbers (flags, `expiresAt`, `version`, then `createdAt` and `lastSeenAt`
 * for core metadata, then the length of each optional string present), then those strings
 * (`userId`, `movedTo`, `ip`, `userAgent`, or the metadata as JSON when it is not the core's
 * shape), then `data` to the end. A non-negative safe integer is a byte count (0–7) and that
 * many base-256 digits, each one Latin-1 character, so a record of ASCII strings stays a
 * one-byte string; any other number is the marker 8, a length and its decimal text.
 */
import type { RecordMeta, SessionRecord } from '../core/store.js'
import { isCoreMeta, parseMeta } from './record-check.js'

const USER = 1
const MOVED = 2
const META = 4
const IP = 8
const AGENT = 16
const META_JSON = 32
/** The flags of the optional strings, in their order in the record. */
const STRINGS = [USER, MOVED, IP, AGENT, META_JSON] as const
const ANY_STRING = USER | MOVED | IP | AGENT | META_JSON

const TEXT_NUMBER = 8

// Scratch space of the synchronous encoder and decoder, never held across calls: the header
// is written as bytes (a header is at most ~150: 4 numbers of ≤ 27 bytes, 5 lengths, flags).
const header = Buffer.alloc(512)
let length = 0
let at = 0

/** Pack `record`; its metadata is copied as by a JSON round trip (dropped if not an object). */
export function packRecord(record: SessionRecord): string {
  // Everything that could run other code (getters, toJSON) runs before the scratch is used.
  const { data, version, expiresAt, userId, movedTo, meta } = record
  let flags = 0
  let createdAt = 0
  let lastSeenAt = 0
  let ip: string | undefined
  let userAgent: string | undefined
  let metaJson: string | undefined
  if (meta !== undefined) {
    if (isCoreMeta(meta)) {
      flags = META
      ;({ createdAt, lastSeenAt, ip, userAgent } = meta)
    } else {
      const json = JSON.stringify(meta)
      if (parseMeta(json) !== undefined) metaJson = json
    }
  }
  length = 1
  pushNumber(expiresAt)
  pushNumber(version)
  if (flags & META) {
    pushNumber(createdAt)
    pushNumber(lastSeenAt)
  }
  // join builds one flat string; `+` would keep a rope of the parts alive in the map.
  if (
    userId === undefined &&
    movedTo === undefined &&
    ip === undefined &&
    userAgent === undefined &&
    metaJson === undefined
  ) {
    header[0] = flags
    return [header.toString('latin1', 0, length), data].join('')
  }
  const strings = [userId, movedTo, ip, userAgent, metaJson]
  const parts = ['']
  for (let i = 0; i < strings.length; i++) {
    const value = strings[i]
    if (value === undefined) continue
    flags |= STRINGS[i] as number
    pushNumber(value.length)
    parts.push(value)
  }
  header[0] = flags
  parts[0] = header.toString('latin1', 0, length)
  parts.push(data)
  return parts.join('')
}

/** A fresh record equal to the one packed (metadata as a JSON round trip of it). */
export function unpackRecord(packed: string): SessionRecord {
  const flags = packed.charCodeAt(0)
  at = 1
  const expiresAt = readNumber(packed)
  const version = readNumber(packed)
  const record: SessionRecord = { data: '', version, expiresAt }
  let meta: RecordMeta | undefined
  if (flags & META) {
    const createdAt = readNumber(packed)
    meta = { createdAt, lastSeenAt: readNumber(packed) }
    record.meta = meta
  }
  if ((flags & ANY_STRING) === 0) {
    record.data = packed.slice(at)
    return record
  }
  const userLength = flags & USER ? readNumber(packed) : 0
  const movedLength = flags & MOVED ? readNumber(packed) : 0
  const ipLength = flags & IP ? readNumber(packed) : 0
  const agentLength = flags & AGENT ? readNumber(packed) : 0
  const jsonLength = flags & META_JSON ? readNumber(packed) : 0
  if (flags & USER) record.userId = take(packed, userLength)
  if (flags & MOVED) record.movedTo = take(packed, movedLength)
  if (meta !== undefined) {
    if (flags & IP) meta.ip = take(packed, ipLength)
    if (flags & AGENT) meta.userAgent = take(packed, agentLength)
  }
  if (flags & META_JSON) {
    const parsed = parseMeta(take(packed, jsonLength))
    if (parsed !== undefined) record.meta = parsed
  }
  record.data = packed.slice(at)
  return record
}

/**
 * The packed record with a new `expiresAt` and `meta.lastSeenAt` (when it has metadata): what
 * `touch` writes. Only the header is rebuilt.
 */
export function touchPacked(packed: string, expiresAt: number, lastSeenAt: number): string {
  const flags = packed.charCodeAt(0)
  if (flags & META_JSON || (flags & META && !Number.isFinite(lastSeenAt))) {
    const record = unpackRecord(packed)
    record.expiresAt = expiresAt
    if (record.meta !== undefined) record.meta.lastSeenAt = lastSeenAt
    return packRecord(record)
  }
  at = 1
  readNumber(packed)
  const versionStart = at
  readNumber(packed)
  if (flags & META) readNumber(packed)
  const keptEnd = at
  if (flags & META) readNumber(packed)
  const rest = packed.slice(at)
  header[0] = flags
  length = 1
  pushNumber(expiresAt)
  for (let i = versionStart; i < keptEnd; i++) header[length++] = packed.charCodeAt(i)
  if (flags & META) pushNumber(lastSeenAt)
  return [header.toString('latin1', 0, length), rest].join('')
}

/** The packed record's `expiresAt`, without unpacking the rest. */
export function packedExpiresAt(packed: string): number {
  at = 1
  return readNumber(packed)
}

/** The packed record's `version`, without unpacking the rest. */
export function packedVersion(packed: string): number {
  at = 1
  readNumber(packed)
  return readNumber(packed)
}

/** The packed record's `userId`, without unpacking the rest. */
export function packedUserId(packed: string): string | undefined {
  const flags = packed.charCodeAt(0)
  if (!(flags & USER)) return undefined
  at = 1
  const numbers = flags & META ? 4 : 2
  for (let i = 0; i < numbers; i++) readNumber(packed)
  const length = readNumber(packed)
  for (const flag of STRINGS) if (flag !== USER && flags & flag) readNumber(packed)
  return packed.slice(at, at + length)
}

/** One number as described in the module comment. */
export function packNumber(value: number): string {
  length = 0
  pushNumber(value)
  return header.toString('latin1', 0, length)
}

function pushNumber(value: number): void {
  if (Number.isSafeInteger(value) && value >= 0 && (value !== 0 || 1 / value > 0)) {
    // Two 32-bit halves: integer shifts instead of a division per digit.
    const high = Math.floor(value / 0x1_0000_0000)
    const low = value >>> 0
    const count = high === 0 ? byteCount(low) : 4 + byteCount(high)
    header[length++] = count
    for (let i = count - 1; i >= 4; i--) header[length++] = (high >>> ((i - 4) * 8)) & 255
    for (let i = Math.min(count, 4) - 1; i >= 0; i--) header[length++] = (low >>> (i * 8)) & 255
    return
  }
  const text = Object.is(value, -0) ? '-0' : String(value)
  header[length++] = TEXT_NUMBER
  header[length++] = text.length
  for (let i = 0; i < text.length; i++) header[length++] = text.charCodeAt(i)
}

/** Bytes needed for a 32-bit unsigned integer (0 for 0). */
function byteCount(value: number): number {
  return value === 0 ? 0 : 4 - (Math.clz32(value) >>> 3)
}

function take(packed: string, length: number): string {
  const start = at
  at += length
  return packed.slice(start, at)
}

function readNumber(packed: string): number {
  const count = packed.charCodeAt(at++)
  if (count === TEXT_NUMBER) {
    const length = packed.charCodeAt(at++)
    return Number(take(packed, length))
  }
  let value = 0
  for (const end = at + count; at < end; at++) value = value * 256 + packed.charCodeAt(at)
  return value
}
