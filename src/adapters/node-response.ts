/**
 * Driving a `RequestSession` from a node:http `ServerResponse`, for every adapter built on
 * node:http (Express 4 and 5, Connect, plain `http.createServer`).
 *
 * Two phases, as DESIGN.md "Adapters" requires:
 * - **headers**: `finalize()` runs synchronously at the first of `writeHead` (explicit, or implicit
 *   through `write`/`end`/`flushHeaders`), `write` and `end`, and its `Set-Cookie`, `Cache-Control`
 *   and `Vary` are merged into the headers other middleware set;
 * - **persistence**: `end` is deferred until `commit()` resolves, so nothing of the final write
 *   reaches the client before the save (a redirect never outruns it). Streaming with `write` is
 *   unaffected; only `end` waits.
 *
 * Failures never look like success: when `finalize` throws (`SessionTooLarge`) or `commit`
 * rejects before any header went out, the prepared headers and body are dropped and the client
 * gets the error's status (413, 409, 503…) with a short text body; when headers were already sent
 * (a streamed response), the socket is destroyed instead. A response closed without `end` (the
 * client went away) aborts the session: nothing is written and any lock is released.
 */
import { type ServerResponse, STATUS_CODES } from 'node:http'
import { debuglog } from 'node:util'
import { SessionError } from '../core/errors.js'
import type { RequestSession, ResponsePlan } from '../core/types.js'
import { applyPlan, clearHeaders, moveWriteHeadHeaders } from './node-headers.js'

const debug = debuglog('sessionkit')

type Callback = (error?: Error | null) => void
type Method = (...args: unknown[]) => unknown

/** One response's hook state: the methods it replaced and how far the response got. */
class Hooked {
  plan: ResponsePlan | null = null
  failure: unknown = null
  failed = false
  ending = false
  constructor(
    readonly rs: RequestSession<object>,
    readonly writeHead: Method,
    readonly write: Method,
    readonly end: Method,
  ) {}
}

/** Hook `res` so that `rs` is finalized when headers are written and committed before `end`. */
export type ResponseHook = (res: ServerResponse, rs: RequestSession<object>) => void

/**
 * A hook for one middleware. Its `writeHead`/`write`/`end` replacements are created once here and
 * find the response's state in a weak map of their own (per middleware, so two session
 * middlewares on one response stack as before). Per-request closures cost allocations, and every
 * property added to an Express response (whose prototype Express swaps per request) measured
 * ~3–4 µs, so the state is not a property of the response.
 */
export function createResponseHook(): ResponseHook {
  const states = new WeakMap<ServerResponse, Hooked>()
  const of = (res: ServerResponse): Hooked => states.get(res) as Hooked

  // Finalize once; null when it failed (the response must then become an error response).
  const prepare = (res: ServerResponse, hooked: Hooked): ResponsePlan | null => {
    if (hooked.plan === null && hooked.failure === null) {
      try {
        hooked.plan = hooked.rs.finalize()
        applyPlan(res, hooked.plan)
      } catch (error) {
        hooked.failure = error ?? new Error('finalize failed')
      }
    }
    return hooked.plan
  }

  const respondWithError = (
    res: ServerResponse,
    hooked: Hooked,
    error: unknown,
    callback?: Callback,
  ): void => {
    hooked.failed = true
    abort(hooked.rs)
    const status = SessionError.is(error) ? error.status : 500
    const body = `${status} ${STATUS_CODES[status] ?? 'Error'}\n`
    debug('session response failed with %d (%s)', status, describeError(error))
    clearHeaders(res)
    res.statusMessage = ''
    hooked.writeHead.call(res, status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    })
    hooked.end.call(res, body, callback)
  }

  const writeHead = function (this: ServerResponse, ...args: unknown[]): unknown {
    const hooked = of(this)
    if (this.headersSent || hooked.failed) return hooked.writeHead.apply(this, args)
    const [status, second, third] = args
    const message = typeof second === 'string' ? second : undefined
    const headers = typeof second === 'string' ? third : second
    if (!moveWriteHeadHeaders(this, headers)) {
      prepare(this, hooked)
      return hooked.writeHead.apply(this, args)
    }
    const ready = prepare(this, hooked)
    if (ready === null) {
      // Called directly (our write/end finalize first): hold the headers back; the `write` or
      // `end` that follows answers with the error instead.
      return this
    }
    // Again: the headers just moved onto the response may have replaced the session's.
    applyPlan(this, ready)
    return hooked.writeHead.apply(this, message === undefined ? [status] : [status, message])
  }

  const write = function (this: ServerResponse, ...args: unknown[]): unknown {
    const hooked = of(this)
    if (hooked.ending || hooked.failed) {
      const callback = args.find((arg) => typeof arg === 'function') as Callback | undefined
      const error = Object.assign(new Error('write after end'), {
        code: 'ERR_STREAM_WRITE_AFTER_END',
      })
      if (callback) process.nextTick(callback, error)
      return false
    }
    if (!this.headersSent && prepare(this, hooked) === null) {
      respondWithError(this, hooked, hooked.failure)
      return false
    }
    return hooked.write.apply(this, args)
  }

  const end = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
    const hooked = of(this)
    const callbackIndex = args.findIndex((arg) => typeof arg === 'function')
    const callback = callbackIndex === -1 ? undefined : (args[callbackIndex] as Callback)
    const payload = callbackIndex === -1 ? args : args.slice(0, callbackIndex)
    if (hooked.ending || hooked.failed) {
      // Idempotent: a second `end` only waits for the first.
      if (callback) this.once('finish', () => callback())
      return this
    }
    hooked.ending = true
    if (!this.headersSent && prepare(this, hooked) === null) {
      respondWithError(this, hooked, hooked.failure, callback)
      return this
    }
    hooked.rs.commit().then(
      () => {
        hooked.end.apply(this, callback ? [...payload, callback] : payload)
      },
      (error: unknown) => {
        if (!this.headersSent) {
          respondWithError(this, hooked, error, callback)
          return
        }
        // Part of the response is out: end it as a failure the client can see.
        debug('session commit failed after headers were sent (%s)', describeError(error))
        hooked.failed = true
        abort(hooked.rs)
        this.destroy(error instanceof Error ? error : new Error(String(error)))
        if (callback) process.nextTick(callback, error as Error)
      },
    )
    return this
  }

  // The client went away, or the app never answered: end the request without persisting.
  const onClose = function (this: ServerResponse): void {
    const hooked = of(this)
    if (!hooked.ending && !hooked.failed) abort(hooked.rs)
  }

  return (res, rs) => {
    states.set(
      res,
      new Hooked(
        rs,
        res.writeHead as unknown as Method,
        res.write as unknown as Method,
        res.end as unknown as Method,
      ),
    )
    res.on('close', onClose)
    res.writeHead = writeHead as unknown as ServerResponse['writeHead']
    res.write = write as unknown as ServerResponse['write']
    res.end = end as unknown as ServerResponse['end']
  }
}

// Nothing will be persisted: let the core release what it holds (a lock in 'lock' mode).
function abort(rs: RequestSession<object>): void {
  rs.abort().catch((error: unknown) => debug('session abort failed (%s)', describeError(error)))
}

function describeError(error: unknown): string {
  return SessionError.is(error) ? error.code : error instanceof Error ? error.name : typeof error
}
