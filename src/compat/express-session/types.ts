/** The shapes shared by the express-session drop-in's modules. */
import type { IncomingMessage } from 'node:http'

/**
 * The data an app keeps in its sessions. Augment it for typed `req.session` properties, as with
 * `@types/express-session`:
 *
 * @example
 * ```ts
 * declare module 'sessionkit/express-session' {
 *   interface SessionData { views: number }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: an augmentation point, empty until the app fills it
export interface SessionData {}

/** A node-style callback that only reports an error. */
export type ErrorCallback = (error?: unknown) => void

/** A node-style callback with a result. */
export type ResultCallback<T> = (error?: unknown, result?: T) => void

/**
 * The callback API the middleware uses on a store: express-session's `Store` contract, which
 * connect-redis, connect-mongo, connect-pg-simple and the drop-in's own stores implement.
 */
export interface StoreLike {
  /** Read the session stored under `sid` (null or undefined: none). */
  get(sid: string, callback: ResultCallback<object | null | undefined>): unknown
  /** Store `session` (serialised with JSON) under `sid`. */
  set(sid: string, session: object, callback?: ErrorCallback): unknown
  /** Remove the session under `sid`. */
  destroy(sid: string, callback?: ErrorCallback): unknown
  /** Refresh the expiry of the session under `sid` without rewriting its data. */
  touch?(sid: string, session: object, callback?: ErrorCallback): unknown
  /** Destroy `req.session` and give `req` a new one (`Store#regenerate`). */
  regenerate(req: IncomingMessage, callback: ErrorCallback): unknown
  /** Set by the middleware: give `req` a new session. */
  generate?: (req: IncomingMessage) => void
  /** EventEmitter's `on`: the middleware listens for `connect` and `disconnect`. */
  on?(event: string | symbol, listener: (...args: unknown[]) => void): unknown
}
