/**
 * One request through the express-session drop-in: read the signed cookie, load or generate the
 * session, then at the end of the response decide — with express-session 1.19's own rules —
 * whether to set the cookie, save, touch or destroy. The rules, their order and the store calls
 * they make are express-session's; only the timing of the final write differs (see response.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { serialize } from 'cookie'
import { keepDataOnRegenerate, pastAbsoluteTimeout } from './extras.js'
import type { HeldLock } from './lock.js'
import type { Settings } from './options.js'
import { hashSession, isSecure } from './request-info.js'
import { hookResponse } from './response.js'
import { SessionRules } from './rules.js'
import {
  createSessionFrom,
  type Session,
  type SessionRequest,
  type StoredSession,
} from './session.js'
import type { SessionkitStoreAdapter } from './sessionkit-store.js'
import { readSessionId, type Secret, sign } from './signing.js'
import type { ErrorCallback, StoreLike } from './types.js'

/** A Connect-style `next`. */
export type Next = (error?: unknown) => void

/** What every request of one `session()` middleware shares. */
export interface FlowContext {
  /** The checked options. */
  settings: Settings
  /** The store in use (the app's, the default MemoryStore, or the sessionkit-store adapter). */
  store: StoreLike
  /** Present with the `sessionkit.store` extra. */
  adapter: SessionkitStoreAdapter | null
  /** Give `req` a brand-new session (what `store.generate` does). */
  generate(req: IncomingMessage): void
}

type Method = (this: Session, ...args: unknown[]) => unknown

/** Per-request state: express-session's closure variables, as fields. */
export class RequestFlow {
  readonly #ctx: FlowContext
  readonly #req: SessionRequest
  readonly #next: Next
  readonly #secrets: readonly Secret[]
  readonly #rules: SessionRules
  #touched = false
  #lock: HeldLock | null = null
  #pending = false
  #done = false
  /** A session was loaded or generated (not so when loading failed: nothing to commit). */
  #begun = false

  constructor(ctx: FlowContext, req: SessionRequest, secrets: readonly Secret[], next: Next) {
    this.#ctx = ctx
    this.#req = req
    this.#secrets = secrets
    this.#next = next
    this.#rules = new SessionRules(req, ctx.settings)
  }

  /** Run the request: hook the response, load or generate the session, then `next()`. */
  start(res: ServerResponse): void {
    const req = this.#req
    const { store, adapter, settings } = this.#ctx
    req.sessionStore = store
    const cookieId = readSessionId(req as unknown as IncomingMessage, settings.name, this.#secrets)
    this.#rules.cookieId = cookieId
    req.sessionID = cookieId as string
    hookResponse(res, {
      onHeaders: (response) => this.#onHeaders(response),
      onEnd: () => this.#onEnd(),
      onError: (error, sent) => {
        if (sent) res.destroy()
        setImmediate(this.#next, error)
      },
      onDone: () => {
        this.#done = true
        if (!this.#pending) void this.#lock?.release()
      },
    })
    if (!req.sessionID) {
      this.#generate()
      this.#next()
      return
    }
    if (adapter && settings.extras.concurrency === 'lock') {
      adapter.lock(req.sessionID).then((held) => {
        this.#lock = held
        if (this.#done) void held.release()
        else this.#load()
      }, this.#next)
      return
    }
    this.#load()
  }

  #load(): void {
    const req = this.#req
    const sid = req.sessionID as string
    const { store } = this.#ctx
    store.get(sid, (error, sess) => {
      if (error && (error as { code?: unknown }).code !== 'ENOENT') {
        this.#next(error)
        return
      }
      try {
        if (error || !sess) {
          this.#generate()
        } else if (pastAbsoluteTimeout(sess as StoredSession, this.#ctx.settings.extras)) {
          store.destroy(sid, () => {
            try {
              this.#generate()
            } catch (failure) {
              this.#next(failure)
              return
            }
            this.#next()
          })
          return
        } else {
          this.#inflate(sess as StoredSession)
        }
      } catch (failure) {
        this.#next(failure)
        return
      }
      this.#next()
    })
  }

  #generate(): void {
    this.#ctx.generate(this.#req as unknown as IncomingMessage)
    const sess = this.#req.session as Session
    this.#rules.begin(sess)
    this.#begun = true
    this.#wrap(sess)
  }

  #inflate(sess: StoredSession): void {
    const { settings } = this.#ctx
    const session = createSessionFrom(this.#req, sess)
    const hash = hashSession(sess)
    this.#rules.begin(sess, hash)
    this.#begun = true
    if (!settings.resave) this.#rules.savedHash = hash
    if (
      settings.extras.absoluteTimeoutMs !== null &&
      typeof session.cookie.createdAt !== 'number'
    ) {
      // Stored before the extra was on: its clock starts now, and that must be stored.
      session.cookie.createdAt = settings.extras.now()
      this.#rules.savedHash = undefined
    }
    this.#wrap(session)
  }

  #wrap(sess: Session): void {
    const reload = sess.reload as unknown as Method
    const save = sess.save as unknown as Method
    const flow = this
    define(sess, 'reload', function (this: Session, callback: ErrorCallback) {
      reload.call(this, flow.#rewrap(this, callback))
    })
    define(sess, 'save', function (this: Session, ...args: unknown[]) {
      flow.#rules.savedHash = hashSession(this)
      save.apply(this, args)
    })
    if (this.#ctx.settings.extras.regenerateKeepsData) {
      keepDataOnRegenerate(sess, this.#ctx, this.#req)
    }
  }

  #rewrap(sess: Session, callback: ErrorCallback): ErrorCallback {
    return (...args) => {
      const current = this.#req.session
      if (current && current !== sess) this.#wrap(current)
      callback(...args)
    }
  }

  #onHeaders(res: ServerResponse): void {
    const req = this.#req
    const sess = req.session
    if (!sess || !this.#rules.shouldSetCookie()) return
    const { name, trustProxy } = this.#ctx.settings
    if (sess.cookie.secure && !isSecure(req, trustProxy)) return
    if (!this.#touched) {
      sess.touch()
      this.#touched = true
    }
    try {
      const value = serialize(
        name,
        `s:${sign(req.sessionID as string, this.#secrets[0] as Secret)}`,
        sess.cookie.data as Parameters<typeof serialize>[2],
      )
      const previous = res.getHeader('Set-Cookie') ?? []
      const list = Array.isArray(previous) ? previous.concat(value) : [String(previous), value]
      res.setHeader('Set-Cookie', list)
    } catch (error) {
      setImmediate(this.#next, error)
    }
  }

  /** express-session's `end` proxy: the store work to finish before the response ends. */
  #onEnd(): Promise<void> | null {
    // The load failed (store error, lock timeout) and the error handler is answering: unlike
    // express-session, never destroy (unset: 'destroy') a session that was not even read.
    if (!this.#begun) return null
    const req = this.#req
    const { store } = this.#ctx
    const sid = req.sessionID as string
    if (this.#rules.shouldDestroy()) return this.#commit((cb) => store.destroy(sid, cb))
    const sess = req.session
    if (!sess) return null
    if (!this.#touched) {
      sess.touch()
      this.#touched = true
    }
    if (this.#rules.shouldSave()) return this.#commit((cb) => sess.save(cb))
    if (typeof store.touch === 'function' && this.#rules.shouldTouch()) {
      return this.#commit((cb) => store.touch?.(sid, sess, cb))
    }
    return null
  }

  #commit(run: (callback: ErrorCallback) => void): Promise<void> {
    this.#lock?.assertHeld()
    this.#pending = true
    return new Promise<void>((resolve, reject) => {
      run((error) => (error ? reject(error) : resolve()))
    }).finally(() => {
      this.#pending = false
      void this.#lock?.release()
    })
  }
}

function define(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, {
    configurable: true,
    enumerable: false,
    value,
    writable: true,
  })
}
