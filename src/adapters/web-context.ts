/**
 * The neutral `RequestContext` of a Web `Request`, for the adapters built on the Fetch API
 * (`sessionkit/fetch`, `sessionkit/hono`), and the mounting options they share.
 */
import { ConfigError, type ConfigIssue } from '../core/errors.js'
import type { RequestContext, TrustProxy } from '../core/types.js'
import {
  type AdapterOptions,
  type CheckedAdapterOptions,
  checkAdapterOptions,
} from './adapter-options.js'

/**
 * Options every Fetch-API adapter takes (`property` typed, so the context it fills is typed).
 * Checked once, when the adapter is created.
 */
export interface WebSessionOptions<K extends string = 'session'>
  extends Omit<AdapterOptions, 'property'> {
  /**
   * The name the session is handed to the application under; give a second session system
   * another one.
   * @default 'session'
   */
  property?: K
}

/** What an adapter learnt about a request, kept for its `csrf()` (keyed by the session). */
export interface WebRequestInfo {
  context: RequestContext
  /** The effective `trustProxy` for this request. */
  trust: TrustProxy
}

interface WebRequestEntry extends WebRequestInfo {
  session: object
  next: WebRequestEntry | undefined
}

// Kept on the per-request object the application gets (Hono's `c`, the fetch handler's `ctx`)
// rather than in a WeakMap keyed by the session: a WeakMap entry per request costs more in
// garbage collection than the property (measured on Fastify: ~7 µs/req of GC).
const WEB_REQUESTS = Symbol('sessionkit.webRequests')

type Holder = Record<typeof WEB_REQUESTS, WebRequestEntry | undefined>

/** Record the request `session` was opened for, on `holder`, for `csrf()` to judge it by. */
export function recordWebRequest(
  holder: object,
  session: object,
  context: RequestContext,
  trust: TrustProxy,
): void {
  const slots = holder as Holder
  // A literal, not `{ ...info, session }`: on Node 20 a spread followed by a key it did not
  // copy costs ~0.4 µs per such key (measured), ~1.3 µs per request here.
  slots[WEB_REQUESTS] = { context, trust, session, next: slots[WEB_REQUESTS] }
}

/** The request `session` was opened for, as recorded on `holder` (undefined when it was not). */
export function webRequestOf(holder: object, session: unknown): WebRequestInfo | undefined {
  for (let entry = (holder as Holder)[WEB_REQUESTS]; entry; entry = entry.next) {
    if (entry.session === session) return entry
  }
  return undefined
}

/**
 * `pathname` + `search` of a `Request`'s URL, which is already serialized (http or https, with a
 * path): cut out of the string instead of parsing it again with `new URL` (~2 µs per request).
 */
export function pathAndQuery(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start === -1) return '/'
  const hash = url.indexOf('#', start)
  const end = hash === -1 ? url.length : hash
  // An empty query (`/path?`) has an empty `search`.
  return url.indexOf('?', start) === end - 1 ? url.slice(start, end - 1) : url.slice(start, end)
}

/** The neutral description of a Web `Request`; the peer address is the runtime's to tell. */
export function webRequestContext(
  request: Request,
  remoteAddress: string | undefined,
  trustProxy?: TrustProxy,
): RequestContext {
  const { url } = request
  const header = (name: string): string | undefined => request.headers.get(name) ?? undefined
  const context: RequestContext = {
    cookieHeader: header('cookie'),
    method: request.method.toUpperCase(),
    url: pathAndQuery(url),
    header,
    remoteAddress,
    encrypted: url.startsWith('https:'),
  }
  if (trustProxy !== undefined) context.trustProxy = trustProxy
  return context
}

/**
 * The peer address from `@hono/node-server`'s bindings (`{ incoming }`, the second argument it
 * passes to a fetch handler and Hono's `c.env`); undefined for anything else.
 */
export function nodeServerAddress(bindings: unknown): string | undefined {
  if (typeof bindings !== 'object' || bindings === null) return undefined
  const server = (bindings as { server?: unknown }).server
  const source = (typeof server === 'object' && server !== null ? server : bindings) as {
    incoming?: { socket?: { remoteAddress?: unknown } }
  }
  const address = source.incoming?.socket?.remoteAddress
  return typeof address === 'string' ? address : undefined
}

/**
 * Check a Fetch-API adapter's arguments once, listing every problem.
 * @throws {ConfigError}
 */
export function checkWebOptions(
  sessions: unknown,
  opts: WebSessionOptions<string> & { getClientAddress?: unknown },
): CheckedAdapterOptions {
  const issues: ConfigIssue[] = []
  if (opts.getClientAddress !== undefined && typeof opts.getClientAddress !== 'function') {
    issues.push({ path: 'getClientAddress', message: 'expected a function' })
  }
  let checked: CheckedAdapterOptions | undefined
  try {
    checked = checkAdapterOptions(sessions, opts)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    issues.unshift(...error.issues)
  }
  if (checked === undefined || issues.length > 0) throw new ConfigError(issues)
  return checked
}
