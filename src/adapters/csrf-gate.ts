/**
 * The framework-neutral half of the adapters' `csrf()`: options checked once, then for each
 * request a verdict (whether to vary, the error to answer with, the SPA cookie to set) that the
 * framework's hook or middleware applies. Same rules as the node:http `csrf()`.
 */
import { serialize } from 'cookie'
import { readCookieValues } from '../core/cookie.js'
import { type CsrfOptions, checkCsrf, isUnsafe, XSRF_COOKIE } from '../core/csrf-check.js'
import { ConfigError, type ConfigIssue, CsrfError, type SessionError } from '../core/errors.js'
import { isSecureRequest } from '../core/proxy.js'
import type { RequestContext, Session, TrustProxy } from '../core/types.js'

/** Options of an adapter's `csrf()`. */
export interface AdapterCsrfOptions extends CsrfOptions {
  /** Where the session middleware put the session. @default 'session' */
  property?: string
}

/** What one request needs, as the adapter sees it. */
export interface CsrfInput {
  request: RequestContext
  /** The already-parsed body, if any. */
  body: unknown
  /** What the session middleware put under `property` (undefined when it did not run). */
  session: unknown
  /** The effective trustProxy of the session middleware (the `trustProxy` option wins). */
  trust: TrustProxy
}

/** What the adapter must do for one request. */
export interface CsrfVerdict {
  /** The request is unsafe: the answer depends on `Origin` and `Sec-Fetch-Site` (add to Vary). */
  vary: boolean
  /** Reject the request with this error (a `CsrfError`, or a `ConfigError` when mounted wrong). */
  error: SessionError | null
  /** A readable SPA token cookie to append, when `spa` is on and the client lacks a valid one. */
  setCookie: string | null
}

/** A checked configuration that judges requests. */
export interface CsrfGate {
  readonly property: string
  judge(input: CsrfInput): CsrfVerdict
}

function checkOptions(options: AdapterCsrfOptions): void {
  const issues: ConfigIssue[] = []
  const strings = (value: unknown): boolean =>
    Array.isArray(value) && value.every((item) => typeof item === 'string')
  if (options.origins !== undefined && !strings(options.origins)) {
    issues.push({ path: 'origins', message: 'expected an array of origins' })
  }
  if (options.headerNames !== undefined && !strings(options.headerNames)) {
    issues.push({ path: 'headerNames', message: 'expected an array of header names' })
  }
  if (
    options.property !== undefined &&
    (typeof options.property !== 'string' || !options.property)
  ) {
    issues.push({ path: 'property', message: 'expected a non-empty property name' })
  }
  const cookieName = typeof options.spa === 'object' ? options.spa.cookieName : undefined
  if (cookieName !== undefined && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(cookieName)) {
    issues.push({ path: 'spa.cookieName', message: 'must be an RFC 6265 token' })
  }
  for (const header of options.headerNames ?? []) {
    // Reading the token from a cookie would be no protection at all (BI-68).
    if (header.toLowerCase() === 'cookie') {
      issues.push({
        path: 'headerNames',
        message: 'the token must not come from the Cookie header',
      })
    }
  }
  if (issues.length > 0) throw new ConfigError(issues)
}

/**
 * Check `options` and build the gate; `mountHint` completes the error raised when the session
 * middleware did not run (e.g. `'register sessionkitPlugin before csrf()'`).
 * @throws {ConfigError} for bad options.
 */
export function createCsrfGate(options: AdapterCsrfOptions, mountHint: string): CsrfGate {
  checkOptions(options)
  const property = options.property ?? 'session'
  const spaCookie = options.spa
    ? ((typeof options.spa === 'object' ? options.spa.cookieName : undefined) ?? XSRF_COOKIE)
    : null
  return {
    property,
    judge({ request, body, session: value, trust }) {
      const session = value as Session | undefined
      const vary = isUnsafe(request, body)
      if (!session || typeof session.verifyCsrf !== 'function') {
        const message = `${mountHint} (no session under '${property}')`
        return { vary, error: new ConfigError([{ path: 'csrf', message }]), setCookie: null }
      }
      const effectiveTrust = options.trustProxy ?? trust
      const reason = checkCsrf(
        { request, body, verify: (token) => session.verifyCsrf(token) },
        options,
        effectiveTrust,
      )
      if (reason !== null) return { vary, error: new CsrfError(reason), setCookie: null }
      let setCookie: string | null = null
      if (spaCookie !== null) {
        const presented = readCookieValues(request.cookieHeader, spaCookie)
        if (presented.length !== 1 || !session.verifyCsrf(presented[0])) {
          setCookie = serialize(spaCookie, session.csrfToken(), {
            path: '/',
            sameSite: 'lax',
            secure: isSecureRequest(effectiveTrust, request),
          })
        }
      }
      return { vary, error: null, setCookie }
    },
  }
}
