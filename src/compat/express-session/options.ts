/**
 * The options of `session()`, checked once as express-session checks them (same TypeErrors, same
 * defaults, same deprecation notices), plus the opt-in `sessionkit` extras (ConfigError).
 */
import type { IncomingMessage } from 'node:http'
import { type Duration, durationMs } from '../../core/duration.js'
import { ConfigError, type ConfigIssue } from '../../core/errors.js'
import type { Store as SessionkitStore } from '../../core/store.js'
import type { CookieOptions } from './cookie.js'
import { deprecateOnce } from './deprecate.js'
import type { Secret } from './signing.js'
import type { StoreLike } from './types.js'

/** What the app may pass as the session store. */
export type SessionStore = StoreLike

/**
 * The sessionkit extras, all off unless set: with none of them the middleware behaves exactly
 * like express-session 1.19.
 */
export interface SessionkitExtras {
  /**
   * Reject a session this long after it was created, whatever its activity (ASVS 3.3.x). The
   * creation time is kept in the stored cookie data (`cookie.createdAt`).
   * @default off
   */
  absoluteTimeout?: Duration
  /**
   * `req.session.regenerate(cb)` keeps the session's data (and cookie settings) under the new id
   * instead of starting an empty session: the login pattern without copying fields by hand.
   * @default false
   */
  regenerateKeepsData?: boolean
  /**
   * A sessionkit store (`sessionkit/stores/*`) to keep sessions in instead of `store`, enabling
   * `concurrency`. Sessions are stored as express-session's JSON under base64url(SHA-256(sid)).
   */
  store?: SessionkitStore
  /**
   * With `store`: `'merge'` (compare-and-set; concurrent writes to different keys all survive),
   * `'lock'` (one request per session at a time, from load to save) or `'none'` (last write wins).
   * @default 'merge' when the store has compare-and-set, else 'none'
   */
  concurrency?: 'merge' | 'lock' | 'none'
  /** Lock expiry (refreshed while held) and longest wait, for `concurrency: 'lock'`. @default { ttl: '30s', timeout: '10s' } */
  lock?: { ttl?: Duration; timeout?: Duration }
  /** Time budget for merge retries before `SessionConflict` (409). @default '5s' */
  mergeTimeout?: Duration
  /** Expiry of a stored session whose cookie has none (a browser-session cookie). @default '1d' */
  ttl?: Duration
  /** The clock of the extras (absolute timeout, record times), for tests. @default Date.now */
  now?: () => number
}

/** Options of `session()`: express-session 1.19's, plus `sessionkit`. */
export interface SessionOptions {
  /** Name of the session cookie. @default 'connect.sid' */
  name?: string
  /** Deprecated alias of `name`. */
  key?: string
  /** Signing secret, or an array: the first signs, all verify (rotation). */
  secret?: Secret | Secret[]
  /** Save unmodified sessions back to the store. @default true (deprecated default) */
  resave?: boolean
  /** Store new sessions even when nothing was set on them. @default true (deprecated default) */
  saveUninitialized?: boolean
  /** Send the cookie (with a fresh expiry) on every response. @default false */
  rolling?: boolean
  /** The session store. @default a new MemoryStore */
  store?: SessionStore
  /** Session id generator. @default 24 CSPRNG bytes, base64url */
  genid?: (req: IncomingMessage) => string
  /** Trust `X-Forwarded-Proto` for secure cookies (unset: Express's `req.secure`). */
  proxy?: boolean
  /** What to do when `req.session` is unset or deleted. @default 'keep' */
  unset?: 'destroy' | 'keep'
  /** Cookie attributes, or a function of the request returning them. */
  cookie?: CookieOptions | ((req: IncomingMessage) => CookieOptions)
  /** Opt-in sessionkit behaviour; see {@link SessionkitExtras}. */
  sessionkit?: SessionkitExtras
}

/** The extras after checking, in milliseconds. */
export interface ExtrasSettings {
  absoluteTimeoutMs: number | null
  regenerateKeepsData: boolean
  store: SessionkitStore | null
  concurrency: 'merge' | 'lock' | 'none'
  lockTtlMs: number
  lockTimeoutMs: number
  mergeTimeoutMs: number
  ttlMs: number
  now: () => number
}

/** The checked options. */
export interface Settings {
  name: string
  cookieOptions: CookieOptions | ((req: IncomingMessage) => CookieOptions)
  genid: (req: IncomingMessage) => unknown
  storeGiven: SessionStore | undefined
  trustProxy: boolean | undefined
  resave: boolean
  rolling: boolean
  saveUninitialized: boolean
  secrets: Secret[] | undefined
  unsetDestroy: boolean
  extras: ExtrasSettings
}

/**
 * @throws {TypeError} as express-session throws it (bad `genid`, `unset` or empty secret array).
 * @throws {ConfigError} listing every bad `sessionkit` extra.
 */
export function checkOptions(
  options: SessionOptions | undefined,
  defaultGenid: () => string,
): Settings {
  const opts = options ?? {}
  const genid = opts.genid ?? defaultGenid
  if (typeof genid !== 'function') throw new TypeError('genid option must be a function')
  let resave = opts.resave
  if (resave === undefined) {
    deprecateOnce('undefined resave option; provide resave option')
    resave = true
  }
  let saveUninitialized = opts.saveUninitialized
  if (saveUninitialized === undefined) {
    deprecateOnce('undefined saveUninitialized option; provide saveUninitialized option')
    saveUninitialized = true
  }
  if (opts.unset && opts.unset !== 'destroy' && opts.unset !== 'keep') {
    throw new TypeError('unset option must be "destroy" or "keep"')
  }
  const secret = opts.secret
  if (Array.isArray(secret) && secret.length === 0) {
    throw new TypeError('secret option array must contain one or more strings')
  }
  const secrets = secret ? (Array.isArray(secret) ? secret : [secret]) : undefined
  if (!secrets) deprecateOnce('req.secret; provide secret option')
  const extras = checkExtras(opts.sessionkit, opts.store)
  return {
    name: opts.name || opts.key || 'connect.sid',
    cookieOptions: opts.cookie || {},
    genid,
    storeGiven: opts.store,
    trustProxy: opts.proxy,
    resave: Boolean(resave),
    rolling: Boolean(opts.rolling),
    saveUninitialized: Boolean(saveUninitialized),
    secrets,
    unsetDestroy: opts.unset === 'destroy',
    extras,
  }
}

function checkExtras(extras: SessionkitExtras | undefined, store: unknown): ExtrasSettings {
  const issues: ConfigIssue[] = []
  const x = extras ?? {}
  if (typeof x !== 'object' || x === null) {
    throw new ConfigError([{ path: 'sessionkit', message: 'expected an object' }])
  }
  const ms = (value: unknown, path: string, fallback: number): number => {
    if (value === undefined) return fallback
    try {
      return durationMs(value, path)
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      issues.push(...error.issues)
      return fallback
    }
  }
  const absolute =
    x.absoluteTimeout === undefined ? null : ms(x.absoluteTimeout, 'sessionkit.absoluteTimeout', -1)
  if (absolute === 0)
    issues.push({ path: 'sessionkit.absoluteTimeout', message: 'must be positive' })
  const sk = x.store ?? null
  if (sk !== null && (typeof sk !== 'object' || typeof sk.get !== 'function' || !sk.capabilities)) {
    issues.push({
      path: 'sessionkit.store',
      message: 'expected a sessionkit Store (sessionkit/stores/*)',
    })
  } else if (sk?.capabilities.clientSide) {
    issues.push({
      path: 'sessionkit.store',
      message: 'a client-side (cookie) store cannot be used',
    })
  }
  if (sk !== null && store !== undefined) {
    issues.push({ path: 'store', message: 'give either store or sessionkit.store, not both' })
  }
  const caps = sk?.capabilities
  const concurrency = x.concurrency ?? (caps?.compareAndSet ? 'merge' : 'none')
  if (!['merge', 'lock', 'none'].includes(concurrency)) {
    issues.push({ path: 'sessionkit.concurrency', message: "expected 'merge', 'lock' or 'none'" })
  } else if (x.concurrency !== undefined && sk === null) {
    issues.push({ path: 'sessionkit.concurrency', message: 'needs sessionkit.store' })
  } else if (concurrency === 'merge' && caps && !caps.compareAndSet) {
    issues.push({
      path: 'sessionkit.concurrency',
      message: 'merge needs a store with compare-and-set',
    })
  } else if (concurrency === 'lock' && caps && !(caps.lock && typeof sk?.lock === 'function')) {
    issues.push({ path: 'sessionkit.concurrency', message: 'lock needs a store with locks' })
  }
  if (x.regenerateKeepsData !== undefined && typeof x.regenerateKeepsData !== 'boolean') {
    issues.push({ path: 'sessionkit.regenerateKeepsData', message: 'expected a boolean' })
  }
  const now = x.now ?? Date.now
  if (typeof now !== 'function')
    issues.push({ path: 'sessionkit.now', message: 'expected a function' })
  const lockTtlMs = ms(x.lock?.ttl, 'sessionkit.lock.ttl', 30_000)
  const lockTimeoutMs = ms(x.lock?.timeout, 'sessionkit.lock.timeout', 10_000)
  const mergeTimeoutMs = ms(x.mergeTimeout, 'sessionkit.mergeTimeout', 5_000)
  const ttlMs = ms(x.ttl, 'sessionkit.ttl', 86_400_000)
  if (lockTtlMs === 0) issues.push({ path: 'sessionkit.lock.ttl', message: 'must be positive' })
  if (ttlMs === 0) issues.push({ path: 'sessionkit.ttl', message: 'must be positive' })
  if (issues.length > 0) throw new ConfigError(issues)
  return {
    absoluteTimeoutMs: absolute,
    regenerateKeepsData: x.regenerateKeepsData === true,
    store: sk,
    concurrency,
    lockTtlMs,
    lockTimeoutMs,
    mergeTimeoutMs,
    ttlMs,
    now,
  }
}
