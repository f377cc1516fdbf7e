/**
 * The framework-neutral CSRF check behind every adapter's `csrf()` middleware.
 *
 * For an unsafe effective method it (1) rejects cross-site requests by `Sec-Fetch-Site`, else
 * (2) falls back to an exact `Origin`, then `Referer`, check against the allowed origins, then
 * (3) requires a valid masked token from a header or the `_csrf` field of an already-parsed
 * body — a string, never from the query string, header and body equal when both are present.
 */
import type { CsrfFailureReason } from './errors.js'
import { isSecureRequest, trustsPeer } from './proxy.js'
import type { RequestContext, TrustProxy } from './types.js'

/** Options of every adapter's `csrf()`. */
export interface CsrfOptions {
  /** Allowed origins (`scheme://host[:port]`). @default the request's own origin */
  origins?: readonly string[]
  /** Accept `Sec-Fetch-Site: same-site` (sibling subdomains). @default false */
  trustSameSite?: boolean
  /** Headers that may carry the token. @default ['x-csrf-token', 'x-xsrf-token'] */
  headerNames?: readonly string[]
  /** Body field that may carry the token. @default '_csrf' */
  fieldName?: string
  /** Also expose the token in a readable `XSRF-TOKEN` cookie (Angular/axios convention). @default false */
  spa?: boolean | { cookieName?: string }
  /** Accept an unsafe request with neither `Origin` nor `Referer` (token still required). @default false */
  allowMissingOrigin?: boolean
  /** Overrides the sessions' `trustProxy` for deriving the request's own origin. */
  trustProxy?: TrustProxy
}

/** Methods that change state; CSRF applies to these (on the effective method). */
export const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** The default SPA cookie name. */
export const XSRF_COOKIE = 'XSRF-TOKEN'

/** What the check needs to know about the request beyond its headers. */
export interface CsrfSubject {
  request: RequestContext
  /** An already-parsed body, if any (never read from the stream here). */
  body: unknown
  /** `verifyCsrf` of the request's session. */
  verify(token: string): boolean
}

/** True when the effective method (including method-override conventions) is unsafe (BI-77). */
export function isUnsafe(request: RequestContext, body: unknown): boolean {
  if (UNSAFE_METHODS.has(request.method.toUpperCase())) return true
  const override = request.header('x-http-method-override') ?? request.header('x-method-override')
  if (override && UNSAFE_METHODS.has(override.trim().toUpperCase())) return true
  const field = ownField(body, '_method')
  return typeof field === 'string' && UNSAFE_METHODS.has(field.trim().toUpperCase())
}

function ownField(body: unknown, name: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  return Object.hasOwn(body, name) ? (body as Record<string, unknown>)[name] : undefined
}

/** The origin tuple of a URL string, lower-cased, or null when it is not an http(s) URL. */
export function originOf(value: string): string | null {
  if (value.length > 2048) return null
  try {
    const url = new URL(value)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
    return url.origin.toLowerCase()
  } catch {
    return null
  }
}

/** The request's own origin (forwarded host and proto only when the peer is trusted, BI-75). */
export function ownOrigin(request: RequestContext, trust: TrustProxy): string | null {
  const forwardedHost = trustsPeer(trust, request) ? request.header('x-forwarded-host') : undefined
  const host = (forwardedHost ?? request.header('host'))?.split(',')[0]?.trim()
  if (!host) return null
  return originOf(`${isSecureRequest(trust, request) ? 'https' : 'http'}://${host}`)
}

function checkOrigin(
  request: RequestContext,
  options: CsrfOptions,
  trust: TrustProxy,
): CsrfFailureReason | null {
  const allowed = options.origins
    ? options.origins.map((origin) => originOf(origin))
    : [ownOrigin(request, trust)]
  const origin = request.header('origin')
  if (origin !== undefined) {
    // `null`, lists and anything that is not one http(s) origin never match (BI-73, 14.5.3).
    const parsed = /[\s,]/.test(origin.trim()) ? null : originOf(origin.trim())
    return parsed !== null && allowed.includes(parsed) ? null : 'origin-mismatch'
  }
  const referer = request.header('referer')
  if (referer !== undefined) {
    const parsed = originOf(referer)
    return parsed !== null && allowed.includes(parsed) ? null : 'origin-mismatch'
  }
  return options.allowMissingOrigin === true ? null : 'no-origin'
}

function checkToken(subject: CsrfSubject, options: CsrfOptions): CsrfFailureReason | null {
  const { request, body } = subject
  let fromHeader: string | undefined
  for (const name of options.headerNames ?? ['x-csrf-token', 'x-xsrf-token']) {
    const value = request.header(name.toLowerCase())
    if (value !== undefined) {
      fromHeader = value
      break
    }
  }
  const fromBody = ownField(body, options.fieldName ?? '_csrf')
  if (fromBody !== undefined && typeof fromBody !== 'string') return 'invalid-token'
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody)
    return 'token-mismatch'
  const token = fromHeader ?? fromBody
  if (token === undefined || token.trim() === '') return 'missing-token'
  return subject.verify(token) ? null : 'invalid-token'
}

/**
 * Why the request fails CSRF protection, or null when it passes (or is safe).
 * `trust` is the effective trustProxy setting.
 */
export function checkCsrf(
  subject: CsrfSubject,
  options: CsrfOptions,
  trust: TrustProxy,
): CsrfFailureReason | null {
  const { request, body } = subject
  if (!isUnsafe(request, body)) return null
  const site = request.header('sec-fetch-site')?.trim().toLowerCase()
  if (site === 'cross-site') return 'cross-site'
  if (site === 'same-site' && options.trustSameSite !== true) return 'cross-site'
  const trustedSite =
    site === 'same-origin' ||
    site === 'none' ||
    (site === 'same-site' && options.trustSameSite === true)
  if (!trustedSite) {
    const problem = checkOrigin(request, options, trust)
    if (problem) return problem
  }
  return checkToken(subject, options)
}
