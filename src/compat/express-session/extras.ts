/**
 * Two opt-in extras of the express-session drop-in. `sessionkit.absoluteTimeout`: a session
 * stored with a creation time is rejected once it is older than the limit. The
 * `sessionkit.regenerateKeepsData` extra: `req.session.regenerate(cb)` issues a new id (the
 * old one is destroyed in the store, as in express-session) but keeps the session's data and
 * cookie settings, the fix for session fixation without losing a cart or a return URL at login.
 */
import type { IncomingMessage } from 'node:http'
import { Cookie } from './cookie.js'
import type { ExtrasSettings } from './options.js'
import type { FlowContext } from './request-flow.js'
import type { Session, SessionRequest, StoredSession } from './session.js'
import type { ErrorCallback } from './types.js'

/** Give `sess` a `regenerate` that keeps its data (hidden, like express-session's own wrappers). */
export function keepDataOnRegenerate(
  sess: Session,
  ctx: Pick<FlowContext, 'store' | 'generate'>,
  req: SessionRequest,
): void {
  Object.defineProperty(sess, 'regenerate', {
    configurable: true,
    enumerable: false,
    writable: true,
    value: function regenerate(this: Session, fn: ErrorCallback) {
      ctx.store.destroy(this.id, (error) => {
        ctx.generate(req as unknown as IncomingMessage)
        const fresh = req.session as Session
        const target = fresh as unknown as Record<string, unknown>
        const source = this as unknown as Record<string, unknown>
        for (const key of Object.keys(this)) {
          if (key !== 'cookie' && !(key in fresh)) target[key] = source[key]
        }
        fresh.cookie = copyCookie(this.cookie)
        keepDataOnRegenerate(fresh, ctx, req)
        fn(error)
      })
      return this
    },
  })
}

/** A copy of `cookie` with the same expiry, original max-age and (extra) creation time. */
function copyCookie(cookie: Cookie): Cookie {
  const json = cookie.toJSON()
  const copy = new Cookie(json)
  copy.originalMaxAge = json.originalMaxAge
  return copy
}

/**
 * Whether a stored session is past `sessionkit.absoluteTimeout` (by its `cookie.createdAt`, on
 * the extras' clock). A session without a creation time is not (the middleware stamps it).
 */
export function pastAbsoluteTimeout(sess: StoredSession, extras: ExtrasSettings): boolean {
  const limit = extras.absoluteTimeoutMs
  if (limit === null) return false
  const createdAt = (sess.cookie as { createdAt?: unknown } | undefined)?.createdAt
  return typeof createdAt === 'number' && extras.now() >= createdAt + limit
}
