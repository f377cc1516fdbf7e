/**
 * `sessionkit/hono`: session middleware for Hono 4 (Node through `@hono/node-server`, Bun,
 * Deno), with typed context variables.
 *
 * The middleware loads the session before `next()`; after the handlers ran it seals the session,
 * awaits the save, and appends the session's `Set-Cookie` to the response with `c.header`.
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { SessionData } from '../core/paths-types.js'
import { commitIsEmpty } from '../core/request-session.js'
import { openWithoutCookie } from '../core/sessions.js'
import type { Session, Sessions } from '../core/types.js'
import {
  checkWebOptions,
  nodeServerAddress,
  recordWebRequest,
  type WebSessionOptions,
  webRequestContext,
} from './web-context.js'
import {
  discardBody,
  isSessionError,
  sessionErrorResponse,
  withContextPlanHeaders,
} from './web-response.js'

export { type CsrfMiddlewareOptions, csrf } from './hono-csrf.js'

/**
 * Hono context variables that carry the session: `new Hono<{ Variables: SessionVariables<AppData> }>()`
 * types `c.var.session` and `c.get('session')`. With `property: 'admin'`, use
 * `SessionVariables<AdminData, 'admin'>` (intersect several for several session systems).
 */
export type SessionVariables<T extends object = SessionData, K extends string = 'session'> = {
  [P in K]: Session<T>
}

/** Options of {@link sessionMiddleware}. Checked once, when the middleware is created. */
export interface SessionMiddlewareOptions<K extends string = 'session'>
  extends WebSessionOptions<K> {
  /**
   * The client's address (recorded on the session, and what a function `trustProxy` is asked
   * about); a Web `Request` does not carry it. Use Hono's `getConnInfo` of your runtime, e.g.
   * `(c) => getConnInfo(c).remote.address`.
   * @default the `@hono/node-server` peer address, else undefined
   */
  getClientAddress?: (c: Context) => string | undefined
}

interface VariableSetter {
  set(key: string, value: unknown): void
}

/**
 * Session middleware for Hono: `c.var.session` (or `c.get('session')`) in every later handler.
 *
 * A request with a well-formed session cookie costs one store read before `next()`; one without
 * costs nothing until the session is written to. The save is awaited before the response leaves
 * the middleware, so a redirect never outruns it; other `Set-Cookie` headers are kept. Failures:
 * a store outage on load answers 503 (`StoreUnavailable`, no cookie); a session too large to
 * store answers 413 and a failed save its error's status, replacing the handler's response; a
 * handler that throws (`c.error` set, whatever `onError` answered) persists nothing.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { createSessions } from 'sessionkit'
 * import { type SessionVariables, sessionMiddleware } from 'sessionkit/hono'
 *
 * const sessions = createSessions<{ views: number }>()
 * const app = new Hono<{ Variables: SessionVariables<{ views: number }> }>()
 * app.use(sessionMiddleware(sessions))
 * app.get('/', (c) => c.text(`views: ${c.var.session.increment('views')}`))
 * ```
 * @throws {ConfigError} at creation, for a bad `property`, `trustProxy` or `getClientAddress`.
 */
export function sessionMiddleware<T extends object, K extends string = 'session'>(
  sessions: Sessions<T>,
  opts: SessionMiddlewareOptions<K> = {},
): MiddlewareHandler<{ Variables: SessionVariables<T, K> }> {
  const { property, trustProxy } = checkWebOptions(sessions, opts)
  const clientAddress = opts.getClientAddress ?? ((c: Context) => nodeServerAddress(c.env))
  const trust = trustProxy ?? sessions.trustProxy
  return async (c, next) => {
    const context = webRequestContext(c.req.raw, clientAddress(c as Context), trustProxy)
    // Without a session cookie there is nothing to read: no promise to wait for.
    let rs = openWithoutCookie(sessions, context)
    if (rs === null) {
      try {
        rs = await sessions.open(context)
      } catch (error) {
        if (isSessionError(error)) return sessionErrorResponse(error)
        throw error
      }
    }
    recordWebRequest(c, rs.session, context, trust)
    ;(c as unknown as VariableSetter).set(property, rs.session)
    try {
      await next()
    } catch (error) {
      await rs.abort().catch(() => {})
      throw error
    }
    if (c.error) {
      // A handler failed: whatever onError answered, this request's changes are not kept.
      await rs.abort().catch(() => {})
      return
    }
    try {
      const plan = rs.finalize()
      if (!commitIsEmpty(rs)) await rs.commit()
      withContextPlanHeaders(c, plan)
    } catch (error) {
      await rs.abort().catch(() => {})
      if (!isSessionError(error)) throw error
      discardBody(c.res)
      // Cleared first: assigning over a response would carry its headers (and cookies) over.
      c.res = undefined
      c.res = sessionErrorResponse(error)
    }
  }
}
