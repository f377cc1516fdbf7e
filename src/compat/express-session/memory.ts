/**
 * express-session's `MemoryStore` (`session/memory.js`), same API and behaviour: sessions kept as
 * JSON strings per instance, callbacks deferred with `setImmediate`, expired sessions dropped
 * when read. No timers. One addition: expired sessions are also swept, a few at a time, as new
 * ones are written, so sessions nobody comes back for do not pile up forever.
 */
import { inherits } from 'node:util'
import { Store } from './store.js'
import type { ErrorCallback, ResultCallback } from './types.js'

/** The in-memory store: for development and tests (single process, lost on restart). */
export interface MemoryStore extends Store {
  /** The stored sessions, as JSON strings by session id. */
  sessions: Record<string, string>
  /** Every live session, by id. */
  all(callback: ResultCallback<Record<string, object>>): void
  /** The number of live sessions. */
  length(callback: ResultCallback<number>): void
  /** Remove every session. */
  clear(callback?: ErrorCallback): void
  /** Replace the stored cookie of the session under `sid` (a no-op when there is none). */
  touch(sid: string, session: object, callback?: ErrorCallback): void
}

/** The `MemoryStore` constructor (callable with `MemoryStore.call(this)`, extendable). */
export interface MemoryStoreConstructor {
  new (): MemoryStore
  (this: MemoryStore): void
  readonly prototype: MemoryStore
}

// Writes since the last sweep, per store (kept off the instance, whose shape stays 1.19's).
const writes = new WeakMap<object, number>()
const SWEEP_EVERY = 100

function MemoryStoreImpl(this: MemoryStore): void {
  ;(Store as unknown as (this: MemoryStore) => void).call(this)
  this.sessions = Object.create(null) as Record<string, string>
}

inherits(MemoryStoreImpl, Store as unknown as new () => object)

const proto = MemoryStoreImpl.prototype as MemoryStore

proto.all = function all(this: MemoryStore, callback) {
  const sessions = Object.create(null) as Record<string, object>
  for (const sessionId of Object.keys(this.sessions)) {
    const session = getSession(this, sessionId)
    if (session) sessions[sessionId] = session
  }
  if (callback) setImmediate(callback, null, sessions)
}

proto.clear = function clear(this: MemoryStore, callback) {
  this.sessions = Object.create(null) as Record<string, string>
  if (callback) setImmediate(callback)
}

proto.destroy = function destroy(this: MemoryStore, sessionId: string, callback?: ErrorCallback) {
  delete this.sessions[sessionId]
  if (callback) setImmediate(callback)
}

proto.get = function get(this: MemoryStore, sessionId: string, callback) {
  setImmediate(callback, null, getSession(this, sessionId))
}

proto.set = function set(this: MemoryStore, sessionId: string, session: object, callback) {
  this.sessions[sessionId] = JSON.stringify(session)
  const count = (writes.get(this) ?? 0) + 1
  if (count >= SWEEP_EVERY) {
    writes.set(this, 0)
    for (const id of Object.keys(this.sessions)) getSession(this, id)
  } else {
    writes.set(this, count)
  }
  if (callback) setImmediate(callback)
}

proto.length = function length(this: MemoryStore, callback) {
  this.all((error, sessions) => {
    if (error) return callback(error)
    callback(null, Object.keys(sessions ?? {}).length)
  })
}

proto.touch = function touch(this: MemoryStore, sessionId: string, session: object, callback) {
  const current = getSession(this, sessionId)
  if (current) {
    current['cookie'] = (session as { cookie?: unknown }).cookie
    this.sessions[sessionId] = JSON.stringify(current)
  }
  if (callback) setImmediate(callback)
}

/** The live session under `sessionId`, parsed; an expired one is deleted. */
function getSession(store: MemoryStore, sessionId: string): Record<string, unknown> | undefined {
  const raw = store.sessions[sessionId]
  if (!raw) return undefined
  const sess = JSON.parse(raw) as Record<string, unknown>
  const cookie = sess['cookie'] as { expires?: unknown } | undefined
  if (cookie) {
    const expires =
      typeof cookie.expires === 'string' ? new Date(cookie.expires) : (cookie.expires as unknown)
    if (expires && Number(expires) <= Date.now()) {
      delete store.sessions[sessionId]
      return undefined
    }
  }
  return sess
}

/**
 * express-session's in-memory store (the default when no `store` is given). Not for production:
 * sessions live in one process and die with it.
 *
 * @example
 * ```js
 * const session = require('sessionkit/express-session')
 * const store = new session.MemoryStore()
 * app.use(session({ store, secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: false }))
 * ```
 */
export const MemoryStore = MemoryStoreImpl as unknown as MemoryStoreConstructor
