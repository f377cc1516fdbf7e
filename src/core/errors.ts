/**
 * Every error sessionkit throws extends {@link SessionError}: a stable `code` to branch on and
 * the HTTP `status` an adapter answers with. Messages never contain ids, tokens, keys or payloads.
 */

const BRAND = Symbol.for('sessionkit.SessionError')

/** Stable codes of sessionkit's errors. */
export type SessionErrorCode =
  | 'INVALID_SESSION_KEY'
  | 'INVALID_SESSION_VALUE'
  | 'INVALID_SESSION_ID'
  | 'INVALID_COOKIE_NAME'
  | 'HEADERS_SENT'
  | 'SESSION_TOO_LARGE'
  | 'SESSION_CONFLICT'
  | 'LOCK_TIMEOUT'
  | 'LOCK_LOST'
  | 'STORE_UNAVAILABLE'
  | 'DECRYPTION_FAILED'
  | 'CSRF'
  | 'CONFIG'
  | 'MISSING_DRIVER'
  | 'READ_ONLY'

/** The base class of every sessionkit error. */
export class SessionError extends Error {
  /** A stable machine-readable code. */
  readonly code: SessionErrorCode
  /** The HTTP status an adapter answers with when this error escapes a handler. */
  readonly status: number

  constructor(code: SessionErrorCode, status: number, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.status = status
    this.name = new.target.name
    Object.defineProperty(this, BRAND, { value: true })
  }

  /**
   * True for any sessionkit error, also one thrown by a second copy of the package
   * (a duplicate install), where `instanceof` would fail.
   */
  static is(error: unknown): error is SessionError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[BRAND] === true
    )
  }
}

/** A dot path or segment that is empty, malformed, too long, or names a forbidden key. */
export class InvalidSessionKey extends SessionError {
  constructor(message: string) {
    super('INVALID_SESSION_KEY', 500, message)
  }
}

/** A value JSON cannot carry faithfully (BigInt, function, symbol, circular, NaN, Map…). */
export class InvalidSessionValue extends SessionError {
  constructor(message: string) {
    super('INVALID_SESSION_VALUE', 500, message)
  }
}

/** A session id that fails validation (used by APIs that take ids from code, not the network). */
export class InvalidSessionId extends SessionError {
  constructor(message = 'invalid session id') {
    super('INVALID_SESSION_ID', 400, message)
  }
}

/** A cookie name, domain or path that could inject into a `Set-Cookie` header. */
export class InvalidCookieName extends SessionError {
  constructor(message: string) {
    super('INVALID_COOKIE_NAME', 500, message)
  }
}

/** A session was started or changed after the response headers were sent. */
export class HeadersSent extends SessionError {
  constructor(message = 'the session changed after the response headers were sent') {
    super('HEADERS_SENT', 500, message)
  }
}

/** The encoded session record exceeds `maxSize`. */
export class SessionTooLarge extends SessionError {
  /** Size of the encoded record in bytes. */
  readonly size: number
  /** The configured limit in bytes. */
  readonly limit: number
  constructor(size: number, limit: number) {
    super('SESSION_TOO_LARGE', 413, `session record is ${size} bytes, over the limit of ${limit}`)
    this.size = size
    this.limit = limit
  }
}

/** A commit could not be merged with concurrent writes within `mergeTimeout`. */
export class SessionConflict extends SessionError {
  constructor(message = 'session changed concurrently and could not be merged in time') {
    super('SESSION_CONFLICT', 409, message)
  }
}

/** The exclusive session lock could not be acquired within `lock.timeout`. */
export class LockTimeout extends SessionError {
  constructor(message = 'timed out waiting for the session lock') {
    super('LOCK_TIMEOUT', 503, message)
  }
}

/** The exclusive session lock expired or was taken over while the request held it. */
export class LockLost extends SessionError {
  constructor(message = 'the session lock was lost before commit') {
    super('LOCK_LOST', 503, message)
  }
}

/** The store failed or did not answer within `storeTimeout`. Never treated as "no session". */
export class StoreUnavailable extends SessionError {
  constructor(message = 'session store unavailable', options?: ErrorOptions) {
    super('STORE_UNAVAILABLE', 503, message, options)
  }
}

/** A sealed payload could not be opened with any key of the ring. */
export class DecryptionFailed extends SessionError {
  constructor(message = 'decryption failed') {
    super('DECRYPTION_FAILED', 400, message)
  }
}

/** Why a CSRF check rejected a request. */
export type CsrfFailureReason =
  | 'cross-site'
  | 'origin-mismatch'
  | 'no-origin'
  | 'missing-token'
  | 'invalid-token'
  | 'token-mismatch'
  | 'no-session'

/** A request failed CSRF protection (403). */
export class CsrfError extends SessionError {
  /** Which check failed. */
  readonly reason: CsrfFailureReason
  constructor(reason: CsrfFailureReason) {
    super('CSRF', 403, `CSRF check failed: ${reason}`)
    this.reason = reason
  }
}

/** One bad option: where it is and what is wrong with it. */
export interface ConfigIssue {
  /** Dotted option path, e.g. `cookie.sameSite`. */
  path: string
  /** What is wrong. */
  message: string
}

/** Options were invalid. Lists every bad option with its path. */
export class ConfigError extends SessionError {
  /** Every problem found. */
  readonly issues: readonly ConfigIssue[]
  constructor(issues: readonly ConfigIssue[] | string) {
    const list = typeof issues === 'string' ? [{ path: '', message: issues }] : issues
    super(
      'CONFIG',
      500,
      `invalid sessionkit options:\n${list.map((i) => `  - ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n')}`,
    )
    this.issues = list
  }
}

/** A store's driver package is not installed. */
export class MissingDriver extends SessionError {
  /** The npm package to install. */
  readonly packageName: string
  constructor(packageName: string, options?: ErrorOptions) {
    super(
      'MISSING_DRIVER',
      500,
      `this store needs the "${packageName}" package: npm install ${packageName}`,
      options,
    )
    this.packageName = packageName
  }
}

/** A write on a session obtained with `sessions.load()`, which is read-only. */
export class ReadOnlySession extends SessionError {
  constructor(message = 'sessions.load() returns a read-only session') {
    super('READ_ONLY', 500, message)
  }
}
