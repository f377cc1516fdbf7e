/**
 * `csrf()` for node:http, Express and Connect: the shared CSRF gate (csrf-gate.ts) over a node
 * request, adding the `Vary` headers the decision depends on and the SPA cookie.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestContext, TrustProxy } from '../core/types.js'
import { type AdapterCsrfOptions, createCsrfGate } from './csrf-gate.js'

/** Options of the node `csrf()` middleware. */
export type NodeCsrfOptions = AdapterCsrfOptions

/** How the middleware learns about the request from the session middleware. */
export interface CsrfRequestView {
  context(req: IncomingMessage): RequestContext
  trustProxy(req: IncomingMessage): TrustProxy
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
  const gate = createCsrfGate(options, 'mount session() before csrf()')
  return (req, res, next) => {
    const verdict = gate.judge({
      request: view.context(req),
      body: (req as { body?: unknown }).body,
      session: (req as unknown as Record<string, unknown>)[gate.property],
      trust: view.trustProxy(req),
    })
    if (verdict.vary) appendVary(res, ['Origin', 'Sec-Fetch-Site'])
    if (verdict.error !== null) {
      next(verdict.error)
      return
    }
    if (verdict.setCookie !== null) appendSetCookie(res, verdict.setCookie)
    next()
  }
}
