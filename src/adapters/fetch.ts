/**
 * `sessionkit/fetch`: sessions for any runtime with Web `Request`/`Response` — Node's fetch
 * servers (`@hono/node-server`, …), Bun, Deno, Next.js route handlers.
 *
 * `withSession` loads the session before the handler runs, then seals it, awaits the save, and
 * only then returns the response, with the session's `Set-Cookie` appended to a copy of it.
 */
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
  withPlanHeaders,
} from './web-response.js'

export { csrf, type FetchCsrfOptions } from './fetch-csrf.js'

/** The context handed to a handler: the session under `K` (default `session`). */
export type SessionContext<T extends object = SessionData, K extends string = 'session'> = {
  [P in K]: Session<T>
}

/** A handler `withSession` wraps: the request and a context carrying the session. */
export type SessionHandler<C extends object> = (
  request: Request,
  ctx: C,
) => Response | Promise<Response>

/** What `withSession` returns: a fetch handler (a second argument is merged into `ctx`). */
export type FetchHandler = (request: Request, context?: unknown) => Promise<Response>

/** Options of {@link withSession}. Checked once, when the handler is created. */
export interface WithSessionOptions<K extends string = 'session'> extends WebSessionOptions<K> {
  /**
   * The client's address (recorded on the session, and what a function `trustProxy` is asked
   * about). A Web `Request` does not carry it: `context` is the second argument the runtime
   * passed (Bun's `server`, Deno's `info`). By default the address is read from
   * `@hono/node-server`'s bindings, else unknown.
   * @example `(request, server) => (server as BunServer).requestIP(request)?.address`
   * @default the `@hono/node-server` peer address, else undefined
   */
  getClientAddress?: (request: Request, context: unknown) => string | undefined
}

/**
 * Wrap a fetch handler with sessions. The handler receives `(request, { session })`; the
 * returned function answers with the handler's response plus the session's cookie.
 *
 * A request with a well-formed session cookie costs one store read before the handler runs; one
 * without costs nothing until the session is written to. The save is awaited before the
 * response is returned, so a redirect never outruns it. A second argument from the runtime or
 * an outer `withSession` that is a plain object (Next.js's `{ params }`, the outer context) is
 * merged into `ctx`. Failures: a store outage on load answers 503 (`StoreUnavailable`, no
 * cookie); a session too large to store answers 413 and a failed save its error's status, each
 * instead of the handler's response; a handler that throws persists nothing and the error is
 * rethrown.
 *
 * @example
 * ```ts
 * import { createSessions } from 'sessionkit'
 * import { withSession } from 'sessionkit/fetch'
 *
 * const sessions = createSessions<{ views: number }>()
 * export default {
 *   fetch: withSession(sessions, (request, { session }) => {
 *     const views = session.increment('views')
 *     return new Response(`views: ${views}`)
 *   }),
 * }
 * ```
 * @throws {ConfigError} at creation, for a bad `property`, `trustProxy` or `getClientAddress`.
 */
export function withSession<T extends object>(
  sessions: Sessions<T>,
  handler: SessionHandler<SessionContext<T>>,
  opts?: WithSessionOptions,
): FetchHandler
/** With `property: K`, the session is `ctx[K]`. */
export function withSession<T extends object, K extends string>(
  sessions: Sessions<T>,
  handler: SessionHandler<SessionContext<T, K>>,
  opts: WithSessionOptions<K> & { property: K },
): FetchHandler
/**
 * With what the runtime or an outer `withSession` adds to `ctx` stated as `C` (given
 * explicitly: `withSession<AppData, { params: Promise<{ id: string }> }>(…)`).
 */
export function withSession<T extends object, C extends object, K extends string = 'session'>(
  sessions: Sessions<T>,
  handler: SessionHandler<C & SessionContext<T, K>>,
  opts?: WithSessionOptions<K>,
): FetchHandler
export function withSession<T extends object>(
  sessions: Sessions<T>,
  handler: SessionHandler<never>,
  opts: WithSessionOptions<string> = {},
): FetchHandler {
  const { property, trustProxy } = checkWebOptions(sessions, opts)
  const clientAddress = opts.getClientAddress ?? ((_request, context) => nodeServerAddress(context))
  const trust = trustProxy ?? sessions.trustProxy
  return async (request, context) => {
    const requestContext = webRequestContext(request, clientAddress(request, context), trustProxy)
    // Without a session cookie there is nothing to read: no promise to wait for.
    let rs = openWithoutCookie(sessions, requestContext)
    if (rs === null) {
      try {
        rs = await sessions.open(requestContext)
      } catch (error) {
        if (isSessionError(error)) return sessionErrorResponse(error)
        throw error
      }
    }
    const ctx = copyOfPlainObject(context) as Record<string, Session<T>>
    ctx[property] = rs.session
    recordWebRequest(ctx, rs.session, requestContext, trust)
    let response: Response
    try {
      response = await handler(request, ctx as never)
      // Duck-typed: runtimes and servers (`@hono/node-server`) may swap the global Response class.
      if (typeof (response as Partial<Response> | null)?.headers?.get !== 'function') {
        throw new TypeError('sessionkit/fetch: the handler must return a Response')
      }
    } catch (error) {
      await rs.abort().catch(() => {})
      throw error
    }
    try {
      const plan = rs.finalize()
      if (!commitIsEmpty(rs)) await rs.commit()
      return withPlanHeaders(response, plan)
    } catch (error) {
      // Nothing of the handler's response is sent: neither its body nor its cookies.
      discardBody(response)
      await rs.abort().catch(() => {})
      if (isSessionError(error)) return sessionErrorResponse(error)
      throw error
    }
  }
}

/**
 * What `{ ...value }` makes of a plain object (own enumerable keys, symbols too), else `{}`.
 * `Object.assign` instead of a spread: on Node 20, a key added to a spread's result later costs
 * ~0.4 µs (measured; ~1.3 µs a request here). It sets where a spread defines, which differs only
 * for an own `__proto__` key.
 */
function copyOfPlainObject(value: unknown): Record<PropertyKey, unknown> {
  if (typeof value !== 'object' || value === null) return {}
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return {}
  const copy: Record<PropertyKey, unknown> = {}
  return Object.hasOwn(value, '__proto__') ? { ...value } : Object.assign(copy, value)
}
