/**
 * The node:http adapter: one middleware for Express 4 and 5, Connect and plain
 * `http.createServer`. It loads the session before the handler runs, writes the session's
 * headers when the response headers are written, and holds `res.end` until the session is saved.
 */
import { IncomingMessage, type ServerResponse } from 'node:http'
import type { SessionData } from '../core/paths-types.js'
import { openWithoutCookie } from '../core/sessions.js'
import type { RequestSession, Session, Sessions, TrustProxy } from '../core/types.js'
import { checkAdapterOptions } from './adapter-options.js'
import { requestContext } from './node-context.js'
import { createCsrfMiddleware, type NodeCsrfOptions } from './node-csrf.js'
import { createResponseHook } from './node-response.js'

declare module 'node:http' {
  interface IncomingMessage {
    /**
     * The request's session, set by the `session()` middleware of `sessionkit/express` (with
     * untyped data; see `sessionOf` for typed access). Another `property` option puts a second
     * session system under another name.
     */
    session: Session<SessionData>
  }
}

/** Options of {@link session}. Checked once, when the middleware is created. */
export interface SessionMiddlewareOptions {
  /**
   * The request property the session is put on; give a second session system another one.
   * @default 'session'
   */
  property?: string
  /**
   * Overrides the `trustProxy` option of `createSessions` for requests through this middleware:
   * whether `X-Forwarded-Proto` may make the request count as https (for `secure: 'auto'`) and
   * `X-Forwarded-For` decide the client ip recorded on the session. Without it the option of
   * `createSessions` applies. Set it to what the app's proxy chain is (Express's own
   * `trust proxy` setting is not read).
   * @default the `trustProxy` of createSessions
   */
  trustProxy?: TrustProxy
}

/** A Connect-style middleware; Express 4 and 5 accept it as is. */
export type SessionMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void

// Which sessions object gave which session to a request (`sessionOf`) with which effective
// trustProxy (`csrf()`): a list per request, newest first, under a symbol on the request. A
// weak-map entry per request cost more, most of it garbage collection (docs/benchmarks.md).
const OPENED = Symbol('sessionkit.opened')
type OpenedSlot = Record<typeof OPENED, Opened | undefined>

interface Opened {
  readonly sessions: Sessions<object>
  readonly property: string
  readonly trust: TrustProxy
  readonly next: Opened | undefined
  /** The session; undefined until first asked for when `open` is set. */
  session: Session<object> | undefined
  /** Opens the session of a cookie-less Express request on first use (see `session()`). */
  readonly open: ((req: IncomingMessage, res: ServerResponse) => Session<object>) | undefined
  readonly res: ServerResponse | undefined
  /** The response hook's state, once the response is hooked (see `createResponseHook`). */
  hooked: object | undefined
}

function sessionIn(req: IncomingMessage, item: Opened): Session<object> | undefined {
  if (item.session === undefined && item.open !== undefined) {
    item.session = item.open(req, item.res as ServerResponse)
  }
  return item.session
}

// Framework request prototypes that already read `property` from the opened-session list.
const accessors = new WeakMap<object, Set<string>>()

/**
 * Make `req[property]` readable without adding a property to `req`, when `req` has a framework
 * prototype (Express's `request`, shared by its apps and sub-apps): adding one to a request
 * whose prototype Express swaps per request costs microseconds. The accessor goes once onto the
 * prototype right above `IncomingMessage.prototype`; assigning `req[property]` still makes an
 * own property, as before. False when `req` must get the property itself.
 */
function viaPrototype(req: IncomingMessage, property: string): boolean {
  if (Object.hasOwn(req, property)) return false
  let proto = Object.getPrototypeOf(req) as object | null
  if (proto === IncomingMessage.prototype) return false
  while (proto !== null) {
    const parent = Object.getPrototypeOf(proto) as object | null
    if (parent === IncomingMessage.prototype) break
    if (Object.hasOwn(proto, property)) return false
    proto = parent
  }
  if (proto === null) return false
  let names = accessors.get(proto)
  if (names?.has(property) !== true) {
    if (Object.hasOwn(proto, property)) return false
    Object.defineProperty(proto, property, {
      configurable: true,
      enumerable: false,
      get(this: IncomingMessage) {
        for (let item = openedOn(this); item !== undefined; item = item.next) {
          if (item.property === property) return sessionIn(this, item)
        }
        return undefined
      },
      set(this: IncomingMessage, value: unknown) {
        Object.defineProperty(this, property, {
          configurable: true,
          enumerable: true,
          writable: true,
          value,
        })
      },
    })
    names ??= new Set()
    names.add(property)
    accessors.set(proto, names)
  }
  return true
}

function openedOn(req: IncomingMessage): Opened | undefined {
  return (req as unknown as OpenedSlot)[OPENED]
}

function setOpened(req: IncomingMessage, entry: Opened): void {
  ;(req as unknown as OpenedSlot)[OPENED] = entry
}

function findOpened(req: IncomingMessage, sessions: Sessions<object>): Opened | undefined {
  for (let item = openedOn(req); item !== undefined; item = item.next) {
    if (item.sessions === sessions) return item
  }
  return undefined
}

/**
 * Session middleware for Express 4 and 5, Connect and node:http.
 *
 * A request with a well-formed session cookie costs one store read before `next()`; a request
 * without one costs nothing until the session is written to. Errors reach `next(err)`: a store
 * outage is `StoreUnavailable`, whose `status` (503) Express's error handler answers with. A
 * session too large to store (`SessionTooLarge`) turns the response into a 413, and a save that
 * fails after the response started streaming destroys the connection rather than completing it.
 *
 * Mount it after body parsers or before, as you like (it never reads the body), and before the
 * routes that use `req.session`.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { createSessions } from 'sessionkit'
 * import { session, sessionOf } from 'sessionkit/express'
 *
 * const sessions = createSessions<{ views: number }>()
 * const app = express()
 * app.use(session(sessions))
 * app.get('/', (req, res) => {
 *   const views = sessionOf(req, sessions).increment('views') // typed: 'views' is a number
 *   res.send(`views: ${views}`) // or untyped: req.session.get('views')
 * })
 * ```
 * @throws {ConfigError} at creation, for a bad `property` or `trustProxy`.
 */
export function session<T extends object>(
  sessions: Sessions<T>,
  opts: SessionMiddlewareOptions = {},
): SessionMiddleware {
  const { property, trustProxy } = checkAdapterOptions(sessions, opts)
  const owner = sessions as unknown as Sessions<object>
  const trust = trustProxy ?? sessions.trustProxy
  // The response's hook state goes into this middleware's entry on `res.req` (Node sets it):
  // one property fewer added per Express response.
  const responses = createResponseHook({
    get: (res) => {
      const req = res.req as IncomingMessage | undefined
      const item = req === undefined ? undefined : findOpened(req, owner)
      return item === undefined ? null : item.hooked
    },
    set: (res, state) => {
      const req = res.req as IncomingMessage | undefined
      const item = req === undefined ? undefined : findOpened(req, owner)
      if (item === undefined) return false
      item.hooked = state
      return true
    },
  })
  const record = (req: IncomingMessage, rs: RequestSession<T>): void => {
    setOpened(req, {
      sessions: owner,
      property,
      trust,
      next: openedOn(req),
      session: rs.session as Session<object>,
      open: undefined,
      res: undefined,
      hooked: undefined,
    })
    if (!viaPrototype(req, property))
      (req as unknown as Record<string, unknown>)[property] = rs.session
  }
  // Whether `openWithoutCookie` opens this `sessions` synchronously (learnt on the first
  // cookie-less request): only then can an anonymous request wait until its session is used.
  let opensWithoutCookie = false
  const openLater = (req: IncomingMessage, res: ServerResponse): Session<object> => {
    const context = requestContext(req, trustProxy)
    // What the middleware saw: no cookie, so a new session.
    context.cookieHeader = undefined
    let fresh: RequestSession<T> | null = null
    fresh = openWithoutCookie(sessions, context, {
      onStart: () => responses.hookLater(res, fresh as unknown as RequestSession<object>),
      sealed: () => res.headersSent || res.destroyed,
    })
    if (fresh === null) throw new Error('sessionkit: could not open a session without a cookie')
    return fresh.session as Session<object>
  }
  return (req, res, next) => {
    if (findOpened(req, owner) !== undefined) {
      next()
      return
    }
    // A request without cookies, on Express: nothing is opened until `req.session` or
    // `sessionOf` is used, and `res` is hooked only if the session then starts.
    if (
      opensWithoutCookie &&
      req.headers.cookie === undefined &&
      responses.deferrable(res) &&
      viaPrototype(req, property)
    ) {
      setOpened(req, {
        sessions: owner,
        property,
        trust,
        next: openedOn(req),
        session: undefined,
        open: openLater,
        res,
        hooked: undefined,
      })
      next()
      return
    }
    const context = requestContext(req, trustProxy)
    // Without a cookie, `res` is hooked only if the session starts, where that is safe (see
    // `deferrable`): an untouched session sends and saves nothing either way.
    const later = responses.deferrable(res)
    let fresh: RequestSession<T> | null = null
    fresh = openWithoutCookie(
      sessions,
      context,
      later
        ? {
            onStart: () => responses.hookLater(res, fresh as unknown as RequestSession<object>),
            sealed: () => res.headersSent || res.destroyed,
          }
        : undefined,
    )
    if (fresh !== null) {
      opensWithoutCookie = true
      record(req, fresh)
      if (!later) responses.hook(res, fresh as unknown as RequestSession<object>)
      next()
      return
    }
    sessions.open(context).then(
      (rs) => {
        record(req, rs)
        responses.hook(res, rs as unknown as RequestSession<object>)
        next()
      },
      (error: unknown) => next(error),
    )
  }
}

/**
 * CSRF protection for unsafe methods (POST, PUT, PATCH, DELETE, also via method override):
 * rejects cross-site requests by `Sec-Fetch-Site`, else by an exact `Origin`/`Referer` match,
 * then requires a valid token (`session.csrfToken()`) in `x-csrf-token`/`x-xsrf-token` or the
 * `_csrf` field of an already-parsed body — never the query string. Failures reach `next` as a
 * `CsrfError` (403) with a `reason`. Mount it after `session()` (and after a body parser if forms
 * post the token). `spa: true` also keeps a readable `XSRF-TOKEN` cookie for Angular/axios.
 *
 * @example
 * ```ts
 * app.use(express.urlencoded({ extended: false }))
 * app.use(session(sessions))
 * app.use(csrf())
 * app.get('/form', (req, res) => res.send(`<input type="hidden" name="_csrf" value="${req.session.csrfToken()}">`))
 * ```
 * @throws {ConfigError} at creation, for bad options.
 */
export function csrf(opts: NodeCsrfOptions = {}): SessionMiddleware {
  return createCsrfMiddleware(
    {
      context: (req) => requestContext(req),
      trustProxy: (req) => openedOn(req)?.trust ?? false,
    },
    opts,
  )
}

export type { NodeCsrfOptions as CsrfMiddlewareOptions }

/**
 * The typed session that `sessions` opened for `req` (whatever `property` it was mounted under).
 *
 * @example
 * ```ts
 * const sessions = createSessions<{ cart: string[] }>()
 * app.post('/cart', (req, res) => {
 *   sessionOf(req, sessions).push('cart', req.body.sku)
 *   res.redirect(303, '/cart')
 * })
 * ```
 * @throws {Error} when the `session(sessions)` middleware did not run for this request.
 */
export function sessionOf<T extends object>(
  req: IncomingMessage,
  sessions: Sessions<T>,
): Session<T> {
  const item = findOpened(req, sessions as unknown as Sessions<object>)
  const found = item === undefined ? undefined : sessionIn(req, item)
  if (!found) {
    throw new Error(
      'sessionkit: no session for this request: mount session(sessions) with this sessions object before this handler',
    )
  }
  return found as unknown as Session<T>
}
