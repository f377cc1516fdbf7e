/**
 * Hooks a node:http response the way express-session does (`on-headers` plus an `end` proxy),
 * with its two best-known bugs fixed:
 * - the save is awaited before any of the final write leaves: express-session flushes the headers
 *   (and all but the last byte of the body) while the store write is still in flight, so a
 *   browser may follow a redirect before the session it needs is saved;
 * - the headers given to `writeHead` are merged with `setHeader` values, repeated names kept, so
 *   no other middleware's `Set-Cookie` is lost next to the session cookie.
 * A failed store operation reaches the app's error handler before anything was sent.
 */
import type { ServerResponse } from 'node:http'

/** What the middleware does at each phase of one response. */
export interface ResponseHooks {
  /** Right before the headers are written (once): set the session cookie. */
  onHeaders(res: ServerResponse): void
  /** When the app ends the response (once): the store work to await first, or null for none. */
  onEnd(): Promise<void> | null
  /** The store work of `onEnd` failed; `sent` tells whether headers already went out. */
  onError(error: unknown, sent: boolean): void
  /** The response closed without `end` (the client went away), or finished: release resources. */
  onDone(): void
}

type Method = (...args: unknown[]) => unknown

/** Install `hooks` on `res` (once per request). */
export function hookResponse(res: ServerResponse, hooks: ResponseHooks): void {
  const writeHead = res.writeHead as unknown as Method
  const end = res.end as unknown as Method
  let fired = false
  let ended = false
  let bypass = false

  res.writeHead = function (this: ServerResponse, ...args: unknown[]): unknown {
    if (bypass || fired) return writeHead.apply(this, args)
    fired = true
    const status = args[0]
    const headerIndex = typeof args[1] === 'string' ? 2 : 1
    if (typeof status === 'number') this.statusCode = status
    moveHeaders(this, args[headerIndex])
    const leading = args.slice(0, headerIndex)
    hooks.onHeaders(this)
    if (typeof leading[0] === 'number' && leading[0] !== this.statusCode) {
      return writeHead.call(this, this.statusCode)
    }
    return writeHead.apply(this, leading)
  } as unknown as ServerResponse['writeHead']

  res.end = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (bypass) return end.apply(this, args) as ServerResponse
    if (ended) return this
    ended = true
    let pending: Promise<void> | null
    try {
      pending = hooks.onEnd()
    } catch (error) {
      pending = Promise.reject(error)
    }
    if (pending === null) return end.apply(this, args) as ServerResponse
    const fail = (error: unknown): void => {
      const sent = this.headersSent
      if (!sent) {
        // Nothing went out: hand the response to the app's error handler, clean.
        bypass = true
        for (const name of this.getHeaderNames()) this.removeHeader(name)
      }
      hooks.onError(error, sent)
    }
    pending.then(() => {
      try {
        end.apply(this, args)
      } catch (error) {
        fail(error) // thrown while writing the headers (a malformed header)
      }
    }, fail)
    return this
  } as unknown as ServerResponse['end']

  res.once('close', () => hooks.onDone())
}

/**
 * `writeHead(status, headers)`: put `headers` on the response with `setHeader` so what the session
 * adds is merged with them. Object, flat `[name, value, …]` and `[[name, value]…]` forms; a name
 * repeated in an array keeps all its values (as `writeHead` itself would send them).
 */
function moveHeaders(res: ServerResponse, headers: unknown): void {
  if (!headers || typeof headers !== 'object') return
  const pairs: Array<[string, unknown]> = []
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const pair of headers as unknown[][]) pairs.push([String(pair[0]), pair[1]])
    } else {
      if (headers.length % 2 !== 0) throw new TypeError('headers array is malformed')
      for (let i = 0; i < headers.length; i += 2) pairs.push([String(headers[i]), headers[i + 1]])
    }
  } else {
    for (const [name, value] of Object.entries(headers)) pairs.push([name, value])
  }
  const grouped = new Map<string, { name: string; values: unknown[] }>()
  for (const [name, value] of pairs) {
    if (!name || value === undefined) continue
    const key = name.toLowerCase()
    const entry = grouped.get(key) ?? { name, values: [] }
    entry.values.push(...(Array.isArray(value) ? value : [value]))
    grouped.set(key, entry)
  }
  for (const { name, values } of grouped.values()) {
    const value = values.length === 1 ? values[0] : values.map(String)
    res.setHeader(name, value as string | number | readonly string[])
  }
}
