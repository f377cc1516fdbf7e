/**
 * The cookie store's sealed value: the whole session (its id and record) as JSON, deflated when
 * that is smaller, sealed with AES-256-GCM under the newest key of the ring (old keys still
 * open). The associated data binds the purpose and the cookie name, so a value moved to another
 * cookie — or a record envelope, a signed id or a sealed `movedTo` presented as a session
 * cookie — fails to open.
 *
 * Layout: `<key id, 8 chars><base64url(salt ‖ nonce ‖ ciphertext ‖ tag)>`. Each value is sealed
 * under its own key, HMAC-SHA-256(cookie-store key, 16-byte random salt): a busy site re-seals
 * cookies on every write, and random 96-bit GCM nonces under one key are only safe for about 2³²
 * messages. The first plaintext byte says whether the rest is deflated; it is authenticated too.
 */
import { createCipheriv, createDecipheriv, hash } from 'node:crypto'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import type { KeyRing, RingKey } from './keys.js'
import { randomBytesPooled } from './random.js'
import type { SessionRecord } from './store.js'

/** A session as the cookie carries it. */
export interface SealedSession {
  id: string
  record: SessionRecord
  /** When the session last passed its user's revocation epoch (ms); see client-side.ts. */
  stamp?: number | undefined
}

/** What opening a cookie value found. */
export interface OpenedSession extends SealedSession {
  /** Sealed under an older key of the ring: re-seal under the newest. */
  staleKey: boolean
}

const KEY_ID_LENGTH = 8
const SALT_BYTES = 16
const NONCE_BYTES = 12
const HEADER_BYTES = SALT_BYTES + NONCE_BYTES
const TAG_BYTES = 16
const RAW = 0
const DEFLATED = 1
/** Below this many bytes deflate rarely wins; skip the attempt. */
const DEFLATE_FROM = 200

/**
 * The smallest deflate window that still reaches back over the whole input (zlib keeps 262
 * bytes of lookahead): the same output as the default 32 KiB window, with less state to set up.
 */
export function deflateWindowBits(inputBytes: number): number {
  return Math.min(15, Math.max(9, Math.ceil(Math.log2(inputBytes + 262))))
}

const HMAC_BLOCK_BYTES = 64
/** Per ring key: the HMAC pads of its cookie-store key (RFC 2104). */
const PADS = new WeakMap<RingKey, { inner: Buffer; outer: Buffer }>()

function padsOf(key: RingKey): { inner: Buffer; outer: Buffer } {
  let pads = PADS.get(key)
  if (pads === undefined) {
    const secret = key.derive('cookie-store') // 32 bytes: under the block size, used as it is
    const inner = Buffer.alloc(HMAC_BLOCK_BYTES, 0x36)
    const outer = Buffer.alloc(HMAC_BLOCK_BYTES, 0x5c)
    for (let i = 0; i < secret.length; i++) {
      inner[i] = (inner[i] as number) ^ (secret[i] as number)
      outer[i] = (outer[i] as number) ^ (secret[i] as number)
    }
    pads = { inner, outer }
    PADS.set(key, pads)
  }
  return pads
}

/**
 * The key one sealed value is encrypted under: HMAC-SHA-256(cookie-store key, salt), written as
 * its two hashes over precomputed pads. `createHmac` sets up an OpenSSL HMAC context per call;
 * the one-shot `hash` does not (~2.1 → ~1.5 µs a call here, more under load).
 */
export function messageKey(key: RingKey, salt: Buffer): Buffer {
  const { inner, outer } = padsOf(key)
  const innerHash = hash('sha256', Buffer.concat([inner, salt]), 'buffer')
  return hash('sha256', Buffer.concat([outer, innerHash]), 'buffer')
}

let aadName: string | null = null
let aadBytes = Buffer.alloc(0)

/** The associated data for `cookieName`, kept for the last name asked (one per configuration). */
function associatedData(cookieName: string): Buffer {
  if (aadName !== cookieName) {
    aadBytes = Buffer.from(JSON.stringify(['sessionkit/v1/cookie-store', cookieName]))
    aadName = cookieName
  }
  return aadBytes
}

function toJson(session: SealedSession): string {
  const { id, record, stamp } = session
  const { meta } = record
  return JSON.stringify({
    i: id,
    d: record.data,
    v: record.version,
    e: record.expiresAt,
    u: record.userId,
    m: record.movedTo,
    c: meta?.createdAt,
    l: meta?.lastSeenAt,
    p: meta?.ip,
    a: meta?.userAgent,
    t: stamp,
  })
}

/** Seal `session` for the cookie named `cookieName`. */
export function sealSession(ring: KeyRing, cookieName: string, session: SealedSession): string {
  const json = toJson(session)
  // The format byte, then the JSON: one buffer, so one cipher update when it stays raw.
  let plain = Buffer.allocUnsafe(1 + Buffer.byteLength(json, 'utf8'))
  plain[0] = RAW
  plain.write(json, 1, 'utf8')
  if (plain.length > DEFLATE_FROM) {
    const deflated = deflateRawSync(plain.subarray(1), {
      windowBits: deflateWindowBits(plain.length),
    })
    if (deflated.length < plain.length - 1) plain = Buffer.concat([Buffer.of(DEFLATED), deflated])
  }
  const key = ring[0] as RingKey
  const header = randomBytesPooled(HEADER_BYTES)
  const cipher = createCipheriv(
    'aes-256-gcm',
    messageKey(key, header.subarray(0, SALT_BYTES)),
    header.subarray(SALT_BYTES),
  )
  cipher.setAAD(associatedData(cookieName))
  const encrypted = cipher.update(plain)
  cipher.final()
  const total = HEADER_BYTES + encrypted.length + TAG_BYTES
  const sealed = Buffer.concat([header, encrypted, cipher.getAuthTag()], total)
  return `${key.id}${sealed.toString('base64url')}`
}

/**
 * Open a sealed value, or null for anything else: unknown key id, a flipped bit, truncation,
 * non-canonical base64url, a plaintext over `maxPlainBytes`, or a payload of the wrong shape.
 * Never throws.
 */
export function openSession(
  ring: KeyRing,
  cookieName: string,
  value: string,
  maxPlainBytes: number,
): OpenedSession | null {
  if (value.length <= KEY_ID_LENGTH) return null
  const keyId = value.slice(0, KEY_ID_LENGTH)
  const index = ring.findIndex((candidate) => candidate.id === keyId)
  const key = ring[index]
  if (key === undefined) return null
  const encoded = value.slice(KEY_ID_LENGTH)
  // Canonical base64url: the decoder skips foreign characters and takes `+/=`, so only
  // re-encoding to the same text proves the spelling (this also refuses anything outside A-Za-z0-9-_).
  const raw = Buffer.from(encoded, 'base64url')
  if (raw.length < HEADER_BYTES + 1 + TAG_BYTES || raw.toString('base64url') !== encoded)
    return null
  let plain: Buffer
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      messageKey(key, raw.subarray(0, SALT_BYTES)),
      raw.subarray(SALT_BYTES, HEADER_BYTES),
    )
    decipher.setAAD(associatedData(cookieName))
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES))
    plain = decipher.update(raw.subarray(HEADER_BYTES, raw.length - TAG_BYTES))
    // GCM's final() adds no bytes; it throws when the tag does not match.
    decipher.final()
  } catch {
    return null
  }
  const json = unpack(plain, maxPlainBytes)
  const session = json === null ? null : fromJson(json)
  return session === null ? null : { ...session, staleKey: index > 0 }
}

function unpack(plain: Buffer, maxPlainBytes: number): string | null {
  const body = plain.subarray(1)
  try {
    if (plain[0] === RAW) return body.length > maxPlainBytes ? null : body.toString('utf8')
    if (plain[0] === DEFLATED) {
      return inflateRawSync(body, { maxOutputLength: maxPlainBytes }).toString('utf8')
    }
  } catch {
    // over maxPlainBytes, or not deflate data
  }
  return null
}

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value)
const isString = (value: unknown): value is string => typeof value === 'string'
/** Absent, or present and passing `check`. */
const optional = (value: unknown, check: (value: unknown) => boolean): boolean =>
  value === undefined || check(value)

function fromJson(json: string): SealedSession | null {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const { i, d, v, e, u, m, c, l, p, a, t } = value as Record<string, unknown>
  if (typeof i !== 'string' || typeof d !== 'string') return null
  if (!Number.isSafeInteger(v) || (v as number) < 1 || !isFiniteNumber(e)) return null
  if (!optional(u, isString) || !optional(m, isString) || !optional(t, isFiniteNumber)) return null
  const record: SessionRecord = { data: d, version: v as number, expiresAt: e }
  if (u !== undefined) record.userId = u as string
  if (m !== undefined) record.movedTo = m as string
  if (c !== undefined || l !== undefined) {
    if (!isFiniteNumber(c) || !isFiniteNumber(l)) return null
    if (!optional(p, isString) || !optional(a, isString)) return null
    record.meta = { createdAt: c, lastSeenAt: l }
    if (p !== undefined) record.meta.ip = p as string
    if (a !== undefined) record.meta.userAgent = a as string
  }
  return { id: i, record, stamp: t as number | undefined }
}
