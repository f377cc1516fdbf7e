/**
 * `sessionkit/express-session`: a drop-in replacement for the express-session package (1.19).
 * `require('sessionkit/express-session')` and `import session from 'sessionkit/express-session'`
 * both give the `session` function, carrying `Store`, `MemoryStore`, `Cookie` and `Session` as
 * express-session's `module.exports` does; the same names are also named exports.
 */
import { Cookie } from './cookie.js'
import { MemoryStore } from './memory.js'
import { session as createMiddleware, type SessionMiddleware } from './middleware.js'
import type { SessionOptions } from './options.js'
import { Session } from './session.js'
import { Store } from './store.js'

/** `session()` with express-session's constructors attached, like its `module.exports`. */
export interface SessionFunction {
  (options?: SessionOptions): SessionMiddleware
  /** The abstract store to extend (`util.inherits` + `Store.call(this)`, or `class extends`). */
  Store: typeof Store
  /** The in-memory store. */
  MemoryStore: typeof MemoryStore
  /** The session cookie class. */
  Cookie: typeof Cookie
  /** The session class (`req.session`). */
  Session: typeof Session
}

/**
 * The express-session middleware factory; see {@link SessionOptions}.
 *
 * @example
 * ```js
 * const session = require('sessionkit/express-session')
 * app.use(session({ secret: 'keyboard cat', resave: false, saveUninitialized: false }))
 * ```
 */
const session: SessionFunction = Object.assign(
  (options?: SessionOptions): SessionMiddleware => createMiddleware(options),
  { Store, MemoryStore, Cookie, Session },
)
Object.defineProperty(session, 'name', { value: 'session' })

export default session
export { Cookie, type CookieData, type CookieOptions } from './cookie.js'
export { MemoryStore, type MemoryStoreConstructor } from './memory.js'
export type { SessionMiddleware } from './middleware.js'
export type { SessionkitExtras, SessionOptions, SessionStore } from './options.js'
export { Session, type SessionRequest, type StoredSession } from './session.js'
export type { Secret } from './signing.js'
export { Store, type StoreConstructor } from './store.js'
export type { ErrorCallback, ResultCallback, SessionData, StoreLike } from './types.js'
// Node's require(esm) returns this export as the module itself: `require()` gives the function.
export { session as 'module.exports', session }
