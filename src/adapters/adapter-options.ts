/**
 * The options every session adapter takes (`property`, `trustProxy`), checked once when the
 * middleware or plugin is created.
 */
import { ConfigError, type ConfigIssue } from '../core/errors.js'
import type { Sessions, TrustProxy } from '../core/types.js'

/** Options shared by the session middleware of every adapter. */
export interface AdapterOptions {
  /**
   * Where the session is put (request property, context property…); give a second session
   * system another one.
   * @default 'session'
   */
  property?: string
  /**
   * Overrides the `trustProxy` option of `createSessions` for requests through this adapter:
   * whether `X-Forwarded-Proto` may make the request count as https (for `secure: 'auto'`) and
   * `X-Forwarded-For` decide the client ip recorded on the session. The framework's own proxy
   * setting is not read.
   * @default the `trustProxy` of createSessions
   */
  trustProxy?: TrustProxy
}

/** The checked options. */
export interface CheckedAdapterOptions {
  property: string
  trustProxy: TrustProxy | undefined
}

const FORBIDDEN_PROPERTIES = new Set(['__proto__', 'prototype', 'constructor'])

/**
 * Check `sessions` and the shared options, listing every problem at once.
 * @throws {ConfigError} for a missing sessions object, a bad `property` or `trustProxy`.
 */
export function checkAdapterOptions(
  sessions: unknown,
  opts: AdapterOptions,
  sessionsPath = 'sessions',
): CheckedAdapterOptions {
  const issues: ConfigIssue[] = []
  if (typeof (sessions as Sessions | null | undefined)?.open !== 'function') {
    issues.push({ path: sessionsPath, message: 'expected the object createSessions() returns' })
  }
  const property = opts.property ?? 'session'
  if (typeof property !== 'string' || property === '' || FORBIDDEN_PROPERTIES.has(property)) {
    issues.push({ path: 'property', message: 'expected a non-empty property name' })
  }
  const { trustProxy } = opts
  if (
    trustProxy !== undefined &&
    typeof trustProxy !== 'boolean' &&
    typeof trustProxy !== 'function' &&
    !(Number.isSafeInteger(trustProxy) && trustProxy >= 0)
  ) {
    issues.push({
      path: 'trustProxy',
      message: 'expected a boolean, a number of hops or a function (ip) => boolean',
    })
  }
  if (issues.length > 0) throw new ConfigError(issues)
  return { property, trustProxy }
}
