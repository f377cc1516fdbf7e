/**
 * `csrf()` of `sessionkit/fetch`: a handler wrapper that nests inside `withSession`.
 */
import { ConfigError, CsrfError } from '../core/errors.js'
import { type AdapterCsrfOptions, createCsrfGate } from './csrf-gate.js'
import type { SessionHandler } from './fetch.js'
import { appendVary } from './plan-headers.js'
import { webRequestContext, webRequestOf } from './web-context.js'
import { bodyKind, CSRF_VARY, csrfFailureResponse, formFields } from './web-csrf.js'
import { copyResponse, webHeaderAccess } from './web-response.js'

/** Options of `csrf()` from `sessionkit/fetch`. Checked once, at creation. */
export interface FetchCsrfOptions extends AdapterCsrfOptions {
  /**
   * The answer to a failed check (a JSON error, a page); `Vary: Origin, Sec-Fetch-Site` is added
   * to it.
   * @default a 403 with the reason as plain text
   */
  onFailure?: (error: CsrfError, request: Request) => Response | Promise<Response>
}

/**
 * CSRF protection for handlers wrapped by `withSession`. For unsafe methods (POST, PUT, PATCH,
 * DELETE, also via method override) it rejects cross-site requests by `Sec-Fetch-Site`, else by
 * an exact `Origin`/`Referer` match, then requires a valid token (`session.csrfToken()`) in
 * `x-csrf-token`/`x-xsrf-token` or the `_csrf` field of a form or JSON body — never the query
 * string. The body is read from `request.clone()`, so the handler can still read it. A failure
 * answers 403 with the `CsrfError` reason (or what `onFailure` returns) and the handler does not
 * run. `spa: true` also keeps a readable `XSRF-TOKEN` cookie for Angular/axios.
 *
 * @example
 * ```ts
 * import { csrf, withSession } from 'sessionkit/fetch'
 *
 * const handler = withSession(
 *   sessions,
 *   csrf()(async (request, { session }) => {
 *     if (request.method === 'GET') {
 *       const field = `<input type="hidden" name="_csrf" value="${session.csrfToken()}">`
 *       return new Response(`<form method="post">${field}<button>Save</button></form>`, {
 *         headers: { 'Content-Type': 'text/html' },
 *       })
 *     }
 *     const form = await request.formData() // still readable
 *     return new Response(`saved ${form.get('title')}`)
 *   }),
 * )
 * ```
 * @throws {ConfigError} at creation, for bad options; per request, when no session was found
 * under `property` (wrap it inside `withSession`).
 */
export function csrf(
  opts: FetchCsrfOptions = {},
): <C extends object>(handler: SessionHandler<C>) => SessionHandler<C> {
  const gate = createCsrfGate(opts, 'wrap csrf() inside withSession()')
  if (opts.onFailure !== undefined && typeof opts.onFailure !== 'function') {
    throw new ConfigError([{ path: 'onFailure', message: 'expected a function' }])
  }
  const fieldName = opts.fieldName ?? '_csrf'
  return (handler) => async (request, ctx) => {
    const session = (ctx as Record<string, unknown>)[gate.property]
    const info = webRequestOf(ctx, session)
    const context = info?.context ?? webRequestContext(request, undefined)
    const body = await readBody(request, fieldName)
    const verdict = gate.judge({ request: context, body, session, trust: info?.trust ?? false })
    if (verdict.error !== null) {
      if (!(verdict.error instanceof CsrfError)) throw verdict.error
      if (!opts.onFailure) return csrfFailureResponse(verdict.error)
      const answer = copyResponse(await opts.onFailure(verdict.error, request))
      appendVary(webHeaderAccess(answer.headers), CSRF_VARY)
      return answer
    }
    const response = await handler(request, ctx)
    if (!verdict.vary && verdict.setCookie === null) return response
    const copy = copyResponse(response)
    if (verdict.vary) appendVary(webHeaderAccess(copy.headers), CSRF_VARY)
    if (verdict.setCookie !== null) copy.headers.append('Set-Cookie', verdict.setCookie)
    return copy
  }
}

// The body is read from a clone: the handler's request stream is never consumed here.
async function readBody(request: Request, fieldName: string): Promise<unknown> {
  const kind = bodyKind(request.method.toUpperCase(), request.headers)
  if (kind === null || request.body === null || request.bodyUsed) return undefined
  try {
    if (kind === 'form') return formFields(await request.clone().formData(), fieldName)
    return await request.clone().json()
  } catch {
    // A malformed body carries no token; the check then looks at the headers alone.
    return undefined
  }
}
