/**
 * The session's `Set-Cookie`, `Cache-Control` and `Vary` on a Fastify reply, keeping what other
 * hooks and the handler set (also through `reply.raw.setHeader`).
 */
import type { FastifyReply } from 'fastify'
import type { ResponsePlan } from '../core/types.js'
import { appendVary, type HeaderAccess, hasToken, headerValues } from './plan-headers.js'

/** Read and replace headers of a Fastify reply. */
export function replyHeaders(reply: FastifyReply): HeaderAccess {
  return {
    get: (name) => headerValues(reply.getHeader(name)),
    set: (name, value) => replaceHeader(reply, name, value),
  }
}

// Fastify passes its own headers to `writeHead`, where they replace any of the same name set
// with `reply.raw.setHeader`: `reply.header` alone replaces both, except for Set-Cookie, which
// it appends to its own values.
function replaceHeader(reply: FastifyReply, name: string, value: string | string[]): void {
  if (name.toLowerCase() === 'set-cookie') reply.removeHeader(name)
  reply.header(name, value)
}

/**
 * Add the plan's headers to the reply: what `applyResponsePlan` does through `replyHeaders`,
 * without building the accessors or removing headers that are not there.
 */
export function addPlanHeaders(reply: FastifyReply, plan: ResponsePlan): void {
  if (plan.setCookies.length > 0) {
    const cookies = headerValues(reply.getHeader('set-cookie'))
    if (cookies.length === 0) {
      reply.header('set-cookie', plan.setCookies)
    } else {
      const missing = plan.setCookies.filter((cookie) => !cookies.includes(cookie))
      if (missing.length > 0) replaceHeader(reply, 'set-cookie', [...cookies, ...missing])
    }
  }
  // A response that sets a session cookie must never be stored by a shared cache.
  if (plan.noStore && !hasToken(headerValues(reply.getHeader('cache-control')), 'no-store')) {
    reply.header('cache-control', 'no-store')
  }
  if (plan.varyCookie) {
    const vary = reply.getHeader('vary')
    if (vary === undefined) reply.header('vary', 'Cookie')
    else appendVary(replyHeaders(reply), ['Cookie'])
  }
}
