/**
 * The neutral `RequestContext` of a node:http request, for the adapters built on node:http.
 */
import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import type { RequestContext, TrustProxy } from '../core/types.js'

/**
 * The neutral description of a node:http request; `trustProxy`, when given, overrides the
 * sessions' own setting for this request.
 */
export function requestContext(req: IncomingMessage, trustProxy?: TrustProxy): RequestContext {
  const header = (name: string): string | undefined => {
    const value = req.headers[name.toLowerCase()]
    return Array.isArray(value) ? value[0] : value
  }
  const context: RequestContext = {
    cookieHeader: header('cookie'),
    method: (req.method ?? 'GET').toUpperCase(),
    url: (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/',
    header,
    remoteAddress: req.socket?.remoteAddress,
    encrypted: Boolean((req.socket as TLSSocket | undefined)?.encrypted),
  }
  if (trustProxy !== undefined) context.trustProxy = trustProxy
  return context
}
