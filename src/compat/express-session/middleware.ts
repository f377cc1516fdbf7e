/**
 * `session(options)`: the express-session 1.19 middleware factory, with its options, its store
 * wiring (`store.generate`, the `connect`/`disconnect` readiness events) and its early exits
 * (a session already on the request, a disconnected store, a cookie path that does not match,
 * a missing secret), in express-session's order.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { randomBase64url } from '../../core/random.js'
import { Cookie } from './cookie.js'
import { MemoryStore } from './memory.js'
import { checkOptions, type SessionOptions, type Settings } from './options.js'
import { type FlowContext, type Next, RequestFlow } from './request-flow.js'
import { isSecure, originalPathname } from './request-info.js'
import { Session, type SessionRequest } from './session.js'
import { SessionkitStoreAdapter } from './sessionkit-store.js'
import type { Secret } from './signing.js'
import type { StoreLike } from './types.js'

/** The middleware `session()` returns (Express 4 and 5, Connect, node:http). */
export type SessionMiddleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void

const MEMORY_WARNING =
  'Warning: connect.session() MemoryStore is not\n' +
  'designed for a production environment, as it will leak\n' +
  'memory, and will not scale past a single process.'

/** express-session's default id: 24 CSPRNG bytes, base64url (uid-safe's `sync(24)`). */
function generateSessionId(): string {
  return randomBase64url(24)
}

/**
 * Session middleware with express-session 1.19's options, cookie format and `req.session` API,
 * so an app switches by changing its import. Sessions, cookies and stores written by
 * express-session keep working, and the other way round. Differences: the final write of a
 * response waits for the save (a redirect never outruns it), a failed save reaches the error
 * handler before anything is sent, and the opt-in `sessionkit` extras.
 *
 * @example
 * ```js
 * const session = require('sessionkit/express-session') // was: require('express-session')
 * app.use(session({
 *   secret: [process.env.SESSION_SECRET, process.env.OLD_SESSION_SECRET],
 *   resave: false,
 *   saveUninitialized: false,
 *   cookie: { maxAge: 86_400_000, sameSite: 'lax' },
 * }))
 * ```
 * @throws {TypeError} for the options express-session rejects (`genid`, `unset`, empty `secret`).
 * @throws {ConfigError} for bad `sessionkit` extras.
 */
export function session(options?: SessionOptions): SessionMiddleware {
  const settings = checkOptions(options, generateSessionId)
  const { extras } = settings
  const adapter = extras.store ? new SessionkitStoreAdapter(extras.store, extras) : null
  const store: StoreLike = adapter ?? settings.storeGiven ?? new MemoryStore()
  if (process.env['NODE_ENV'] === 'production' && store instanceof MemoryStore) {
    console.warn(MEMORY_WARNING)
  }
  const generate = (req: IncomingMessage): void =>
    generateSession(req as unknown as SessionRequest, settings)
  // As express-session: the store's Store#regenerate calls it (a store serves one middleware).
  store.generate = generate
  let storeReady = true
  if (typeof store.on === 'function') {
    store.on('disconnect', () => {
      storeReady = false
    })
    store.on('connect', () => {
      storeReady = true
    })
  }
  const ctx: FlowContext = { settings, store, adapter, generate }
  const { secrets, cookieOptions } = settings

  return function session(req: IncomingMessage, res: ServerResponse, next: Next): void {
    const request = req as unknown as SessionRequest & { secret?: Secret }
    if (request.session) {
      next()
      return
    }
    // A disconnected store: handle the request as one without a session, as express-session does.
    if (!storeReady) {
      next()
      return
    }
    const resolved = typeof cookieOptions === 'function' ? cookieOptions(req) : cookieOptions
    if (originalPathname(req).indexOf(resolved.path || '/') !== 0) {
      next()
      return
    }
    if (!secrets && !request.secret) {
      next(new Error('secret option required for sessions'))
      return
    }
    new RequestFlow(ctx, request, secrets ?? [request.secret as Secret], next).start(res)
  }
}

/** What express-session's `store.generate` does: a new id, a new Session, a new Cookie. */
function generateSession(req: SessionRequest, settings: Settings): void {
  const { cookieOptions, trustProxy, extras } = settings
  const raw = req as unknown as IncomingMessage
  req.sessionID = settings.genid(raw) as string
  const sess = new Session(req)
  req.session = sess
  sess.cookie = new Cookie(typeof cookieOptions === 'function' ? cookieOptions(raw) : cookieOptions)
  const secure = isSecure(req, trustProxy)
  // On the options object only, as in express-session: a cookie function's 'auto' is not resolved.
  const declared = cookieOptions as { secure?: unknown; sameSite?: unknown }
  if (declared.secure === 'auto') sess.cookie.secure = secure
  if (declared.sameSite === 'auto') sess.cookie.sameSite = secure ? 'none' : 'lax'
  if (extras.absoluteTimeoutMs !== null) sess.cookie.createdAt = extras.now()
}
