/**
 * `createSessions()`: options, the sessions object and per-request opening; cookie resolution
 * is in cookie-resolution.ts, the user-level operations outside requests in user-operations.ts.
 */

import { emptyClientSideEngine, openClientSide } from './client-side.js'
import { readCookieValues } from './cookie.js'
import { pathMatches } from './cookie-path.js'
import { presentedIds, resolveCookie } from './cookie-resolution.js'
import { type Engine, storeCall } from './engine.js'
import { checkFingerprint } from './fingerprint.js'
import { callHook, debug } from './hooks.js'
import { storeKey } from './ids.js'
import type { HeldLock } from './lock.js'
import { resolveOptions } from './options.js'
import type { SessionData } from './paths-types.js'
import { RequestSessionImpl } from './request-session.js'
import { SessionCore } from './session.js'
import { lockSession, regenerate } from './session-lifecycle.js'
import type { DeferredResponse, SessionInit } from './session-types.js'
import { createSessionView } from './session-view.js'
import type { Store } from './store.js'
import type {
  RequestContext,
  RequestSession,
  Session,
  Sessions,
  SessionsOptions,
  TrustProxy,
  UserSessionSummary,
} from './types.js'
import { listUserSessions, revoke, revokeUserSessions } from './user-operations.js'

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

  listUserSessions(userId: string, options?: { current?: string }): Promise<UserSessionSummary[]> {
    return listUserSessions(this.#engine, userId, options)
  }

  revoke(handle: string): Promise<void> {
    return revoke(this.#engine, handle)
  }

  revokeUserSessions(
    userId: string,
    options?: { except?: string | readonly string[] },
  ): Promise<number> {
    return revokeUserSessions(this.#engine, userId, options)
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
    await regenerate(core, { grace: rotate.graceMs })
}
