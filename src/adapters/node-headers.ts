/**
 * Header merging for node:http responses: the session's `Set-Cookie`, `Cache-Control` and `Vary`
 * are added to whatever other middleware set, never replacing it (BI-81).
 */
import type { ServerResponse } from 'node:http'
import type { ResponsePlan } from '../core/types.js'
import { applyResponsePlan, type HeaderAccess, headerValues } from './plan-headers.js'

type HeaderValue = string | number | readonly string[]

/**
 * Move the `headers` argument of `writeHead` onto the response with `setHeader`, so what the
 * session adds afterwards is merged with it. Accepts an object, a flat `[name, value, …]` array
 * and an array of `[name, value]` pairs; repeated names keep every value (a flat array may carry
 * `Set-Cookie` twice). As in Node, a header given here replaces one set earlier with `setHeader`.
 * Returns false, touching nothing, for a form Node itself would reject (left for Node to report).
 */
export function moveWriteHeadHeaders(res: ServerResponse, headers: unknown): boolean {
  const grouped = new Map<string, { name: string; values: Array<string | number> }>()
  const add = (name: unknown, value: unknown): void => {
    if (typeof name !== 'string' || name === '' || value === undefined) return
    const key = name.toLowerCase()
    let entry = grouped.get(key)
    if (!entry) {
      entry = { name, values: [] }
      grouped.set(key, entry)
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      entry.values.push(typeof item === 'number' ? item : String(item))
    }
  }
  if (Array.isArray(headers)) {
    if (headers.length > 0 && headers.every((pair) => Array.isArray(pair) && pair.length === 2)) {
      for (const [name, value] of headers as Array<[unknown, unknown]>) add(name, value)
    } else {
      if (headers.length % 2 !== 0) return false
      for (let i = 0; i < headers.length; i += 2) add(headers[i], headers[i + 1])
    }
  } else if (typeof headers === 'object' && headers !== null) {
    for (const [name, value] of Object.entries(headers)) add(name, value)
  } else if (headers !== undefined) {
    return false
  }
  for (const { name, values } of grouped.values()) {
    const value: HeaderValue =
      values.length === 1 ? (values[0] as string | number) : values.map(String)
    res.setHeader(name, value)
  }
  return true
}

/** Read and replace headers of a node:http response through the shared header helpers. */
export function nodeHeaders(res: ServerResponse): HeaderAccess {
  return {
    get: (name) => headerValues(res.getHeader(name)),
    set: (name, value) => {
      res.setHeader(name, value)
    },
  }
}

/**
 * Add the session's headers to the response. Idempotent: a cookie already present is not added
 * twice, so it can run again after `writeHead` moved its own headers onto the response.
 */
export function applyPlan(res: ServerResponse, plan: ResponsePlan): void {
  if (plan.setCookies.length === 0 && !plan.noStore) {
    // The usual read: only `Vary: Cookie`, on a response without Vary (no header helpers).
    if (!plan.varyCookie) return
    const vary = res.getHeader('vary')
    if (vary === undefined || vary === null || vary === '') {
      res.setHeader('Vary', 'Cookie')
      return
    }
  }
  applyResponsePlan(nodeHeaders(res), plan)
}

/** Remove every header set so far (an error response replaces the one the app prepared). */
export function clearHeaders(res: ServerResponse): void {
  for (const name of res.getHeaderNames()) res.removeHeader(name)
}
