/**
 * `req.session` of express-session 1.19 (`session/session.js`): the session data as plain
 * enumerable properties, `id` and `req` as hidden read-only properties, and the callback methods
 * `touch`, `resetMaxAge`, `save`, `reload`, `destroy`, `regenerate` on the prototype (so they
 * never appear in the stored JSON).
 */
import type { IncomingMessage } from 'node:http'
import { Cookie } from './cookie.js'
import type { ErrorCallback, SessionData, StoreLike } from './types.js'
import { carryBase } from './versions.js'

/**
 * A request with the properties the session middleware sets. (`session` is omitted from the
 * base type first: another module, such as `sessionkit/express`, may declare it differently.)
 */
export type SessionRequest = Omit<IncomingMessage, 'session'> & {
  /** The session, once the middleware ran (deleted by `destroy()`). */
  session?: Session & Partial<SessionData>
  /** The session id (from the cookie, or generated). */
  sessionID?: string
  /** The store the middleware uses. */
  sessionStore?: StoreLike
}

/**
 * A session, as `req.session`. Data lives in its own enumerable properties; `cookie` is the
 * session's {@link Cookie}.
 *
 * @example
 * ```js
 * app.get('/', (req, res) => {
 *   req.session.views = (req.session.views ?? 0) + 1
 *   req.session.save((err) => (err ? next(err) : res.send(`views: ${req.session.views}`)))
 * })
 * ```
 */
export class Session {
  /** The session id (read-only, not enumerable). */
  declare readonly id: string
  /** The request this session belongs to (not enumerable). */
  declare readonly req: SessionRequest
  /** The session cookie. */
  declare cookie: Cookie

  constructor(req: SessionRequest | { sessionID?: string }, data?: object | null) {
    Object.defineProperty(this, 'req', { value: req })
    Object.defineProperty(this, 'id', { value: req.sessionID })
    if (typeof data === 'object' && data !== null) {
      // for…in without own-property filter, and `in` against the prototype, exactly as 1.19:
      // stored keys that shadow `id`, `req` or a method are dropped.
      for (const prop in data) {
        if (!(prop in this)) {
          ;(this as unknown as Record<string, unknown>)[prop] = (data as Record<string, unknown>)[
            prop
          ]
        }
      }
    }
  }

  /** Reset `cookie.maxAge` to `cookie.originalMaxAge` (keeps the cookie from expiring). */
  touch(): this {
    return this.resetMaxAge()
  }

  /** Reset `cookie.maxAge` to `cookie.originalMaxAge`. */
  resetMaxAge(): this {
    this.cookie.maxAge = this.cookie.originalMaxAge
    return this
  }

  /** Save the session to the store now (the middleware also saves it at the end if changed). */
  save(fn?: ErrorCallback): this {
    storeOf(this).set(this.id, this, fn ?? (() => {}))
    return this
  }

  /** Re-read the session from the store; `req.session` becomes a new Session object. */
  reload(fn: ErrorCallback): this {
    const req = this.req
    const store = storeOf(this)
    store.get(this.id, (error, sess) => {
      if (error) return fn(error)
      if (!sess) return fn(new Error('failed to load session'))
      createSessionFrom(req, sess as StoredSession)
      fn()
    })
    return this
  }

  /** Remove the session from the store and from `req` (`req.session` becomes undefined). */
  destroy(fn?: ErrorCallback): this {
    delete (this.req as { session?: unknown }).session
    storeOf(this).destroy(this.id, fn)
    return this
  }

  /** Replace the session with a new, empty one under a new id (old one destroyed). */
  regenerate(fn: ErrorCallback): this {
    storeOf(this).regenerate(this.req as unknown as IncomingMessage, fn)
    return this
  }
}

function storeOf(session: Session): StoreLike {
  const store = session.req.sessionStore
  if (!store) throw new TypeError('express-session: no sessionStore on this request')
  return store
}

/** A stored session: express-session's JSON, with `cookie` as `Cookie#toJSON` wrote it. */
export type StoredSession = Record<string, unknown> & { cookie?: unknown }

/**
 * Turn a stored session into `req.session` (express-session's `Store#createSession`): the cookie
 * becomes a {@link Cookie} with `expires` back as a Date and `originalMaxAge` kept intact.
 */
export function createSessionFrom(
  req: SessionRequest | { sessionID?: string },
  sess: StoredSession,
): Session {
  const stored = (sess.cookie ?? {}) as Record<string, unknown>
  const expires = stored['expires']
  const originalMaxAge = stored['originalMaxAge']
  const cookie = new Cookie(stored)
  if (typeof expires === 'string') cookie.expires = new Date(expires)
  cookie.originalMaxAge = originalMaxAge as number | null | undefined
  sess.cookie = cookie
  const session = new Session(req, sess)
  carryBase(sess, session)
  ;(req as { session?: Session }).session = session
  return session
}
