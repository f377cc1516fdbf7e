/**
 * Reading a stored record outside a request, for operators (`sessionkit show --decrypt`): which
 * envelope a record uses, and its payload decoded with the core's own codec, key ring and state
 * checks. Nothing here writes, and the CSRF secret never leaves the payload.
 */
import { ENCRYPTED_FORMAT, jsonCodec, openEnvelope } from './codec.js'
import { bindingOf, type RecordSource } from './engine.js'
import { ConfigError, type ConfigIssue } from './errors.js'
import { importKeyRing } from './keys.js'
import { openPayload } from './record-crypto.js'
import { decodeState, type ScopeState } from './state.js'

/** The envelope of a record's `data`: `sk1` (plaintext), `sk1e` (encrypted), or unknown. */
export interface EnvelopeInfo {
  /** Envelope format; `'unknown'` for data sessionkit did not write. */
  format: 'sk1' | 'sk1e' | 'unknown'
  /** Codec id written in the envelope (`'json'` by default), or null when unknown. */
  codec: string | null
}

const ENVELOPE = /^(sk1e?):([a-z0-9-]{1,16}):/

/**
 * The envelope format and codec id of a record's `data`, read from its prefix.
 * @example
 * ```ts
 * envelopeInfo(record.data) // { format: 'sk1e', codec: 'json' }
 * ```
 */
export function envelopeInfo(data: string): EnvelopeInfo {
  const match = ENVELOPE.exec(data)
  if (match === null) return { format: 'unknown', codec: null }
  return { format: match[1] === ENCRYPTED_FORMAT ? 'sk1e' : 'sk1', codec: match[2] as string }
}

/** One namespace of a decoded payload. */
export interface PayloadScope {
  /** The data. */
  data: Record<string, unknown>
  /** Flash values waiting for the next request. */
  flash: Record<string, unknown>
  /** Expiry (ms since epoch) of values set with `ttl`, by dot path. */
  valueExpiry: Record<string, number>
}

/** A record's payload, decoded for display. The CSRF secret is left out on purpose. */
export interface RecordPayload extends PayloadScope {
  /** Segments by name. */
  segments: Record<string, PayloadScope>
  /** When the user last authenticated (ms since epoch). */
  authenticatedAt: number | null
  /** Persistent-cookie duration set by `remember` (ms). */
  remember: number | null
  /** The URL recorded with `setPreviousUrl`. */
  previousUrl: string | null
  /** When the current id was issued (ms since epoch). */
  idIssuedAt: number | null
}

/** Options of {@link openRecordData}. */
export interface OpenRecordDataOptions {
  /**
   * The key ring (newest first) that encrypted the record: the `secret` ring, or
   * `encryption.keys` when the application sets them. Not needed for a plaintext record.
   */
  keys?: readonly string[]
}

function scopeView(scope: ScopeState): PayloadScope {
  return { data: { ...scope.d }, flash: { ...scope.f }, valueExpiry: { ...scope.x } }
}

/**
 * Decode the payload of a record stored under `handle` (its store key: encrypted records are
 * bound to it, and to the record's user and creation time). Resolves null when the record cannot be opened: encrypted without `keys`, a
 * wrong key, tampering, a codec other than JSON, or a payload this version did not write.
 *
 * @example
 * ```ts
 * const record = await store.get(handle)
 * const payload = record && openRecordData(record, handle, { keys: [process.env.SECRET!] })
 * console.log(payload?.data)
 * ```
 * @throws {ConfigError} when `keys` holds an invalid key (the message never repeats a key).
 */
export function openRecordData(
  record: RecordSource,
  handle: string,
  options: OpenRecordDataOptions = {},
): RecordPayload | null {
  const issues: ConfigIssue[] = []
  const ring =
    options.keys === undefined || options.keys.length === 0
      ? null
      : importKeyRing(options.keys, 'keys', issues)
  if (issues.length > 0) throw new ConfigError(issues)
  const { data } = record
  try {
    let text: string
    if (data.startsWith(`${ENCRYPTED_FORMAT}:`)) {
      if (ring === null) return null
      const plain = openPayload(
        ring,
        handle,
        bindingOf(record),
        openEnvelope(jsonCodec, data, ENCRYPTED_FORMAT),
      )
      if (plain === null) return null
      text = plain
    } else {
      text = openEnvelope(jsonCodec, data)
    }
    const state = decodeState(jsonCodec.decode(text))
    if (state === null) return null
    // fromEntries defines own properties, so a segment named `__proto__` stays a plain key.
    const segments = Object.fromEntries(
      Object.entries(state.s).map(([name, scope]) => [name, scopeView(scope)]),
    )
    return {
      ...scopeView(state.r),
      segments,
      authenticatedAt: state.a ?? null,
      remember: state.m ?? null,
      previousUrl: state.p ?? null,
      idIssuedAt: state.i ?? null,
    }
  } catch {
    return null
  }
}
