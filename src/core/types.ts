/**
 * Public types of the core: options, hooks, the request-scoped Session and Segment, and the
 * neutral boundary adapters talk to (RequestContext, RequestSession).
 */
import type { Codec } from './codec.js'
import type { Duration } from './duration.js'
import type { SessionError } from './errors.js'
import type {
  ArrayElement,
  ArrayPath,
  DotPath,
  KeyValue,
  NumericPath,
  PathValue,
  SessionData,
  SessionKey,
} from './paths-types.js'
import type { SchemaOptions } from './schema.js'
import type { Store } from './store.js'

export type { Duration } from './duration.js'

/** How concurrent requests on one session are reconciled. */
export type ConcurrencyMode = 'merge' | 'lock' | 'none'

/** Cookie attributes of the session cookie. */
export interface CookieOptions {
  /** Cookie name. A `__Host-` name requires `secure: true`, no `domain` and path `/`. @default 'sid' */
  name?: string
  /** @default '/' */
  path?: string
  /** Domain attribute; omitted by default (host-only cookie). */
  domain?: string
  /** @default true */
  httpOnly?: boolean
  /** @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none'
  /** `'auto'`: Secure on https requests (and trusted forwarded https), never over plain http. @default 'auto' */
  secure?: boolean | 'auto'
  /** CHIPS `Partitioned` attribute. @default false */
  partitioned?: boolean
}

/** `trustProxy`: whether forwarded headers may decide `secure` and the client ip. */
export type TrustProxy = boolean | number | ((ip: string) => boolean)

/** Why an id presented by a client was not adopted. */
export type InvalidIdReason =
  | 'malformed'
  | 'bad-signature'
  | 'unknown'
  | 'expired'
  | 'undecryptable'
  | 'schema'
  | 'fingerprint'

/** What hooks learn about the request; never the raw session id. */
export interface HookContext {
  /** The request, as the adapter described it. */
  request: RequestContext
  /** The session's handle (store key), when it has one. */
  handle: string | null
}

/** Lifecycle hooks. Each is error-isolated: a throwing hook never breaks a request. */
export interface SessionHooks {
  /** A new session was stored for the first time. */
  created?(ctx: HookContext): void
  /** A session got a new id; `previousHandle` is the retired one. */
  regenerated?(ctx: HookContext, previousHandle: string): void
  /** A session was destroyed. */
  destroyed?(ctx: HookContext): void
  /** A client presented an id that was not adopted. */
  invalidId?(ctx: HookContext, reason: InvalidIdReason): void
  /** A request used a retired id within its grace window. */
  zombieAccess?(ctx: HookContext): void
  /** The fingerprint of the client changed. */
  fingerprintChanged?(ctx: HookContext): void
  /** A held lock expired or was taken over. */
  lockLost?(ctx: HookContext): void
  /** A merge overwrote concurrent writes at these paths. */
  conflict?(ctx: HookContext, paths: readonly string[]): void
  /** A store call failed or timed out. */
  storeError?(ctx: HookContext, error: SessionError): void
}

/** What to record about the client on the record's metadata. */
export interface ClientInfoOptions {
  /** `'truncate'` keeps a /24 (IPv4) or /48 (IPv6) prefix. @default true */
  ip?: boolean | 'truncate'
  /** @default true */
  userAgent?: boolean
}

/** Options of `createSessions`. Checked once; a bad option is a `ConfigError`. */
export interface SessionsOptions {
  /** Where records live. @default createMemoryStore() */
  store?: Store
  /** Session cookie attributes. */
  cookie?: CookieOptions
  /** Idle timeout, enforced on the server from `lastSeenAt`. @default '30m' */
  idleTimeout?: Duration
  /** Absolute timeout from `createdAt`; survives regenerate. @default '12h' */
  absoluteTimeout?: Duration
  /** An unchanged session refreshes its expiry at most this often. @default '1m' */
  touchAfter?: Duration
  /** Never adopt an id the store does not know. @default true */
  strict?: boolean
  /** Concurrency mode. @default 'merge' */
  concurrency?: ConcurrencyMode
  /** Time budget for merge retries before `SessionConflict`. @default '5s' */
  mergeTimeout?: Duration
  /** Lock expiry (refreshed while held) and longest wait to acquire. @default { ttl: '30s', timeout: '10s' } */
  lock?: { ttl?: Duration; timeout?: Duration }
  /** Periodic id rotation (OWASP renewal timeout): regenerate every `every`, old id valid for `grace`. Off by default. */
  rotateEvery?: { every: Duration; grace?: Duration }
  /** Bound on every store call; past it `StoreUnavailable`. @default '2s' */
  storeTimeout?: Duration
  /**
   * Key ring (one key, or an array newest first) of base64url keys of ≥ 32 random bytes, as
   * `generateKey()` returns. Signs the cookie (`<id>.<signature>`, rotation by ring order) and
   * feeds every other purpose through HKDF. Without it the cookie is the bare 256-bit id.
   */
  secret?: string | readonly string[]
  /**
   * Encryption at rest (AES-256-GCM, the store key as associated data). `keys` default to keys
   * derived from `secret`. `acceptPlaintext` (default false; set it true while migrating) also reads records written before
   * encryption was turned on; they are sealed on their next write.
   */
  encryption?: { keys?: string | readonly string[]; acceptPlaintext?: boolean }
  /**
   * The client's profile for a request (e.g. user-agent family); recorded per session. A request
   * with a profile the session has not seen goes to `onFingerprintChange`. Off by default.
   */
  fingerprint?: (request: RequestContext) => string
  /** Decide about an unseen fingerprint: `'allow'`, `'reject'` (fresh session) or `'regenerate'`. @default () => 'reject' */
  onFingerprintChange?: (
    ctx: HookContext,
    seen: readonly string[],
    current: string,
  ) => 'allow' | 'reject' | 'regenerate'
  /**
   * Validate (and migrate) the root data on load with any Standard Schema validator; a payload
   * that fails gives a fresh session and `invalidId('schema')`. Off by default.
   */
  schema?: SchemaOptions
  /** Run `store.gc()` this often, for stores without native expiry. Off by default. */
  gcInterval?: Duration
  /** Payload codec. @default JSON */
  codec?: Codec
  /** Largest encoded record in bytes; beyond it `SessionTooLarge`. @default 65536 */
  maxSize?: number
  /** Whether forwarded headers may decide `secure` and ip. @default false */
  trustProxy?: TrustProxy
  /** What client information to record. @default { ip: true, userAgent: true } */
  recordClientInfo?: ClientInfoOptions
  /** Lifecycle hooks. */
  hooks?: SessionHooks
  /** Custom id generator; must yield ≥ 128 bits (≥ 22 base64url characters). @default 32 CSPRNG bytes, base64url */
  genId?: () => string
  /** Injected clock, for tests. @default Date.now */
  now?: () => number
}

/** The neutral description of a request that an adapter hands to the core. */
export interface RequestContext {
  /** The raw `Cookie` header, if any. */
  cookieHeader: string | undefined
  /** HTTP method, upper case. */
  method: string
  /** Request target (path and query). */
  url: string
  /** A request header by lower-case name (first value when repeated). */
  header(name: string): string | undefined
  /** Peer address of the connection. */
  remoteAddress: string | undefined
  /** The connection itself is TLS. */
  encrypted: boolean
  /** An adapter's own `trustProxy` option, overriding the sessions' setting for this request. */
  trustProxy?: TrustProxy
}

/** Options of `set`. */
export interface SetOptions {
  /** The value vanishes after this duration. */
  ttl?: Duration
}

/** Options of `flash`. */
export interface FlashOptions {
  /** Also readable in this request. @default false */
  now?: boolean
}

/** Options of `regenerate`. */
export interface RegenerateOptions {
  /** Keep answering the old id as the new session for this long (in-flight requests). @default 0 */
  grace?: Duration
}

/** The read/write and flash API shared by the session root and its segments. */
export interface DataAccess<T extends object> {
  /** The value at `key`, the fallback when missing, `null` only if `null` was stored. */
  get<K extends SessionKey<T>>(key: K): KeyValue<T, K> | undefined
  get<K extends SessionKey<T>>(
    key: K,
    fallback: NonNullable<KeyValue<T, K>>,
  ): NonNullable<KeyValue<T, K>>
  /** Store `value` at `key` (a copy; must be JSON-faithful). */
  set<K extends SessionKey<T>>(key: K, value: KeyValue<T, K>, options?: SetOptions): void
  /** Set several top-level keys at once. */
  put(record: Partial<T>): void
  /** Present and not null. */
  has(key: SessionKey<T>): boolean
  /** Present, even if null. */
  exists(key: SessionKey<T>): boolean
  /** Read and remove. */
  pull<K extends SessionKey<T>>(key: K): KeyValue<T, K> | undefined
  pull<K extends SessionKey<T>>(
    key: K,
    fallback: NonNullable<KeyValue<T, K>>,
  ): NonNullable<KeyValue<T, K>>
  /** Remove one key or several. */
  forget(key: SessionKey<T> | readonly SessionKey<T>[]): void
  /** Remove all data of this scope (flash is kept). */
  flush(): void
  /** A deep copy of all data of this scope. */
  all(): Partial<T>
  /** Append to the array at `key` (created when missing). */
  push<K extends ArrayPath<T>>(key: K, value: ArrayElement<T, K>): void
  /** Add `by` (default 1) to the number at `key` (0 when missing); returns the new value. */
  increment(key: NumericPath<T>, by?: number): number
  /** Subtract `by` (default 1) from the number at `key` (0 when missing); returns the new value. */
  decrement(key: NumericPath<T>, by?: number): number
  /** Flash a value for the next request (and this one with `{ now: true }`). */
  flash(key: string, value: unknown, options?: FlashOptions): void
  /** Flash a value for this request only. */
  flashNow(key: string, value: unknown): void
  /** A flash value available now. */
  getFlash<V = unknown>(key: string): V | undefined
  getFlash<V = unknown>(key: string, fallback: V): V
  /** A flash value the next request will see. */
  getFlashNext<V = unknown>(key: string): V | undefined
  getFlashNext<V = unknown>(key: string, fallback: V): V
  /** Keep current flash values for one more request (no keys: all). */
  keepFlash(...keys: string[]): void
  /** Drop current and next flash values. */
  clearFlash(): void
}

/** A namespace of the session with its own data and flash. */
export interface Segment<T extends object = SessionData> extends DataAccess<T> {
  /** The segment's name. */
  readonly name: string
}

/** Session metadata. */
export interface SessionMeta {
  /** Creation time (ms since epoch), or null before the session started. */
  createdAt: number | null
  lastSeenAt: number | null
  expiresAt: number | null
  authenticatedAt: number | null
  userId: string | null
  ip: string | null
  userAgent: string | null
}

/** The request-scoped session. Accessors are synchronous; lifecycle methods return Promises. */
export interface Session<T extends object = SessionData> extends DataAccess<T> {
  /** The session id, `null` until the session starts. Reading it never starts a session. */
  readonly id: string | null
  /** The store key of this session (safe to show, never a valid cookie); `null` until started. */
  readonly handle: string | null
  /** True until the session has been stored. */
  readonly isNew: boolean
  /** Metadata. */
  readonly meta: SessionMeta
  /** The URL recorded with `setPreviousUrl`. */
  readonly previousUrl: string | undefined
  /** Record the URL to return to. */
  setPreviousUrl(url: string): void
  /** A namespace with its own data and flash. */
  segment<S extends object = SessionData>(name: string): Segment<S>
  /** New id and CSRF secret, data kept; the old id retired at once or after `grace`. */
  regenerate(options?: RegenerateOptions): Promise<void>
  /** Regenerate, bind the user and record `authenticatedAt`. */
  login(userId: string): Promise<void>
  /** Destroy the session. */
  logout(): Promise<void>
  /** Flush everything and regenerate. */
  invalidate(): Promise<void>
  /** Remove the session and expire the cookie. */
  destroy(): Promise<void>
  /** Drop this request's changes and re-read from the store. */
  reload(): Promise<void>
  /** Commit now. */
  save(): Promise<void>
  /** Refresh the expiry at commit even inside `touchAfter`. */
  touch(): void
  /** Record the user on the session (for the user index). */
  bindUser(userId: string): void
  /** Persist the cookie for `duration` (capped by the absolute timeout), or back to a browser-session cookie. */
  remember(duration: Duration | false): void
  /** Drop this request's changes: nothing is written at commit. */
  discard(): void
  /** A fresh masked CSRF token (starts the session). */
  csrfToken(): string
  /** Whether `candidate` is a valid CSRF token for this session; never throws. */
  verifyCsrf(candidate: unknown): boolean
  /** A new CSRF secret without a new id. */
  regenerateCsrf(): void
  /**
   * Take the exclusive session lock from this point on and re-read the session (this request's
   * changes are re-applied on top). Re-entrant; released when the request commits.
   * @throws {LockTimeout} when the lock cannot be had within `lock.timeout`.
   */
  lock(): Promise<void>
}

/** What an adapter must add to the response. */
export interface ResponsePlan {
  /** `Set-Cookie` values to append (never replacing other middleware's cookies). */
  setCookies: string[]
  /** Add `Cache-Control: no-store` (a session cookie is being set). */
  noStore: boolean
  /** Add `Vary: Cookie` (the response depends on session state). */
  varyCookie: boolean
}

/** One request's session, as an adapter drives it. */
export interface RequestSession<T extends object = SessionData> {
  /** The session handed to the application. */
  readonly session: Session<T>
  /**
   * Seal the session and compute the response headers; call once, synchronously, just before
   * the headers are written. Throws `SessionTooLarge` before anything is sent. Changes after
   * this throw `HeadersSent`.
   */
  finalize(): ResponsePlan
  /** Persist what `finalize` sealed, then release any lock. Await it before the response completes. */
  commit(): Promise<void>
  /**
   * End the request without persisting anything (the handler failed, or the client went away
   * before a response was sent). Releases any lock. Idempotent; a no-op after `commit`.
   */
  abort(): Promise<void>
}

/** A user's session as listed by `listUserSessions`. */
export interface UserSessionSummary {
  handle: string
  createdAt: number | null
  lastSeenAt: number | null
  expiresAt: number
  ip: string | null
  userAgent: string | null
  /** This is the handle passed as `current`. */
  current: boolean
}

/** The object `createSessions` returns. */
export interface Sessions<T extends object = SessionData> {
  /** Load the session of a request (one store read when a well-formed cookie is present). */
  open(request: RequestContext): Promise<RequestSession<T>>
  /** A read-only session outside the request cycle (WebSocket upgrades, SSR, jobs). */
  load(cookieHeader: string | undefined): Promise<Session<T>>
  /** The user's live sessions. `ConfigError` on a store without a user index. */
  listUserSessions(userId: string, options?: { current?: string }): Promise<UserSessionSummary[]>
  /** Destroy the session with this handle. */
  revoke(handle: string): Promise<void>
  /** Destroy all of the user's sessions except `except`; resolves the number revoked. */
  revokeUserSessions(
    userId: string,
    options?: { except?: string | readonly string[] },
  ): Promise<number>
  /** Delete expired records (stores without native expiry). */
  gc(): Promise<number>
  /** Stop timers, wait for in-flight commits, then close the store. */
  close(): Promise<void>
  /** The store in use. */
  readonly store: Store
  /** The session cookie's name. */
  readonly cookieName: string
  /** The effective `trustProxy` setting (adapters and CSRF checks use it). */
  readonly trustProxy: TrustProxy
}

export type { DotPath, PathValue, SessionData, SessionKey }
