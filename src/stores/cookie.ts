/**
 * The cookie store: no server-side storage; the whole session travels in the browser, sealed
 * with AES-256-GCM, compressed, and split across `name`, `name.1` … when it outgrows one cookie.
 * The core does the sealing (src/core/client-side.ts); this module only carries the settings.
 */
import { ConfigError, type ConfigIssue } from '../core/errors.js'
import { importKeyRing } from '../core/keys.js'
import type { ClientSideSettings, SessionRecord, Store, StoreCapabilities } from '../core/store.js'

/** Options of {@link createCookieStore}. */
export interface CookieStoreOptions {
  /**
   * Sealing keys, newest first (the newest seals, every one opens; a cookie sealed under an
   * older key is re-sealed on its next response). A key is base64url of ≥ 32 random bytes, as
   * `generateKey()` returns. Default: derived from the `secret` of `createSessions` (HKDF,
   * purpose `cookie-store`).
   */
  keys?: string | readonly string[]
  /**
   * Most bytes of `name=value` across all of the session's cookies (each cookie stays under
   * 4,000). Beyond it, `finalize` throws `SessionTooLarge` (413) before headers are sent.
   * Mind your server's header limit (Node: 16 KiB for all headers). @default 8192
   */
  maxCookieBytes?: number
  /**
   * A server-side store for revocations: `destroy()`, `regenerate()` (for the retired id),
   * `sessions.revoke(handle)` and `sessions.revokeUserSessions(userId)` then refuse copies of
   * the cookie. Costs one read per request with a session cookie (two when a user is bound).
   * Without it a copied cookie stays valid until it expires.
   */
  revocation?: { store: Store }
}

const MIN_COOKIE_BYTES = 1024
const MAX_COOKIE_BYTES = 65_536

const CAPABILITIES: StoreCapabilities = Object.freeze({
  // Across requests the browser keeps the last response's cookie: last write wins.
  compareAndSet: false,
  nativeExpiry: true,
  lock: false,
  userIndex: false,
  scan: false,
  clientSide: true,
})

function outsideRequest(): Promise<never> {
  return Promise.reject(
    new ConfigError([
      {
        path: 'store',
        message:
          'the cookie store keeps sessions in the browser; it is used through createSessions(), not called directly',
      },
    ]),
  )
}

class CookieStore implements Store {
  readonly capabilities = CAPABILITIES
  readonly clientSide: ClientSideSettings

  constructor(settings: ClientSideSettings) {
    this.clientSide = settings
  }

  get(_key: string): Promise<SessionRecord | null> {
    return outsideRequest()
  }

  set(_key: string, _record: SessionRecord): Promise<boolean> {
    return outsideRequest()
  }

  touch(_key: string, _expiresAt: number, _lastSeenAt: number): Promise<void> {
    return outsideRequest()
  }

  destroy(_key: string): Promise<void> {
    return outsideRequest()
  }

  /** Closes the revocation store, if any. */
  async close(): Promise<void> {
    await this.clientSide.revocation?.close?.()
  }
}

function checkOptions(options: CookieStoreOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const { keys, maxCookieBytes, revocation } = options
  // The core imports the ring again at createSessions; this only reports bad keys early.
  if (keys !== undefined) importKeyRing(keys, 'keys', issues)
  if (
    maxCookieBytes !== undefined &&
    (!Number.isSafeInteger(maxCookieBytes) ||
      maxCookieBytes < MIN_COOKIE_BYTES ||
      maxCookieBytes > MAX_COOKIE_BYTES)
  ) {
    issues.push({
      path: 'maxCookieBytes',
      message: `must be an integer from ${MIN_COOKIE_BYTES} to ${MAX_COOKIE_BYTES}`,
    })
  }
  if (revocation !== undefined) {
    const store = (revocation as { store?: Partial<Store> } | null)?.store
    if (typeof store?.get !== 'function' || typeof store.set !== 'function') {
      issues.push({ path: 'revocation.store', message: 'must be a sessionkit Store' })
    } else if (store.capabilities?.clientSide === true) {
      issues.push({ path: 'revocation.store', message: 'must be a server-side store' })
    }
  }
  return issues
}

/**
 * A store that keeps each session in the browser's cookies instead of on the server. Sessions
 * survive restarts and need no database; the price is size (a few KiB), last-write-wins between
 * parallel requests, and revocation only through a `revocation` store.
 *
 * @example
 * ```ts
 * import { createSessions } from 'sessionkit'
 * import { createCookieStore } from 'sessionkit/stores/cookie'
 * import { createRedisStore } from 'sessionkit/stores/redis'
 *
 * const sessions = createSessions({
 *   secret: process.env.SESSION_SECRET,
 *   store: createCookieStore({ revocation: { store: createRedisStore(redis) } }),
 * })
 * ```
 * @throws {ConfigError} for a bad key, size or revocation store.
 */
export function createCookieStore(options: CookieStoreOptions = {}): Store {
  const issues = checkOptions(options)
  if (issues.length > 0) throw new ConfigError(issues)
  return new CookieStore({
    keys: options.keys,
    maxCookieBytes: options.maxCookieBytes ?? 8192,
    revocation: options.revocation?.store,
  })
}
