/**
 * express-session 1.19's decisions at the end of a request, verbatim: whether the session was
 * modified or already saved (by hash), and whether to destroy, save, touch, or set the cookie.
 * `resave`, `saveUninitialized`, `rolling` and `unset` mean exactly what they mean there.
 */
import { hashSession } from './request-info.js'
import type { Session, SessionRequest } from './session.js'

/** The express-session options the rules read. */
export interface RuleOptions {
  saveUninitialized: boolean
  rolling: boolean
  unsetDestroy: boolean
}

/** What a request started with, and what it saved: express-session's closure variables. */
export class SessionRules {
  /** The id the request's cookie carried (undefined: none, or a bad signature). */
  cookieId: string | undefined
  /** The id of the session as loaded or generated. */
  originalId: string | undefined
  /** The hash of the session as loaded or generated. */
  originalHash: string | undefined
  /** The hash of the session when last saved (loaded counts as saved unless `resave`). */
  savedHash: string | undefined
  readonly #req: SessionRequest
  readonly #options: RuleOptions

  constructor(req: SessionRequest, options: RuleOptions) {
    this.#req = req
    this.#options = options
  }

  /** Record `sess` as the request's starting point. */
  begin(sess: object, hash = hashSession(sess)): void {
    this.originalId = this.#req.sessionID
    this.originalHash = hash
  }

  /** The id changed, or the data (not the cookie) differs from what the request started with. */
  isModified(sess: Session): boolean {
    return this.originalId !== sess.id || this.originalHash !== hashSession(sess)
  }

  /** The session is stored as it is now (same id, same data as at the last save or load). */
  isSaved(sess: Session): boolean {
    return this.originalId === sess.id && this.savedHash === hashSession(sess)
  }

  /** `unset: 'destroy'` and the app removed `req.session`. */
  shouldDestroy(): boolean {
    const req = this.#req
    return Boolean(req.sessionID) && this.#options.unsetDestroy && req.session == null
  }

  /** Write the session at the end of the response. */
  shouldSave(): boolean {
    const req = this.#req
    if (typeof req.sessionID !== 'string') return false
    return !this.#options.saveUninitialized && !this.savedHash && this.cookieId !== req.sessionID
      ? this.isModified(req.session as Session)
      : !this.isSaved(req.session as Session)
  }

  /** Refresh the stored session's expiry only (store `touch`). */
  shouldTouch(): boolean {
    const req = this.#req
    if (typeof req.sessionID !== 'string') return false
    return this.cookieId === req.sessionID && !this.shouldSave()
  }

  /** Send the session cookie with this response. */
  shouldSetCookie(): boolean {
    const req = this.#req
    if (typeof req.sessionID !== 'string') return false
    const sess = req.session as Session
    return this.cookieId !== req.sessionID
      ? this.#options.saveUninitialized || this.isModified(sess)
      : this.#options.rolling || (sess.cookie.expires != null && this.isModified(sess))
  }
}
