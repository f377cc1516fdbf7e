/**
 * Adding the session's `Set-Cookie`, `Cache-Control` and `Vary` to a response through whatever
 * header API the framework has, never replacing what other middleware set (BI-81).
 */
import type { ResponsePlan } from '../core/types.js'

/** Read and replace one response header. */
export interface HeaderAccess {
  /** The header's values as strings, in order (none when unset). */
  get(name: string): string[]
  /** Replace the header. */
  set(name: string, value: string | string[]): void
}

/** A header value as framework APIs return it, as a list of strings. */
export function headerValues(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return []
  return Array.isArray(value) ? value.map(String) : [String(value)]
}

/** True when a comma-separated header (over all its values) lists `token`. */
export function hasToken(values: readonly string[], token: string): boolean {
  const wanted = token.toLowerCase()
  return values.some((value) =>
    value.split(',').some((part) => part.trim().toLowerCase() === wanted),
  )
}

/** Add `names` to the response's `Vary` unless present (or `*`). */
export function appendVary(headers: HeaderAccess, names: readonly string[]): void {
  const current = headers.get('vary')
  if (current.length === 0) {
    headers.set('Vary', names.join(', '))
    return
  }
  if (hasToken(current, '*')) return
  const missing = names.filter((name) => !hasToken(current, name))
  if (missing.length > 0) headers.set('Vary', [...current, ...missing].join(', '))
}

/** Add the session's headers to the response, keeping every header already there. */
export function applyResponsePlan(headers: HeaderAccess, plan: ResponsePlan): void {
  if (plan.setCookies.length > 0) {
    const cookies = headers.get('set-cookie')
    const missing = plan.setCookies.filter((cookie) => !cookies.includes(cookie))
    if (missing.length > 0) headers.set('Set-Cookie', [...cookies, ...missing])
  }
  // A response that sets a session cookie must never be stored by a shared cache.
  if (plan.noStore && !hasToken(headers.get('cache-control'), 'no-store')) {
    headers.set('Cache-Control', 'no-store')
  }
  if (plan.varyCookie) appendVary(headers, ['Cookie'])
}
