/**
 * `csrf()` of `sessionkit/hono`: the core's CSRF check as Hono middleware.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { CsrfError } from '../core/errors.js'
import { type AdapterCsrfOptions, createCsrfGate } from './csrf-gate.js'
import { appendVary } from './plan-headers.js'
import { webRequestContext, webRequestOf } from './web-context.js'
import { bodyKind, CSRF_VARY, csrfFailureResponse, formFields } from './web-csrf.js'
import { contextHeaderAccess } from './web-response.js'

/** Options of `csrf()` from `sessionkit/hono`. Checked once, at creation. */
export type CsrfMiddlewareOptions = AdapterCsrfOptions

interface VariableGetter {
  get(key: string): unknown
}

/**
 * CSRF protection for unsafe methods (POST, PUT, PATCH, DELETE, also via method override):
 * rejects cross-site requests by `Sec-Fetch-Site`, else by an exact `Origin`/`Referer` match,
 * then requires a valid token (`session.csrfToken()`) in `x-csrf-token`/`x-xsrf-token` or the
 * `_csrf` field of a form (`c.req.parseBody()`) or JSON body (`c.req.json()`) — Hono caches
 * both, so handlers can read the body again — never the query string. A failure throws an
 * `HTTPException` 403 whose `cause` is the `CsrfError` (with its `reason`): Hono's default error
 * handler answers it with a 403 text response, and `app.onError` can render its own.
 * `spa: true` also keeps a readable `XSRF-TOKEN` cookie for Angular/axios. Mount it after
 * `sessionMiddleware()`.
 *
 * @example
 * ```ts
 * app.use(sessionMiddleware(sessions))
 * app.use(csrf())
 * app.get('/form', (c) =>
 *   c.html(`<form method="post"><input type="hidden" name="_csrf" value="${c.var.session.csrfToken()}">…</form>`),
 * )
 * app.post('/form', async (c) => c.text(`saved ${(await c.req.parseBody())['title']}`))
 * ```
 * @throws {ConfigError} at creation, for bad options; per request, when no session was found
 * under `property` (mount `sessionMiddleware()` first).
 */
export function csrf(opts: CsrfMiddlewareOptions = {}): MiddlewareHandler {
  const gate = createCsrfGate(opts, 'mount sessionMiddleware() before csrf()')
  const fieldName = opts.fieldName ?? '_csrf'
  return async (c, next) => {
    const session = (c as unknown as VariableGetter).get(gate.property)
    const info = webRequestOf(c, session)
    const context = info?.context ?? webRequestContext(c.req.raw, undefined)
    const body = await readBody(c, fieldName)
    const verdict = gate.judge({ request: context, body, session, trust: info?.trust ?? false })
    if (verdict.error !== null) {
      if (!(verdict.error instanceof CsrfError)) throw verdict.error
      throw new HTTPException(403, {
        res: csrfFailureResponse(verdict.error),
        message: verdict.error.message,
        cause: verdict.error,
      })
    }
    await next()
    if (verdict.vary) appendVary(contextHeaderAccess(c), CSRF_VARY)
    if (verdict.setCookie !== null) c.header('Set-Cookie', verdict.setCookie, { append: true })
  }
}

// Through Hono's body cache, so the handler can parse the body again.
async function readBody(c: Context, fieldName: string): Promise<unknown> {
  const kind = bodyKind(c.req.method.toUpperCase(), c.req.raw.headers)
  try {
    if (kind === 'form') {
      const form = await c.req.parseBody({ all: true })
      return formFields({ getAll: (name) => [form[name] ?? []].flat() }, fieldName)
    }
    if (kind === 'json') return await c.req.json()
  } catch {
    // A malformed body carries no token; the check then looks at the headers alone.
  }
  return undefined
}
