/**
 * express-session's abstract `Store` (`session/store.js`): a plain constructor function whose
 * prototype inherits from EventEmitter, so both styles of subclass work unchanged —
 * `util.inherits(MyStore, Store)` with `Store.call(this)`, and `class MyStore extends Store`.
 */
import { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { inherits } from 'node:util'
import {
  createSessionFrom,
  type Session,
  type SessionRequest,
  type StoredSession,
} from './session.js'
import type { ErrorCallback, ResultCallback } from './types.js'

/** A session store: what `Store` subclasses implement, plus what `Store` gives them. */
export interface Store extends EventEmitter {
  /** Read the session stored under `sid` (null or undefined: none). Implemented by subclasses. */
  get(sid: string, callback: ResultCallback<object | null | undefined>): void
  /** Store `session` under `sid`. Implemented by subclasses. */
  set(sid: string, session: object, callback?: ErrorCallback): void
  /** Remove the session under `sid`. Implemented by subclasses. */
  destroy(sid: string, callback?: ErrorCallback): void
  /** Refresh the expiry of the session under `sid` (optional). */
  touch?(sid: string, session: object, callback?: ErrorCallback): void
  /** Every stored session (optional). */
  all?(callback: ResultCallback<object>): void
  /** The number of stored sessions (optional). */
  length?(callback: ResultCallback<number>): void
  /** Remove every session (optional). */
  clear?(callback?: ErrorCallback): void
  /** Set by the `session()` middleware using this store: give `req` a new session. */
  generate?: (req: IncomingMessage) => void
  /** Destroy the request's session and generate a new one. */
  regenerate(req: IncomingMessage, fn: ErrorCallback): void
  /** Load the session stored under `sid` as a {@link Session} (undefined: none). */
  load(sid: string, fn: ResultCallback<Session>): void
  /** Turn stored session JSON into `req.session`. */
  createSession(req: IncomingMessage, sess: StoredSession): Session
}

/** The `Store` constructor: callable with `Store.call(this)` and extendable with `class extends`. */
export interface StoreConstructor {
  new (): Store
  (this: Store): void
  readonly prototype: Store
}

function StoreImpl(this: EventEmitter): void {
  ;(EventEmitter as unknown as (this: EventEmitter) => void).call(this)
}

inherits(StoreImpl, EventEmitter)

const proto = StoreImpl.prototype as Store

proto.regenerate = function regenerate(this: Store, req: IncomingMessage, fn: ErrorCallback) {
  const sid = (req as { sessionID?: string }).sessionID as string
  this.destroy(sid, (error) => {
    if (typeof this.generate !== 'function') {
      fn(error ?? new Error('express-session: store.generate is missing (mount session() first)'))
      return
    }
    this.generate(req)
    fn(error)
  })
}

proto.load = function load(this: Store, sid: string, fn: ResultCallback<Session>) {
  this.get(sid, (error, sess) => {
    if (error) return fn(error)
    if (!sess) return fn()
    const req = { sessionID: sid, sessionStore: this }
    fn(null, this.createSession(req as unknown as IncomingMessage, sess as StoredSession))
  })
}

proto.createSession = function createSession(req: IncomingMessage, sess: StoredSession) {
  return createSessionFrom(req as unknown as SessionRequest, sess)
}

/**
 * The abstract session store of express-session, for custom stores (callback style).
 *
 * @example
 * ```js
 * const { Store } = require('sessionkit/express-session')
 * class MapStore extends Store {
 *   constructor() { super(); this.map = new Map() }
 *   get(sid, cb) { cb(null, this.map.has(sid) ? JSON.parse(this.map.get(sid)) : null) }
 *   set(sid, sess, cb) { this.map.set(sid, JSON.stringify(sess)); cb?.() }
 *   destroy(sid, cb) { this.map.delete(sid); cb?.() }
 * }
 * // or: function MapStore() { Store.call(this) }; util.inherits(MapStore, Store)
 * ```
 */
export const Store = StoreImpl as unknown as StoreConstructor
