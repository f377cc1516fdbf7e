/**
 * The resolved configuration shared by every request, and the steps that read a record:
 * loading an id (following a retired id within its grace window), decoding and encoding state.
 */
import type { ClientSideEngine } from './client-side.js'
import { type Codec, ENCRYPTED_FORMAT, openEnvelope, sealEnvelope } from './codec.js'
import type { CookieAttributes } from './cookie.js'
import type { SessionError } from './errors.js'
import type { FingerprintOptions } from './fingerprint.js'
import { callHook, debug } from './hooks.js'
import { storeKey } from './ids.js'
import type { KeyRing } from './keys.js'
import type { LockManager } from './lock.js'
import { openMove } from './moved.js'
import { deleteAt, parsePath } from './paths.js'
import { openPayload, type RecordBinding, sealPayload } from './record-crypto.js'
import { applySchema, type SchemaOptions } from './schema.js'
import { decodeState, type ScopeState, type SessionState, stateForEncoding } from './state.js'
import type { SessionRecord, Store } from './store.js'
import { boundedStoreCall } from './store-call.js'
import type {
  ConcurrencyMode,
  HookContext,
  InvalidIdReason,
  RequestContext,
  SessionHooks,
  TrustProxy,
} from './types.js'

/** Everything a request needs from `createSessions` options, resolved to numbers. */
export interface Engine {
  readonly store: Store
  readonly codec: Codec
  readonly now: () => number
  readonly idleMs: number
  readonly absoluteMs: number
  readonly touchAfterMs: number
  readonly storeTimeoutMs: number
  readonly mergeTimeoutMs: number
  readonly maxSize: number
  readonly cookie: CookieAttributes
  readonly hooks: SessionHooks
  readonly trustProxy: TrustProxy
  readonly recordIp: boolean | 'truncate'
  readonly recordUserAgent: boolean
  readonly strict: boolean
  readonly concurrency: ConcurrencyMode
  readonly genId: () => string
  readonly isWellFormedId: (value: string) => boolean
  /** Commits in flight, awaited by `close()`. */
  readonly inFlight: Set<Promise<unknown>>
  /** Per store key, the tail of this process's queue of commits (see request-session.ts). */
  readonly commitTurns: Map<string, Promise<unknown>>
  /** Lock expiry (ms), refreshed while held. */
  readonly lockTtlMs: number
  /** Longest wait to acquire a lock (ms). */
  readonly lockTimeoutMs: number
  /** The lock registry (local FIFO queues in front of the store's lock). */
  readonly locks: LockManager
  /** Cookie-signing ring (from `secret`); null: bare ids. */
  readonly signing: KeyRing | null
  /** Record-encryption ring; null: plaintext records. */
  readonly encryption: KeyRing | null
  /** With encryption on, still read plaintext records written before it was turned on. */
  readonly acceptPlaintext: boolean
  /** Fingerprint checks; null when off. */
  readonly fingerprint: FingerprintOptions | null
  /** Schema validation on load; null when off. */
  readonly schema: SchemaOptions | null
  /** `gcInterval` in ms; 0 when off. */
  readonly gcIntervalMs: number
  /** `rotateEvery`, resolved; null when off. */
  readonly rotate: { everyMs: number; graceMs: number } | null
  /** Sessions sealed into the cookie (the cookie store); null for server-side stores. */
  clientSide: ClientSideEngine | null
}

/** A store call bounded by `storeTimeout`; failures fire the `storeError` hook. */
export async function storeCall<T>(
  engine: Engine,
  hookContext: HookContext | null,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await boundedStoreCall(operation, engine.storeTimeoutMs, call)
  } catch (error) {
    if (hookContext) callHook(engine.hooks, 'storeError', hookContext, error as SessionError)
    throw error
  }
}

/**
 * The payload of `data` stored under `key`, or null when it cannot be opened (wrong key,
 * tampering, another format) or is not a state we wrote.
 */
export function decodeRecord(
  engine: Engine,
  record: RecordSource,
  key: string,
): SessionState | null {
  const { data } = record
  try {
    if (data.startsWith(ENCRYPTED_FORMAT)) {
      if (engine.encryption === null) return null
      const plain = openPayload(
        engine.encryption,
        key,
        bindingOf(record),
        openEnvelope(engine.codec, data, ENCRYPTED_FORMAT),
      )
      return plain === null ? null : decodeState(engine.codec.decode(plain))
    }
    if (engine.encryption !== null && !engine.acceptPlaintext) return null
    const value = engine.codec.decode(openEnvelope(engine.codec, data))
    return ownedBy(value, key) ? decodeState(value) : null
  } catch {
    return null
  }
}

/**
 * Plaintext payloads name the key they were written under (BI-33), so a record a store returns
 * for another key (a prefix mix-up, a copy) fails to load instead of becoming that session.
 * Sealed payloads get the same from their associated data. 16 characters of the key suffice to
 * catch mistakes; records written before the tag existed carry none and still load.
 */
function keyTag(key: string): string {
  return key.slice(0, 16)
}

function ownedBy(value: unknown, key: string): boolean {
  const tag = (value as { o?: unknown } | null)?.o
  return tag === undefined || tag === keyTag(key)
}

/** The envelope text for a state stored under `key` (sealed when encryption is on). */
export function encodeState(
  engine: Engine,
  state: SessionState,
  key: string,
  binding: RecordBinding,
): string {
  const encoded = stateForEncoding(state)
  if (engine.encryption === null) {
    // A cookie store's record is bound to its cookie by the seal; skip the bytes there.
    if (engine.clientSide === null) encoded.o = keyTag(key)
    return sealEnvelope(engine.codec, engine.codec.encode(encoded))
  }
  const payload = engine.codec.encode(encoded)
  return sealEnvelope(
    engine.codec,
    sealPayload(engine.encryption, key, binding, payload),
    ENCRYPTED_FORMAT,
  )
}

/** What `decodeRecord` reads of a record. */
export interface RecordSource {
  data: string
  userId?: string | undefined
  meta?: { createdAt: number } | undefined
}

/** The fields of `record` bound into an encrypted payload's associated data. */
export function bindingOf(record: RecordSource): RecordBinding {
  return { userId: record.userId, createdAt: record.meta?.createdAt }
}

/** A record's expiry under the idle and absolute timeouts. */
export function expiryOf(engine: Engine, createdAt: number, lastSeenAt: number): number {
  return Math.min(lastSeenAt + engine.idleMs, createdAt + engine.absoluteMs)
}

/** A session loaded from the store. */
export interface LoadedSession {
  ok: true
  id: string
  key: string
  record: SessionRecord
  state: SessionState
  /** Reached through a retired id inside its grace window. */
  zombie: boolean
  /** The schema migrated the data: it must be written back. */
  migrated?: boolean
}

/** Why a presented id was not adopted. */
export interface RejectedId {
  ok: false
  reason: InvalidIdReason
}

/** Drop values whose `ttl` has passed. */
function pruneExpiredValues(state: SessionState, now: number): void {
  pruneScope(state.r, now)
  for (const name of Object.keys(state.s)) pruneScope(state.s[name] as ScopeState, now)
}

function pruneScope(scope: ScopeState, now: number): void {
  for (const path of Object.keys(scope.x)) {
    if ((scope.x[path] as number) <= now) {
      delete scope.x[path]
      try {
        deleteAt(scope.d, parsePath(path))
      } catch {
        // an unparsable ttl entry only loses its expiry marker
      }
    }
  }
}

/**
 * Load the session of `id` (one store read; two when following a retired id). Store failures
 * reject with StoreUnavailable; everything the client could have caused resolves as RejectedId.
 */
export async function loadSession(
  engine: Engine,
  request: RequestContext | null,
  id: string,
  followMoves = true,
): Promise<LoadedSession | RejectedId> {
  const key = storeKey(id)
  const hookContext = request ? { request, handle: key } : null
  const record = await storeCall(engine, hookContext, 'get', () => engine.store.get(key))
  if (record === null) return { ok: false, reason: 'unknown' }
  const now = engine.now()
  if (!(record.expiresAt > now)) return { ok: false, reason: 'expired' }
  if (record.movedTo !== undefined) {
    if (!followMoves) return { ok: false, reason: 'unknown' }
    const move = openMove(id, key, record.movedTo)
    if (move === null || !engine.isWellFormedId(move.newId)) {
      return { ok: false, reason: 'undecryptable' }
    }
    if (!(move.graceEndsAt > now)) return { ok: false, reason: 'expired' }
    const target = await loadSession(engine, request, move.newId, false)
    return target.ok ? { ...target, zombie: true } : target
  }
  const state = decodeRecord(engine, record, key)
  if (state === null) return { ok: false, reason: 'undecryptable' }
  const createdAt = record.meta?.createdAt
  const lastSeenAt = record.meta?.lastSeenAt ?? createdAt
  if (typeof createdAt !== 'number' || typeof lastSeenAt !== 'number') {
    return { ok: false, reason: 'undecryptable' }
  }
  // The core re-checks both timeouts with its own clock; the store's TTL is only a backstop.
  if (now >= expiryOf(engine, createdAt, lastSeenAt)) {
    debug('session %s expired on load', key.slice(0, 6))
    await storeCall(engine, hookContext, 'destroy', () => engine.store.destroy(key)).catch(() => {})
    return { ok: false, reason: 'expired' }
  }
  pruneExpiredValues(state, now)
  let migrated = false
  if (engine.schema !== null) {
    const check = await applySchema(engine.schema, state)
    if (!check.ok) return { ok: false, reason: 'schema' }
    migrated = check.changed
  }
  return { ok: true, id, key, record, state, zombie: false, migrated }
}
