/**
 * `csrf()` for node:http, Express and Connect: the core's CSRF check over a node request, the
 * SPA cookie, and the `Vary` headers the decision depends on.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { serialize } from 'cookie'
import { readCookieValues } from '../core/cookie.js'
import { type CsrfOptions, checkCsrf, isUnsafe, XSRF_COOKIE } from '../core/csrf-check.js'
import { ConfigError, type ConfigIssue, CsrfError } from '../core/errors.js'
import { isSecureRequest } from '../core/proxy.js'
import type { RequestContext, Session, TrustProxy } from '../core/types.js'

/** Options of the node `csrf()` middleware. */
export interface NodeCsrfOptions extends CsrfOptions {
  /** Where `session()` put the session. @default 'session' */
  property?: string
}

/** How the middleware learns about the request from the session middleware. */
export interface CsrfRequestView {
  context(req: IncomingMessage): RequestContext
  trustProxy(req: IncomingMessage): TrustProxy
}

function checkOptions(options: NodeCsrfOptions): void {
  const issues: ConfigIssue[] = []
  const strings = (value: unknown): boolean =>
    Array.isArray(value) && value.every((item) => typeof item === 'string')
  if (options.origins !== undefined && !strings(options.origins)) {
    issues.push({ path: 'origins', message: 'expected an array of origins' })
  }
  if (options.headerNames !== undefined && !strings(options.headerNames)) {
    issues.push({ path: 'headerNames', message: 'expected an array of header names' })
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

function appendVary(res: ServerResponse, names: readonly string[]): void {
  const current = String(res.getHeader('vary') ?? '')
  const have = new Set(
    current
      .split(',')
      .map((part) => part.trim().toLowerCase())
      .filter(Boolean),
  )
  const missing = names.filter((name) => !have.has(name.toLowerCase()))
  if (missing.length > 0) res.setHeader('Vary', [current, ...missing].filter(Boolean).join(', '))
}

function appendSetCookie(res: ServerResponse, cookie: string): void {
  const current = res.getHeader('set-cookie')
  const list =
    current === undefined ? [] : Array.isArray(current) ? current.map(String) : [String(current)]
  res.setHeader('Set-Cookie', [...list, cookie])
}

/** Build the middleware over a view of what `session()` recorded for the request. */
export function createCsrfMiddleware(
  view: CsrfRequestView,
  options: NodeCsrfOptions = {},
): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  checkOptions(options)
  const property = options.property ?? 'session'
  const spaCookie = options.spa
    ? ((typeof options.spa === 'object' ? options.spa.cookieName : undefined) ?? XSRF_COOKIE)
    : null
  return (req, res, next) => {
    const session = (req as unknown as Record<string, unknown>)[property] as Session | undefined
    if (!session || typeof session.verifyCsrf !== 'function') {
      next(
        new ConfigError([
          { path: 'csrf', message: `mount session() before csrf() (no req.${property})` },
        ]),
      )
      return
    }
    const request = view.context(req)
    const trust = options.trustProxy ?? view.trustProxy(req)
    const body = (req as { body?: unknown }).body
    if (isUnsafe(request, body)) appendVary(res, ['Origin', 'Sec-Fetch-Site'])
    const reason = checkCsrf(
      { request, body, verify: (token) => session.verifyCsrf(token) },
      options,
      trust,
    )
    if (reason !== null) {
      next(new CsrfError(reason))
      return
    }
    if (spaCookie !== null) {
      const presented = readCookieValues(request.cookieHeader, spaCookie)
      if (presented.length !== 1 || !session.verifyCsrf(presented[0])) {
        appendSetCookie(
          res,
          serialize(spaCookie, session.csrfToken(), {
            path: '/',
            sameSite: 'lax',
            secure: isSecureRequest(trust, request),
          }),
        )
      }
    }
    next()
  }
}
