/**
 * Sessions kept in the cookie (a store with `capabilities.clientSide`, i.e. `createCookieStore`):
 * resolving its settings, opening the request's cookies into a request-scoped CookieJar that
 * stands in for the store, and sealing what the request changed back into `Set-Cookie` values.
 */

import { type CookieAttributes, serializeClearingCookie, serializeSessionCookie } from './cookie.js'
import { chunkName, maxChunks, presentChunks, readChunks, splitChunks } from './cookie-chunks.js'
import { CookieJar } from './cookie-jar.js'
import { openSession, sealSession } from './cookie-seal.js'
import { type Engine, type LoadedSession, loadSession, storeCall } from './engine.js'
import type { ConfigIssue } from './errors.js'
import { callHook } from './hooks.js'
import { storeKey } from './ids.js'
import { importKeyRing, type KeyRing } from './keys.js'
import { Revocations } from './revocation.js'
import type { SessionCore } from './session.js'
import type { SessionRecord, Store } from './store.js'
import type { InvalidIdReason, RequestContext } from './types.js'

/** The resolved client-side settings of an engine. */
export interface ClientSideEngine {
  readonly ring: KeyRing
  readonly maxCookieBytes: number
  readonly maxChunks: number
  readonly revocations: Revocations | null
}

/** A sealed cookie's timestamps may run this far ahead of our clock (servers' clock skew). */
const CLOCK_SKEW_MS = 60_000

/**
 * The client-side settings for `store`, or null for a server-side store. Keys come from the
 * store (`createCookieStore({ keys })`) or from `secret` through HKDF; sessionkit never invents
 * one, so neither is a ConfigError.
 */
export function resolveClientSide(
  issues: ConfigIssue[],
  store: Store,
  secretRing: KeyRing | null,
  settings: { now: () => number; absoluteMs: number; cookieName: string },
): ClientSideEngine | null {
  const side = store.clientSide
  if (store.capabilities?.clientSide !== true || side === undefined) return null
  let ring: KeyRing | null = secretRing
  if (side.keys !== undefined) ring = importKeyRing(side.keys, 'store.keys', issues)
  else if (ring === null) {
    issues.push({
      path: 'store',
      message:
        'the cookie store needs keys: createCookieStore({ keys }) or createSessions({ secret })',
    })
  }
  if (ring === null) return null
  return {
    ring,
    maxCookieBytes: side.maxCookieBytes,
    maxChunks: maxChunks(settings.cookieName, side.maxCookieBytes),
    revocations:
      side.revocation === undefined
        ? null
        : new Revocations(side.revocation, settings.now, settings.absoluteMs),
  }
}

/** What a request's cookies held. */
export interface ClientSideOpening {
  /** The request's engine: the shared one with the jar as its store. */
  engine: Engine
  loaded: LoadedSession | null
  reason: InvalidIdReason | null
  hadCookie: boolean
}

/** Open the session sealed in the request's cookies (revocation checked when configured). */
export async function openClientSide(
  engine: Engine,
  side: ClientSideEngine,
  request: RequestContext,
  readOnly: boolean,
): Promise<ClientSideOpening> {
  const name = engine.cookie.name
  const read = readChunks(request.cookieHeader, name, side.maxChunks)
  const fresh = (reason: InvalidIdReason | null): ClientSideOpening => ({
    engine: emptyClientSideEngine(engine, side),
    loaded: null,
    reason,
    hadCookie: read.kind !== 'none',
  })
  if (read.kind === 'none') return fresh(null)
  if (read.kind === 'malformed') return fresh('malformed')
  // A JSON-escaped record can be up to 6× its envelope; anything larger is not ours.
  const opened = openSession(side.ring, name, read.value, 6 * engine.maxSize + 1024)
  if (opened === null || !plausible(engine, opened.id, opened.record)) {
    return fresh('undecryptable')
  }
  if (!(opened.record.expiresAt > engine.now())) return fresh('expired')
  const key = storeKey(opened.id)
  const jar = new CookieJar(engine.now, side.revocations, {
    key,
    record: opened.record,
    stamp: opened.stamp,
  })
  const result: ClientSideOpening = {
    engine: withStore(engine, jar),
    loaded: null,
    reason: null,
    hadCookie: true,
  }
  const loaded = await loadSession(result.engine, request, opened.id)
  if (!loaded.ok) return { ...result, reason: loaded.reason }
  if (side.revocations !== null) {
    const verdict = await storeCall(engine, { request, handle: key }, 'get', () =>
      (side.revocations as Revocations).check(key, loaded.record.userId, issuedAt(loaded, jar)),
    )
    if (verdict === 'revoked') return { ...result, reason: 'unknown' }
    if (verdict === 'exempt' && !readOnly) {
      jar.stamp = engine.now()
      jar.markDirty(key)
    }
  }
  // Sealed under an older key of the ring: re-issue under the newest on this response (BI-37).
  if (opened.staleKey && !readOnly) jar.markDirty(key)
  return { ...result, loaded }
}

/**
 * The request engine when no session comes from the cookies (there are none, or they were
 * refused): an empty jar as its store.
 */
export function emptyClientSideEngine(engine: Engine, side: ClientSideEngine): Engine {
  return withStore(engine, new CookieJar(engine.now, side.revocations, null))
}

/** Bounds a sealed payload must respect even though it authenticated (BI-40). */
function plausible(engine: Engine, id: string, record: SessionRecord): boolean {
  const now = engine.now()
  if (record.meta === undefined || record.movedTo !== undefined) return false
  const { createdAt, lastSeenAt } = record.meta
  return (
    engine.isWellFormedId(id) &&
    createdAt <= now + CLOCK_SKEW_MS &&
    lastSeenAt <= now + CLOCK_SKEW_MS &&
    lastSeenAt >= createdAt &&
    record.expiresAt - now <= engine.absoluteMs
  )
}

function issuedAt(loaded: LoadedSession, jar: CookieJar): number {
  const createdAt = loaded.record.meta?.createdAt ?? 0
  return Math.max(createdAt, loaded.state.a ?? 0, jar.stamp ?? 0)
}

/** The engine with `store` in place of the shared one; everything else is shared. */
function withStore(engine: Engine, store: Store): Engine {
  // A literal with `__proto__` is ~10× cheaper than Object.create with a property descriptor.
  return { __proto__: engine, store } as unknown as Engine
}

/** What `finalize` hands over: the write or touch it prepared, if any. */
export type PreparedWrite =
  | { kind: 'write'; record: SessionRecord }
  | { kind: 'touch'; expiresAt: number; lastSeenAt: number }
  | null

/**
 * Apply the request's last write to the jar and return the `Set-Cookie` values: the sealed
 * session in all its chunks (clearing chunks left over from a longer value), or, when the
 * session ended, the clearing of every chunk the browser holds.
 * @throws {SessionTooLarge} before anything is applied, when the cookies would not fit.
 */
export function clientSideCookies(
  core: SessionCore,
  side: ClientSideEngine,
  prepared: PreparedWrite,
  secure: boolean,
  maxAgeMs: number | undefined,
): string[] {
  const jar = core.engine.store as CookieJar
  const attributes = core.engine.cookie
  const present = presentChunks(core.request.cookieHeader, attributes.name, side.maxChunks)
  const clear = (index: number): string =>
    serializeClearingCookie(renamed(attributes, index), secure)
  if (core.id === null || core.key === null) {
    return core.cookie === 'clear' ? [clear(0), ...present.map(clear)] : []
  }
  const record = recordToSend(core, jar, prepared)
  if (record === null) return []
  const sealed = sealSession(side.ring, attributes.name, { id: core.id, record, stamp: jar.stamp })
  const values = splitChunks(attributes.name, sealed, side.maxCookieBytes)
  const isNew = core.base === null
  jar.put(core.key, record)
  if (prepared?.kind === 'write') {
    core.markStored(record)
    if (isNew) callHook(core.engine.hooks, 'created', core.hookContext())
  } else if (prepared?.kind === 'touch' && core.base) {
    core.base.meta = { ...core.base.meta, lastSeenAt: prepared.lastSeenAt }
  }
  return [
    ...values.map((value, index) =>
      serializeSessionCookie(renamed(attributes, index), value, secure, maxAgeMs),
    ),
    ...present.filter((index) => index >= values.length).map(clear),
  ]
}

function recordToSend(
  core: SessionCore,
  jar: CookieJar,
  prepared: PreparedWrite,
): SessionRecord | null {
  const key = core.key as string
  if (prepared?.kind === 'write') return prepared.record
  if (prepared?.kind === 'touch') {
    const current = jar.recordToSend(key, true)
    if (current === null) return null
    return {
      ...current,
      expiresAt: prepared.expiresAt,
      meta: {
        ...current.meta,
        createdAt: current.meta?.createdAt ?? prepared.lastSeenAt,
        lastSeenAt: prepared.lastSeenAt,
      },
    }
  }
  return jar.recordToSend(key, core.cookie === 'set')
}

/** Chunk attributes by index, kept per configuration so the Set-Cookie suffix cache hits. */
const RENAMED = new WeakMap<CookieAttributes, CookieAttributes[]>()

function renamed(attributes: CookieAttributes, index: number): CookieAttributes {
  if (index === 0) return attributes
  let byIndex = RENAMED.get(attributes)
  if (byIndex === undefined) {
    byIndex = []
    RENAMED.set(attributes, byIndex)
  }
  let chunk = byIndex[index]
  if (chunk === undefined) {
    chunk = { ...attributes, name: chunkName(attributes.name, index) }
    byIndex[index] = chunk
  }
  return chunk
}
