/**
 * `createSessions()`: options, per-request loading, and user-level operations outside requests.
 */

import { emptyClientSideEngine, openClientSide } from './client-side.js'
import { MAX_COOKIE_CANDIDATES, readCookieValues } from './cookie.js'
import { pathMatches } from './cookie-path.js'
import {
  type Engine,
  type LoadedSession,
  loadSession,
  type RejectedId,
  storeCall,
} from './engine.js'
import { ConfigError } from './errors.js'
import { decide, fingerprintOf, withFingerprint } from './fingerprint.js'
import { callHook, debug } from './hooks.js'
import { storeKey } from './ids.js'
import type { HeldLock } from './lock.js'
import { resolveOptions } from './options.js'
import type { SessionData } from './paths-types.js'
import { RequestSessionImpl } from './request-session.js'
import type { Revocations } from './revocation.js'
import {
  checkUserId,
  type DeferredResponse,
  lockSession,
  SessionCore,
  type SessionInit,
} from './session.js'
import { createSessionView } from './session-view.js'
import { verifyCookieValue } from './signing.js'
import type { Store } from './store.js'
import type {
  InvalidIdReason,
  RequestContext,
  RequestSession,
  Session,
  Sessions,
  SessionsOptions,
  TrustProxy,
  UserSessionSummary,
} from './types.js'

const HANDLE_PATTERN = /^[A-Za-z0-9_-]{43}$/

type Resolution = {
  loaded: LoadedSession | null
  reason: InvalidIdReason | null
  adoptId: string | null
  /** Signed with an older key of the ring: re-sign with the newest in this response. */
  staleSignature: boolean
}

async function resolveCookie(
  engine: Engine,
  request: RequestContext,
  values: string[],
): Promise<Resolution> {
  const presented = presentedIds(engine, values)
  const wellFormed = presented.ids
  if (wellFormed.length === 0) {
    return { loaded: null, reason: presented.reason, adoptId: null, staleSignature: false }
  }
  if (wellFormed.length === 1) {
    // One candidate (the usual case): what the general path below decides, without its sets.
    const id = wellFormed[0] as string
    const result = await loadSession(engine, request, id)
    if (result.ok) {
      const staleSignature = presented.stale.has(result.id)
      return { loaded: result, reason: null, adoptId: null, staleSignature }
    }
    const adoptId = !engine.strict && result.reason === 'unknown' ? id : null
    return { loaded: null, reason: result.reason, adoptId, staleSignature: false }
  }
  // Duplicate cookies (BI-03): adopt only if exactly one candidate is a live session.
  const results: Array<LoadedSession | RejectedId> = []
  for (const id of new Set(wellFormed)) results.push(await loadSession(engine, request, id))
  const live = results.filter((result): result is LoadedSession => result.ok)
  if (live.length === 1) {
    const loaded = live[0] as LoadedSession
    return { loaded, reason: null, adoptId: null, staleSignature: presented.stale.has(loaded.id) }
  }
  if (live.length > 1)
    return { loaded: null, reason: 'malformed', adoptId: null, staleSignature: false }
  const first = results[0] as RejectedId
  const adoptId =
    !engine.strict && wellFormed.length === 1 && first.reason === 'unknown'
      ? (wellFormed[0] as string)
      : null
  // Several candidates and none live is ambiguity, reported as malformed (BI-03).
  const reason = results.length > 1 ? 'malformed' : first.reason
  return { loaded: null, reason, adoptId, staleSignature: false }
}

/**
 * The ids carried by the presented cookie values (verifying signatures when `secret` is set),
 * and the reason to report when none is usable. More than MAX_COOKIE_CANDIDATES values are
 * treated as hostile without looking further.
 */
function presentedIds(
  engine: Engine,
  values: readonly string[],
): { ids: string[]; reason: InvalidIdReason; stale: Set<string> } {
  const ids: string[] = []
  const stale = new Set<string>()
  let reason: InvalidIdReason = 'malformed'
  if (values.length > MAX_COOKIE_CANDIDATES) return { ids, reason, stale }
  for (const value of values) {
    if (engine.signing === null) {
      if (engine.isWellFormedId(value)) ids.push(value)
      continue
    }
    const verified = verifyCookieValue(engine.signing, value, engine.isWellFormedId)
    if (verified.ok) {
      ids.push(verified.id)
      if (verified.stale) stale.add(verified.id)
    } else if (verified.reason === 'bad-signature') reason = 'bad-signature'
  }
  return { ids, reason, stale }
}

function readOnlyRequest(cookieHeader: string | undefined): RequestContext {
  return {
    cookieHeader,
    method: 'GET',
    url: '/',
    header: (name) => (name === 'cookie' ? cookieHeader : undefined),
    remoteAddress: undefined,
    encrypted: false,
  }
}

/** The sessions object over a resolved engine. */
class SessionsImpl<T extends object> implements Sessions<T> {
  readonly #engine: Engine
  readonly #handles = new Set<NodeJS.Timeout>()

  constructor(engine: Engine) {
    this.#engine = engine
    const { store, gcIntervalMs } = engine
    if (gcIntervalMs > 0 && store.gc) {
      const timer = setInterval(() => {
        this.gc().catch((error: unknown) => {
          debug('scheduled gc failed: %s', (error as Error).name)
        })
      }, gcIntervalMs)
      timer.unref()
      this.#handles.add(timer)
    }
  }

  get store(): Store {
    return this.#engine.store
  }

  get cookieName(): string {
    return this.#engine.cookie.name
  }

  get trustProxy(): TrustProxy {
    return this.#engine.trustProxy
  }

  async #core(request: RequestContext, readOnly: boolean): Promise<SessionCore> {
    const engine = this.#engine
    // A request outside the cookie's Path is treated as carrying no session cookie (BI-64);
    // `load()` has no request path and is always in scope.
    if (!readOnly && !pathMatches(engine.cookie.path, request.url)) {
      request = Object.create(request, { cookieHeader: { value: undefined } }) as RequestContext
    }
    if (engine.clientSide !== null) {
      const opened = await openClientSide(engine, engine.clientSide, request, readOnly)
      if (opened.reason !== null) {
        callHook(engine.hooks, 'invalidId', { request, handle: null }, opened.reason)
      }
      const core = new SessionCore(opened.engine, request, {
        loaded: opened.loaded,
        hadCookie: opened.hadCookie,
        adoptId: null,
        readOnly,
      })
      await checkFingerprint(core, readOnly)
      return core
    }
    const values = readCookieValues(request.cookieHeader, engine.cookie.name)
    const init: SessionInit = {
      loaded: null,
      hadCookie: values.length > 0,
      adoptId: null,
      readOnly,
    }
    if (values.length > 0) {
      const resolution = await resolveCookie(engine, request, values)
      init.loaded = resolution.loaded
      init.adoptId = resolution.adoptId
      init.staleSignature = resolution.staleSignature
      if (resolution.reason !== null) {
        callHook(engine.hooks, 'invalidId', { request, handle: null }, resolution.reason)
      }
    }
    const core = new SessionCore(engine, request, init)
    if (engine.fingerprint !== null) await checkFingerprint(core, readOnly)
    return core
  }

  async open(request: RequestContext): Promise<RequestSession<T>> {
    const engine = this.#engine
    const early = engine.concurrency === 'lock' ? await this.#lockPresentedId(request) : null
    let core: SessionCore
    try {
      core = await this.#core(request, false)
    } catch (error) {
      await early?.release()
      throw error
    }
    if (early && core.base !== null && core.key === early.key) core.heldLock = early
    else await early?.release()
    try {
      if (engine.concurrency === 'lock' && core.base !== null) await lockSession(core)
      if (engine.rotate !== null) await rotateIfDue(core)
    } catch (error) {
      await core.releaseLock()
      throw error
    }
    return new RequestSessionImpl<T>(core, createSessionView<T>(core))
  }

  /**
   * `open` for a request that carries no session cookie, without a promise: nothing is read,
   * locked or rotated for it, so adapters can call `next()` at once. Null when there is a cookie.
   */
  openWithoutCookie(
    request: RequestContext,
    deferred?: DeferredResponse,
  ): RequestSession<T> | null {
    const header = request.cookieHeader
    if (header && readCookieValues(header, this.#engine.cookie.name).length > 0) return null
    const engine = this.#engine
    const core = new SessionCore(
      engine.clientSide === null ? engine : emptyClientSideEngine(engine, engine.clientSide),
      request,
      FRESH,
    )
    if (deferred !== undefined) core.deferred = deferred
    return new RequestSessionImpl<T>(core, createSessionView<T>(core))
  }

  /** In lock mode, lock the one well-formed presented id before reading it (one read, not two). */
  async #lockPresentedId(request: RequestContext): Promise<HeldLock | null> {
    const engine = this.#engine
    const { ids } = presentedIds(engine, readCookieValues(request.cookieHeader, engine.cookie.name))
    if (ids.length !== 1) return null
    return engine.locks.acquire(storeKey(ids[0] as string), { request, handle: null })
  }

  async load(cookieHeader: string | undefined): Promise<Session<T>> {
    const core = await this.#core(readOnlyRequest(cookieHeader), true)
    return createSessionView<T>(core)
  }

  #userIndex(): Required<Pick<Store, 'listByUser' | 'destroyByUser'>> {
    const { store } = this.#engine
    if (!store.capabilities.userIndex || !store.listByUser || !store.destroyByUser) {
      throw new ConfigError([{ path: 'store', message: 'this store has no user index' }])
    }
    return {
      listByUser: store.listByUser.bind(store),
      destroyByUser: store.destroyByUser.bind(store),
    }
  }

  async listUserSessions(
    userId: string,
    options?: { current?: string },
  ): Promise<UserSessionSummary[]> {
    const index = this.#userIndex()
    const entries = await storeCall(this.#engine, null, 'listByUser', () =>
      index.listByUser(userId),
    )
    const now = this.#engine.now()
    return entries
      .filter(([, record]) => record.movedTo === undefined && record.expiresAt > now)
      .map(([handle, record]) => ({
        handle,
        createdAt: record.meta?.createdAt ?? null,
        lastSeenAt: record.meta?.lastSeenAt ?? null,
        expiresAt: record.expiresAt,
        ip: record.meta?.ip ?? null,
        userAgent: record.meta?.userAgent ?? null,
        current: handle === options?.current,
      }))
      .sort((a, b) => (b.lastSeenAt ?? 0) - (a.lastSeenAt ?? 0))
  }

  /** The cookie store's revocation store; ConfigError when it has none. */
  #revocations(): Revocations {
    const revocations = this.#engine.clientSide?.revocations
    if (!revocations) {
      throw new ConfigError([
        {
          path: 'store',
          message: 'sessions in cookies can only be revoked with createCookieStore({ revocation })',
        },
      ])
    }
    return revocations
  }

  async revoke(handle: string): Promise<void> {
    if (typeof handle !== 'string' || !HANDLE_PATTERN.test(handle)) {
      throw new ConfigError([{ path: 'handle', message: 'is not a session handle' }])
    }
    if (this.#engine.clientSide !== null) {
      const revocations = this.#revocations()
      const now = this.#engine.now()
      await storeCall(this.#engine, null, 'set', () => revocations.deny(handle, now, now))
      return
    }
    await storeCall(this.#engine, null, 'destroy', () => this.#engine.store.destroy(handle))
  }

  async revokeUserSessions(
    userId: string,
    options?: { except?: string | readonly string[] },
  ): Promise<number> {
    const except =
      options?.except === undefined
        ? []
        : typeof options.except === 'string'
          ? [options.except]
          : options.except
    if (this.#engine.clientSide !== null) {
      checkUserId(userId)
      const revocations = this.#revocations()
      await storeCall(this.#engine, null, 'set', () => revocations.revokeUser(userId, except))
      return 0
    }
    const index = this.#userIndex()
    return storeCall(this.#engine, null, 'destroyByUser', () => index.destroyByUser(userId, except))
  }

  async gc(): Promise<number> {
    const { store } = this.#engine
    return store.gc
      ? storeCall(this.#engine, null, 'gc', () => (store.gc as () => Promise<number>)())
      : 0
  }

  async close(): Promise<void> {
    for (const handle of this.#handles) clearInterval(handle)
    this.#handles.clear()
    await Promise.allSettled([...this.#engine.inFlight])
    await this.#engine.store.close?.()
  }
}

const FRESH: SessionInit = Object.freeze({
  loaded: null,
  hadCookie: false,
  adoptId: null,
  readOnly: false,
})

/**
 * For adapters: the request's session at once when it carries no session cookie (see
 * `openWithoutCookie`); null when `open` must run. With `deferred`, the adapter drives the
 * response only from the session's start (until then there is nothing to send or save).
 */
export function openWithoutCookie<T extends object>(
  sessions: Sessions<T>,
  request: RequestContext,
  deferred?: DeferredResponse,
): RequestSession<T> | null {
  return sessions instanceof SessionsImpl ? sessions.openWithoutCookie(request, deferred) : null
}

/**
 * Create the sessions object. Options are checked once; a bad option throws ConfigError.
 * The store is required here; the package entry point supplies the memory store by default.
 */
export function createSessionsWithStore<T extends object = SessionData>(
  options: SessionsOptions & { store: Store },
): Sessions<T> {
  return new SessionsImpl<T>(resolveOptions(options))
}

/** `rotateEvery`: regenerate a session whose id is older than `every`, with its grace window. */
async function rotateIfDue(core: SessionCore): Promise<void> {
  const rotate = core.engine.rotate
  if (rotate === null || core.base === null || core.createdAt === null) return
  const issuedAt = core.copy.state.i ?? core.createdAt
  if (core.engine.now() - issuedAt >= rotate.everyMs)
    await core.regenerate({ grace: rotate.graceMs })
}

/**
 * `fingerprint`: a loaded session seeing an unseen client profile is allowed (and the profile
 * recorded), given a new id, or rejected (the request continues with a fresh session and
 * `invalidId('fingerprint')`), as `onFingerprintChange` decides.
 */
async function checkFingerprint(core: SessionCore, readOnly: boolean): Promise<void> {
  const options = core.engine.fingerprint
  if (options === null || core.base === null) return
  const current = fingerprintOf(options, core.request)
  if (current === null) return
  const seen = core.copy.state.h ?? []
  if (seen.includes(current)) return
  const record = (): void => {
    if (!readOnly) core.write({ t: 'field', f: 'h', v: withFingerprint(seen, current) })
  }
  // Sessions created before fingerprinting was turned on adopt the first profile they see.
  if (seen.length === 0) return record()
  callHook(core.engine.hooks, 'fingerprintChanged', core.hookContext())
  const decision = decide(options, core.hookContext(), seen, current)
  if (decision === 'reject') {
    callHook(core.engine.hooks, 'invalidId', core.hookContext(), 'fingerprint')
    core.forgetVanished()
    return
  }
  if (decision === 'regenerate' && !readOnly) await core.regenerate()
  record()
}
