/**
 * The Fastify 5 adapter: a plugin that loads the session in `onRequest` and saves it in `onSend`,
 * before the headers are written, and `csrf()` as a `preHandler` hook.
 */
import type { IncomingMessage } from 'node:http'
import { debuglog } from 'node:util'
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify'
import { SessionError } from '../core/errors.js'
import type { SessionData } from '../core/paths-types.js'
import { openWithoutCookie } from '../core/sessions.js'
import type {
  RequestContext,
  RequestSession,
  ResponsePlan,
  Session,
  Sessions,
  TrustProxy,
} from '../core/types.js'
import { type AdapterOptions, checkAdapterOptions } from './adapter-options.js'
import { type AdapterCsrfOptions, createCsrfGate } from './csrf-gate.js'
import { requestContext } from './node-context.js'
import { OpenedSessions } from './opened-sessions.js'
import { appendVary, applyResponsePlan, type HeaderAccess, headerValues } from './plan-headers.js'

const debug = debuglog('sessionkit')

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The request's session, set by `sessionkitPlugin` (with untyped data; see `sessionOf` for
     * typed access). Another `property` option puts a second session system under another name.
     */
    session: Session<SessionData>
  }
}

/** Options of {@link sessionkitPlugin}. Checked once, at registration. */
export interface SessionkitPluginOptions<T extends object = SessionData> extends AdapterOptions {
  /** The object `createSessions()` returned. */
  sessions: Sessions<T>
}

/** Options of the Fastify {@link csrf} hook. */
export type CsrfHookOptions = AdapterCsrfOptions

type Phase = 'open' | 'ending' | 'done' | 'aborted'
interface Entry {
  rs: RequestSession<object>
  phase: Phase
}

const opened = new OpenedSessions<FastifyRequest>()

/** The neutral description of a Fastify request. */
function fastifyContext(request: FastifyRequest, trustProxy?: TrustProxy): RequestContext {
  const context = requestContext(request.raw as IncomingMessage, trustProxy)
  context.url = request.originalUrl
  return context
}

function replyHeaders(reply: FastifyReply): HeaderAccess {
  return {
    get: (name) => headerValues(reply.getHeader(name)),
    set: (name, value) => {
      // reply.header appends to an existing Set-Cookie: remove first to replace.
      reply.removeHeader(name)
      reply.header(name, value)
    },
  }
}

function release(rs: RequestSession<object>): Promise<void> {
  return rs.abort().catch((error: unknown) => {
    debug('session abort failed (%s)', error instanceof Error ? error.name : typeof error)
  })
}

async function register(fastify: FastifyInstance, options: SessionkitPluginOptions<object>) {
  const { sessions } = options ?? {}
  const { property, trustProxy } = checkAdapterOptions(sessions, options ?? {})
  const trust = trustProxy ?? sessions.trustProxy
  const entries = new WeakMap<FastifyRequest, Entry>()
  fastify.decorateRequest(property, null)

  const attach = (request: FastifyRequest, rs: RequestSession<object>): void => {
    entries.set(request, { rs, phase: 'open' })
    opened.record(request, sessions, rs.session, property, trust)
    ;(request as unknown as Record<string, unknown>)[property] = rs.session
  }

  // Callback-style hooks: a request without a session cookie costs no promise.
  fastify.addHook('onRequest', (request, _reply, done) => {
    const context = fastifyContext(request, trustProxy)
    const fresh = openWithoutCookie(sessions, context)
    if (fresh !== null) {
      attach(request, fresh)
      done()
      return
    }
    sessions.open(context).then((rs) => {
      attach(request, rs)
      done()
    }, done)
  })

  fastify.addHook('onSend', async (request, reply, payload) => {
    const entry = entries.get(request)
    if (entry?.phase !== 'open') return payload
    entry.phase = 'ending'
    let plan: ResponsePlan
    try {
      plan = entry.rs.finalize()
      // Saved before the payload moves on, so a redirect never outruns the save.
      await entry.rs.commit()
    } catch (error) {
      entry.phase = 'aborted'
      await release(entry.rs)
      // The error response replaces the prepared one: none of its headers (cookies, Location).
      for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name)
      reply.code(SessionError.is(error) ? error.status : 500)
      throw error
    }
    entry.phase = 'done'
    applyResponsePlan(replyHeaders(reply), plan)
    return payload
  })

  // A failed request persists nothing; a request that ends without onSend (client gone, reply
  // hijacked) releases what it holds (a 'lock'-mode lock).
  const abandon = async (request: FastifyRequest): Promise<void> => {
    const entry = entries.get(request)
    if (entry?.phase !== 'open') return
    entry.phase = 'aborted'
    await release(entry.rs)
  }
  fastify.addHook('onError', abandon)
  fastify.addHook('onRequestAbort', abandon)
  fastify.addHook('onResponse', (request, _reply, done) => {
    if (entries.get(request)?.phase !== 'open') done()
    else abandon(request).then(() => done(), done)
  })
}

/**
 * Session plugin for Fastify 5. Register it with `{ sessions }` (and optionally `property`,
 * `trustProxy`); it is not encapsulated, so `request.session` is there in every route of the
 * instance, also in routes of plugins registered alongside.
 *
 * A request with a well-formed session cookie costs one store read in `onRequest`; a request
 * without one costs nothing until the session is written to. The session is saved in `onSend`,
 * before the headers are written, and its `Set-Cookie`, `Cache-Control: no-store` and
 * `Vary: Cookie` are added to those other plugins set. A store outage is `StoreUnavailable`
 * (503) through Fastify's error handling; a session too large to store (`SessionTooLarge`, 413)
 * or a save that fails replaces the reply with that error. A request that fails (`onError`)
 * persists nothing.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { createSessions } from 'sessionkit'
 * import { sessionkitPlugin } from 'sessionkit/fastify'
 *
 * const app = Fastify()
 * await app.register(sessionkitPlugin, { sessions: createSessions() })
 * app.get('/', async (request) => `views: ${request.session.increment('views')}`)
 * ```
 * @throws {ConfigError} at registration, for bad options.
 */
export const sessionkitPlugin: FastifyPluginAsync<SessionkitPluginOptions<object>> = Object.assign(
  register,
  {
    // fastify-plugin's convention, without the dependency: not encapsulated, and named.
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'sessionkit',
    [Symbol.for('plugin-meta')]: { name: 'sessionkit', fastify: '5.x' },
  },
)

/**
 * CSRF protection as a `preHandler` hook, for unsafe methods (POST, PUT, PATCH, DELETE, also via
 * method override): rejects cross-site requests by `Sec-Fetch-Site`, else by an exact
 * `Origin`/`Referer` match, then requires a valid token (`request.session.csrfToken()`) in
 * `x-csrf-token`/`x-xsrf-token` or the `_csrf` field of the parsed body (`request.body`) — never
 * the query string. Failures go to Fastify's error handling as a `CsrfError` (403) with a
 * `reason`. `spa: true` also keeps a readable `XSRF-TOKEN` cookie for Angular/axios.
 *
 * @example
 * ```ts
 * await app.register(sessionkitPlugin, { sessions })
 * app.addHook('preHandler', csrf()) // or per route: { preHandler: csrf() }
 * app.get('/form', async (request) => ({ csrf: request.session.csrfToken() }))
 * app.post('/transfer', async () => 'done') // needs the token in x-csrf-token or body._csrf
 * ```
 * @throws {ConfigError} at creation, for bad options.
 */
export function csrf(opts: CsrfHookOptions = {}): preHandlerAsyncHookHandler {
  const gate = createCsrfGate(opts, 'register sessionkitPlugin before csrf()')
  return async function sessionkitCsrf(request, reply) {
    const verdict = gate.judge({
      request: fastifyContext(request),
      body: request.body,
      session: (request as unknown as Record<string, unknown>)[gate.property],
      trust: opened.trustOf(request, gate.property),
    })
    if (verdict.vary) appendVary(replyHeaders(reply), ['Origin', 'Sec-Fetch-Site'])
    if (verdict.error) throw verdict.error
    if (verdict.setCookie !== null) reply.header('set-cookie', verdict.setCookie)
  }
}

/**
 * The typed session that `sessions` opened for `request` (whatever `property` it was
 * registered under).
 *
 * @example
 * ```ts
 * const sessions = createSessions<{ cart: string[] }>()
 * app.post('/cart', async (request, reply) => {
 *   sessionOf(request, sessions).push('cart', 'sku-1')
 *   return reply.redirect('/cart', 303)
 * })
 * ```
 * @throws {Error} when the plugin was not registered with this sessions object.
 */
export function sessionOf<T extends object>(
  request: FastifyRequest,
  sessions: Sessions<T>,
): Session<T> {
  const found = opened.find(request, sessions)
  if (!found) {
    throw new Error(
      'sessionkit: no session for this request: register sessionkitPlugin with this sessions object',
    )
  }
  return found
}
