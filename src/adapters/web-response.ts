/**
 * The session's headers on a Web `Response`: `Set-Cookie` appended to the cookies the handler
 * set, `Cache-Control: no-store` and `Vary: Cookie` as the response plan asks (BI-81), through
 * the shared `applyResponsePlan`; and the plain error responses of the Fetch-API adapters.
 */
import { SessionError } from '../core/errors.js'
import type { ResponsePlan } from '../core/types.js'
import { applyResponsePlan, type HeaderAccess, headerValues } from './plan-headers.js'

/** Header access over a mutable `Headers` (`Set-Cookie` values kept apart). */
export function webHeaderAccess(headers: Headers): HeaderAccess {
  return {
    get: (name) =>
      name.toLowerCase() === 'set-cookie'
        ? headers.getSetCookie()
        : headerValues(headers.get(name) ?? undefined),
    set: (name, value) => {
      headers.delete(name)
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
    },
  }
}

/** What `contextHeaderAccess` needs of a Hono-style context (`c.res`, `c.header`). */
export interface HeaderContext {
  readonly res: Response
  header(name: string, value: string | undefined, options?: { append?: boolean }): void
}

/** What `withContextPlanHeaders` needs of a Hono-style context: `c.res`, replaceable. */
export interface ResponseContext extends Omit<HeaderContext, 'res'> {
  get res(): Response
  set res(value: Response | undefined)
}

/**
 * Add the plan's headers to the context's response. `Set-Cookie` goes onto a copy put in
 * `c.res`, never onto the response the handler returned: that object may be shared (a
 * module-level `new Response(null, { status: 204 })`), and cookies added to it would go to every
 * later client of that route. `Vary` and `Cache-Control: no-store` are the same for everyone and
 * are added in place (no copy, which would take @hono/node-server off its fast path).
 */
export function withContextPlanHeaders(c: ResponseContext, plan: ResponsePlan): void {
  if (plan.setCookies.length > 0) {
    const copy = copyResponse(c.res)
    if (copy !== c.res) {
      applyResponsePlan(webHeaderAccess(copy.headers), plan)
      // Cleared first: Hono's setter would copy the old response's headers onto the new one.
      c.res = undefined
      c.res = copy
      return
    }
  }
  applyResponsePlan(contextHeaderAccess(c), plan)
}

/** Header access through a Hono-style context, which copies an immutable response itself. */
export function contextHeaderAccess(c: HeaderContext): HeaderAccess {
  return {
    // Read afresh each time: `c.header` may have replaced `c.res` with a copy.
    get: (name) => webHeaderAccess(c.res.headers).get(name),
    set: (name, value) => {
      // Headers of the response as it is, when they are mutable: once the response is final,
      // `c.header` copies it through its body, which takes @hono/node-server off its fast path
      // (profiled: ~70 µs/req). Immutable headers (a fetched response) throw before any change.
      try {
        webHeaderAccess(c.res.headers).set(name, value)
        return
      } catch {
        // let the framework copy the response
      }
      c.header(name, undefined)
      for (const item of Array.isArray(value) ? value : [value]) {
        c.header(name, item, { append: true })
      }
    },
  }
}

/**
 * `response` with the plan's headers: a copy when there is anything to add, so an immutable
 * response (`Response.redirect()`, a `fetch()` result) is never mutated.
 */
export function withPlanHeaders(response: Response, plan: ResponsePlan): Response {
  if (plan.setCookies.length === 0 && !plan.noStore && !plan.varyCookie) return response
  const copy = copyResponse(response)
  applyResponsePlan(webHeaderAccess(copy.headers), plan)
  return copy
}

/** A copy of `response` with mutable headers, sharing its body (never mutate the original). */
export function copyResponse(response: Response): Response {
  try {
    return new Response(response.body, response)
  } catch {
    // A status the constructor refuses (101 from a WebSocket upgrade): its headers are mutable.
    return response
  }
}

/**
 * The plain-text answer to a session failure (`SessionTooLarge` 413, `SessionConflict` 409,
 * `StoreUnavailable`/`LockTimeout` 503…): its status, its code, no cookie, never cached.
 */
export function sessionErrorResponse(error: SessionError): Response {
  return new Response(`${error.status} ${error.code}\n`, {
    status: error.status >= 400 && error.status <= 599 ? error.status : 500,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  })
}

/** Release a response body that will never be sent (a stream the handler opened). */
export function discardBody(response: Response): void {
  if (response.body && !response.bodyUsed) response.body.cancel().catch(() => {})
}

/** True for a sessionkit error (also from a duplicate install). */
export const isSessionError = (error: unknown): error is SessionError => SessionError.is(error)
