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
import { commitIsEmpty } from '../core/request-session.js'
import type { RequestSession, ResponsePlan } from '../core/types.js'
import { applyPlan, clearHeaders, moveWriteHeadHeaders } from './node-headers.js'
import { type Method, type Methods, prototypeHook } from './response-prototype.js'

const debug = debuglog('sessionkit')

type Callback = (error?: Error | null) => void

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

/** Hooks `res` so that `rs` is finalized when headers are written and committed before `end`. */
export interface ResponseHook {
  /** Hook now. */
  hook(res: ServerResponse, rs: RequestSession<object>): void
  /**
   * Whether `res` can be hooked later, with `hookLater`, when a session starts. Only methods the
   * response looks up on its prototype can be hooked late: a handler writing
   * `res.end(String(session.increment('n')))` has read `res.end` before the session starts, so
   * methods put on the response itself at that point would never run.
   */
  deferrable(res: ServerResponse): boolean
  /** Hook a response `deferrable` accepted, even if it got methods of its own since. */
  hookLater(res: ServerResponse, rs: RequestSession<object>): void
}

/**
 * Where a middleware can keep the state of a response it hooks through a framework prototype,
 * instead of a property added to the response (which Express's prototype swap makes costly).
 */
export interface StateSlot {
  /** The state `set` stored for `res`, if any; null when there is no place for it. */
  get(res: ServerResponse): object | undefined | null
  /** Store `state` for `res`; false when there is no place (it then goes on the response). */
  set(res: ServerResponse, state: object): boolean
}

/**
 * A hook for one middleware. Its `writeHead`/`write`/`end` replacements are created once here and
 * find the response's state under a symbol of their own (per middleware, so two session
 * middlewares on one response stack as before).
 *
 * On a response whose prototype a framework swaps per request (Express), the replacements go once
 * onto that framework's prototype and pass through for responses this middleware did not hook
 * (see response-prototype.ts). A response that already carries own methods (another middleware
 * wrapped them first), or that has no framework prototype (plain node:http), gets them as own
 * properties as before.
 */
export function createResponseHook(slot?: StateSlot): ResponseHook {
  // A hooked response keeps its state under this middleware's symbol, whether its methods were
  // replaced on itself (plain node:http) or on its framework prototype (Express).
  const STATE = Symbol('sessionkit.hooked')
  const stateOf = (res: ServerResponse): Hooked | undefined =>
    (res as unknown as Record<symbol, Hooked | undefined>)[STATE]
  // Looking for a symbol a response does not have is slow on Express's responses: only when the
  // slot has no place for this response.
  const sharedStateOf = (res: ServerResponse): Hooked | undefined => {
    if (slot === undefined) return stateOf(res)
    const state = slot.get(res)
    return state === null ? stateOf(res) : (state as Hooked | undefined)
  }

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

  const writeHead = (res: ServerResponse, hooked: Hooked, args: unknown[]): unknown => {
    if (res.headersSent || hooked.failed) return hooked.writeHead.apply(res, args)
    const [status, second, third] = args
    const message = typeof second === 'string' ? second : undefined
    const headers = typeof second === 'string' ? third : second
    if (headers === undefined) {
      // `writeHead(status[, message])`, as node's own implicit headers call it: nothing to move.
      if (prepare(res, hooked) === null) return res
      return hooked.writeHead.apply(res, args)
    }
    if (!moveWriteHeadHeaders(res, headers)) {
      prepare(res, hooked)
      return hooked.writeHead.apply(res, args)
    }
    const ready = prepare(res, hooked)
    if (ready === null) {
      // Called directly (our write/end finalize first): hold the headers back; the `write` or
      // `end` that follows answers with the error instead.
      return res
    }
    // Again: the headers just moved onto the response may have replaced the session's.
    applyPlan(res, ready)
    return hooked.writeHead.apply(res, message === undefined ? [status] : [status, message])
  }

  const write = (res: ServerResponse, hooked: Hooked, args: unknown[]): unknown => {
    if (hooked.ending || hooked.failed) {
      const callback = args.find((arg) => typeof arg === 'function') as Callback | undefined
      const error = Object.assign(new Error('write after end'), {
        code: 'ERR_STREAM_WRITE_AFTER_END',
      })
      if (callback) process.nextTick(callback, error)
      return false
    }
    if (!res.headersSent && prepare(res, hooked) === null) {
      respondWithError(res, hooked, hooked.failure)
      return false
    }
    return hooked.write.apply(res, args)
  }

  const end = (res: ServerResponse, hooked: Hooked, args: unknown[]): ServerResponse => {
    const callbackIndex = args.findIndex((arg) => typeof arg === 'function')
    const callback = callbackIndex === -1 ? undefined : (args[callbackIndex] as Callback)
    const payload = callbackIndex === -1 ? args : args.slice(0, callbackIndex)
    if (hooked.ending || hooked.failed) {
      // Idempotent: a second `end` only waits for the first.
      if (callback) res.once('finish', () => callback())
      return res
    }
    hooked.ending = true
    if (!res.headersSent && prepare(res, hooked) === null) {
      respondWithError(res, hooked, hooked.failure, callback)
      return res
    }
    if (commitIsEmpty(hooked.rs)) return hooked.end.apply(res, args) as ServerResponse
    hooked.rs.commit().then(
      () => {
        hooked.end.apply(res, callback ? [...payload, callback] : payload)
      },
      (error: unknown) => {
        if (!res.headersSent) {
          respondWithError(res, hooked, error, callback)
          return
        }
        // Part of the response is out: end it as a failure the client can see.
        debug('session commit failed after headers were sent (%s)', describeError(error))
        hooked.failed = true
        abort(hooked.rs)
        res.destroy(error instanceof Error ? error : new Error(String(error)))
        if (callback) process.nextTick(callback, error as Error)
      },
    )
    return res
  }

  const own: Methods = {
    writeHead(this: ServerResponse, ...args: unknown[]) {
      return writeHead(this, stateOf(this) as Hooked, args)
    },
    write(this: ServerResponse, ...args: unknown[]) {
      return write(this, stateOf(this) as Hooked, args)
    },
    end(this: ServerResponse, ...args: unknown[]) {
      return end(this, stateOf(this) as Hooked, args)
    },
  }

  // The client went away, or the app never answered: end the request without persisting.
  const onClose = function (this: ServerResponse): void {
    const hooked = stateOf(this) ?? sharedStateOf(this)
    if (hooked !== undefined && !hooked.ending && !hooked.failed) abort(hooked.rs)
  }

  const hookShared = (res: ServerResponse, rs: RequestSession<object>, next: Methods): void => {
    res.on('close', onClose)
    const hooked = new Hooked(rs, next.writeHead, next.write, next.end)
    if (slot?.set(res, hooked) !== true) (res as unknown as Record<symbol, Hooked>)[STATE] = hooked
  }

  // This middleware's replacements on the framework prototype of `res`, or null when `res` must
  // be hooked with own properties.
  const sharedMethods = prototypeHook(sharedStateOf, { writeHead, write, end })

  return {
    hook(res, rs) {
      const next = sharedMethods(res)
      if (next !== null) {
        hookShared(res, rs, next)
        return
      }
      res.on('close', onClose)
      ;(res as unknown as Record<symbol, Hooked>)[STATE] = new Hooked(
        rs,
        res.writeHead as unknown as Method,
        res.write as unknown as Method,
        res.end as unknown as Method,
      )
      res.writeHead = own.writeHead as unknown as ServerResponse['writeHead']
      res.write = own.write as unknown as ServerResponse['write']
      res.end = own.end as unknown as ServerResponse['end']
    },
    deferrable(res) {
      return sharedMethods(res) !== null
    },
    hookLater(res, rs) {
      const next = sharedMethods(res, true)
      if (next === null) this.hook(res, rs)
      else hookShared(res, rs, next)
    },
  }
}

// Nothing will be persisted: let the core release what it holds (a lock in 'lock' mode).
function abort(rs: RequestSession<object>): void {
  rs.abort().catch((error: unknown) => debug('session abort failed (%s)', describeError(error)))
}

function describeError(error: unknown): string {
  return SessionError.is(error) ? error.code : error instanceof Error ? error.name : typeof error
}
