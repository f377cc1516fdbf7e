/**
 * The Koa 3 adapter: `session()` loads the session before `await next()` and saves it after the
 * downstream middleware resolved, before Koa responds; `csrf()` guards unsafe methods.
 */
import { debuglog } from 'node:util'
import type { Middleware, ParameterizedContext } from 'koa'
import type { SessionData } from '../core/paths-types.js'
import type {
  RequestContext,
  RequestSession,
  ResponsePlan,
  Session,
  Sessions,
  TrustProxy,
} from '../core/types.js'
import { type AdapterOptions, checkAdapterOptions } from './adapter-options.js'
import { type AdapterCsrfOptions, createCsrfGate } from './csrf-gate.js'
import { requestContext } from './node-context.js'
import { OpenedSessions } from './opened-sessions.js'
import { appendVary, applyResponsePlan, type HeaderAccess, headerValues } from './plan-headers.js'

const debug = debuglog('sessionkit')

declare module 'koa' {
  interface DefaultContext {
    /**
     * The request's session, set by the `session()` middleware of `sessionkit/koa` (with
     * untyped data; see `sessionOf` for typed access). Another `property` option puts a second
     * session system under another name.
     */
    session: Session<SessionData>
  }
}

/** Options of the Koa {@link session} middleware. Checked once, when it is created. */
export type SessionMiddlewareOptions = AdapterOptions

/** Options of the Koa {@link csrf} middleware. */
export type CsrfMiddlewareOptions = AdapterCsrfOptions

// Koa's context, whatever state and custom context the app declares.
type AnyContext = ParameterizedContext<unknown, object, unknown>

const opened = new OpenedSessions<object>()

/** The neutral description of a Koa request. */
function koaContext(ctx: AnyContext, trustProxy?: TrustProxy): RequestContext {
  const context = requestContext(ctx.req, trustProxy)
  context.url = ctx.originalUrl
  return context
}

function contextHeaders(ctx: AnyContext): HeaderAccess {
  return {
    get: (name) => headerValues(ctx.res.getHeader(name)),
    set: (name, value) => ctx.set(name, value),
  }
}

function release(rs: RequestSession<object>): Promise<void> {
  return rs.abort().catch((error: unknown) => {
    debug('session abort failed (%s)', error instanceof Error ? error.name : typeof error)
  })
}

/**
 * Session middleware for Koa 3.
 *
 * A request with a well-formed session cookie costs one store read before `next()`; a request
 * without one costs nothing until the session is written to. When the downstream middleware
 * resolves, the session is saved and its `Set-Cookie`, `Cache-Control: no-store` and
 * `Vary: Cookie` are added to the headers others set, all before Koa responds (a redirect never
 * outruns the save). When downstream throws, nothing of the request's changes is persisted and
 * the error goes on. Errors carry `status`, which Koa answers with: `StoreUnavailable` 503,
 * `SessionTooLarge` 413, `SessionConflict` 409. A client that goes away first releases the
 * session without saving it.
 *
 * @example
 * ```ts
 * import Koa from 'koa'
 * import { createSessions } from 'sessionkit'
 * import { session } from 'sessionkit/koa'
 *
 * const app = new Koa()
 * app.use(session(createSessions()))
 * app.use((ctx) => {
 *   ctx.body = `views: ${ctx.session.increment('views')}`
 * })
 * ```
 * @throws {ConfigError} at creation, for bad options.
 */
export function session<T extends object>(
  sessions: Sessions<T>,
  opts: SessionMiddlewareOptions = {},
): Middleware {
  const { property, trustProxy } = checkAdapterOptions(sessions, opts)
  return async (ctx, next) => {
    if (opened.has(ctx, sessions)) return next()
    const rs = (await sessions.open(koaContext(ctx, trustProxy))) as RequestSession<object>
    opened.record(ctx, sessions, rs.session, property, trustProxy ?? sessions.trustProxy)
    ;(ctx as unknown as Record<string, unknown>)[property] = rs.session
    let phase: 'open' | 'ending' | 'aborted' = 'open'
    const abandon = (): Promise<void> | undefined => {
      if (phase !== 'open') return undefined
      phase = 'aborted'
      return release(rs)
    }
    // The client went away before the response: release (a 'lock'-mode lock), persist nothing.
    // (A finished response is one a handler wrote itself with `ctx.respond = false`.)
    const onClose = (): void => {
      if (!ctx.res.writableFinished) void abandon()
    }
    ctx.res.once('close', onClose)
    try {
      try {
        await next()
      } catch (error) {
        await abandon()
        throw error
      }
      if (phase !== 'open') return
      phase = 'ending'
      let plan: ResponsePlan
      try {
        plan = rs.finalize()
        await rs.commit()
      } catch (error) {
        await release(rs)
        throw error
      }
      if (ctx.headerSent) {
        // `ctx.respond = false` and a handler that wrote to ctx.res: too late for headers.
        if (plan.setCookies.length > 0) debug('session cookie not sent: headers already sent')
        return
      }
      applyResponsePlan(contextHeaders(ctx), plan)
    } finally {
      ctx.res.off('close', onClose)
    }
  }
}

/**
 * CSRF protection for unsafe methods (POST, PUT, PATCH, DELETE, also via method override):
 * rejects cross-site requests by `Sec-Fetch-Site`, else by an exact `Origin`/`Referer` match,
 * then requires a valid token (`ctx.session.csrfToken()`) in `x-csrf-token`/`x-xsrf-token` or
 * the `_csrf` field of a body already parsed into `ctx.request.body` — never the query string.
 * Failures are thrown as a `CsrfError` (403, with a `reason`). Mount it after `session()` (and
 * after a body parser if forms post the token). `spa: true` also keeps a readable `XSRF-TOKEN`
 * cookie for Angular/axios.
 *
 * @example
 * ```ts
 * app.use(session(sessions))
 * app.use(csrf())
 * app.use((ctx) => {
 *   if (ctx.method === 'GET') ctx.body = { csrf: ctx.session.csrfToken() }
 *   else ctx.body = 'done' // reached only with a valid token
 * })
 * ```
 * @throws {ConfigError} at creation, for bad options.
 */
export function csrf(opts: CsrfMiddlewareOptions = {}): Middleware {
  const gate = createCsrfGate(opts, 'mount session() before csrf()')
  return async (ctx, next) => {
    const verdict = gate.judge({
      request: koaContext(ctx),
      body: (ctx.request as { body?: unknown }).body,
      session: (ctx as unknown as Record<string, unknown>)[gate.property],
      trust: opened.trustOf(ctx, gate.property),
    })
    if (verdict.vary) appendVary(contextHeaders(ctx), ['Origin', 'Sec-Fetch-Site'])
    if (verdict.error) {
      // Koa's error response drops every header but the error's own `headers`: keep Vary.
      const vary = ctx.response.get('Vary')
      throw vary ? Object.assign(verdict.error, { headers: { Vary: vary } }) : verdict.error
    }
    if (verdict.setCookie !== null) ctx.append('Set-Cookie', verdict.setCookie)
    await next()
  }
}

/**
 * The typed session that `sessions` opened for `ctx` (whatever `property` it was mounted under).
 *
 * @example
 * ```ts
 * const sessions = createSessions<{ cart: string[] }>()
 * router.post('/cart', (ctx) => {
 *   sessionOf(ctx, sessions).push('cart', 'sku-1')
 *   ctx.redirect('/cart')
 * })
 * ```
 * @throws {Error} when the `session(sessions)` middleware did not run for this request.
 */
export function sessionOf<T extends object>(ctx: object, sessions: Sessions<T>): Session<T> {
  const found = opened.find(ctx, sessions)
  if (!found) {
    throw new Error(
      'sessionkit: no session for this request: mount session(sessions) with this sessions object before this middleware',
    )
  }
  return found
}
