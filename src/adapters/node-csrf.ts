/**
 * `csrf()` for node:http, Express and Connect: the shared CSRF gate (csrf-gate.ts) over a node
 * request, adding the `Vary` headers the decision depends on and the SPA cookie.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestContext, TrustProxy } from '../core/types.js'
import { type AdapterCsrfOptions, createCsrfGate } from './csrf-gate.js'
import { nodeHeaders } from './node-headers.js'
import { appendVary } from './plan-headers.js'

/** Options of the node `csrf()` middleware. */
export type NodeCsrfOptions = AdapterCsrfOptions

/** How the middleware learns about the request from the session middleware. */
export interface CsrfRequestView {
  context(req: IncomingMessage): RequestContext
  trustProxy(req: IncomingMessage): TrustProxy
}

/** Build the middleware over a view of what `session()` recorded for the request. */
export function createCsrfMiddleware(
  view: CsrfRequestView,
  options: NodeCsrfOptions = {},
): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  const gate = createCsrfGate(options, 'mount session() before csrf()')
  return (req, res, next) => {
    const verdict = gate.judge({
      request: view.context(req),
      body: (req as { body?: unknown }).body,
      session: (req as unknown as Record<string, unknown>)[gate.property],
      trust: view.trustProxy(req),
    })
    const headers = nodeHeaders(res)
    if (verdict.vary) appendVary(headers, ['Origin', 'Sec-Fetch-Site'])
    if (verdict.error !== null) {
      next(verdict.error)
      return
    }
    if (verdict.setCookie !== null) {
      headers.set('Set-Cookie', [...headers.get('set-cookie'), verdict.setCookie])
    }
    next()
  }
}
