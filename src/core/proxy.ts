/**
 * What forwarded headers may decide: whether the client connection was https, and the client ip.
 * They count only when `trustProxy` trusts the peer (BI-63, BI-75).
 */
import type { RequestContext, TrustProxy } from './types.js'

function forwardedChain(request: RequestContext): string[] {
  const chain = [request.remoteAddress ?? '']
  const forwarded = request.header('x-forwarded-for')
  if (forwarded) {
    const hops = forwarded.split(',')
    for (let i = hops.length - 1; i >= 0; i--) chain.push((hops[i] as string).trim())
  }
  return chain
}

/** True when the direct peer is a trusted proxy. */
export function trustsPeer(trust: TrustProxy, request: RequestContext): boolean {
  if (trust === false || trust === 0) return false
  if (trust === true || typeof trust === 'number') return true
  return request.remoteAddress !== undefined && trust(request.remoteAddress)
}

/** Whether the client reached us over https. */
export function isSecureRequest(trust: TrustProxy, request: RequestContext): boolean {
  if (request.encrypted) return true
  if (!trustsPeer(trust, request)) return false
  const proto = request.header('x-forwarded-proto')
  if (!proto) return false
  const first = proto.split(',')[0]?.trim().toLowerCase()
  return first === 'https'
}

/** The client ip: the peer, or a forwarded hop as far as `trust` allows (Express semantics). */
export function clientIp(trust: TrustProxy, request: RequestContext): string | undefined {
  if (!trustsPeer(trust, request)) return request.remoteAddress
  const chain = forwardedChain(request)
  let index: number
  if (trust === true) index = chain.length - 1
  else if (typeof trust === 'number') index = Math.min(trust, chain.length - 1)
  else {
    index = 0
    const trusted = trust as (ip: string) => boolean
    while (index < chain.length - 1 && trusted(chain[index] as string)) index++
  }
  return chain[index] || request.remoteAddress
}

/** Keep a /24 of IPv4 or a /48 of IPv6 (privacy option of `recordClientInfo`). */
export function truncateIp(ip: string): string {
  if (ip.includes(':')) {
    const v4 = /^::ffff:(\d+\.\d+\.\d+)\.\d+$/i.exec(ip)
    if (v4) return `::ffff:${v4[1]}.0`
    const groups = ip.split(':').slice(0, 3)
    return `${groups.join(':')}::`
  }
  const parts = ip.split('.')
  return parts.length === 4 ? `${parts.slice(0, 3).join('.')}.0` : ip
}
