/**
 * The Fastify 5 adapter: a plugin that loads the session in `onRequest` and saves it in `onSend`,
 * before the headers are written, and `csrf()` as a `preHandler` hook.
 */
import type { IncomingMessage } from 'node:http'
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify'
import { SessionError } from '../core/errors.js'
import type { SessionData } from '../core/paths-types.js'
import { commitIsEmpty } from '../core/request-session.js'
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
import { addPlanHeaders, replyHeaders } from './fastify-headers.js'
import {
  abandon,
  findOpened,
  OPENED,
  Opened,
  openedOn,
  release,
  trustOf,
  watch,
} from './fastify-opened.js'
import { requestContext } from './node-context.js'
import { appendVary } from './plan-headers.js'

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

/** The neutral description of a Fastify request. */
function fastifyContext(request: FastifyRequest, trustProxy?: TrustProxy): RequestContext {
  const context = requestContext(request.raw as IncomingMessage, trustProxy)
  context.url = request.originalUrl
  return context
}

/** The save failed (or the session is too large): the reply becomes that error. */
async function fail(opened: Opened, reply: FastifyReply, error: unknown): Promise<never> {
  opened.phase = 'aborted'
  await release(opened.rs)
  // The error response replaces the prepared one: none of its headers (cookies, Location).
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name)
  reply.code(SessionError.is(error) ? error.status : 500)
  throw error
}

async function register(fastify: FastifyInstance, options: SessionkitPluginOptions<object>) {
  const { sessions } = options ?? {}
  const { property, trustProxy } = checkAdapterOptions(sessions, options ?? {})
  const trust = trustProxy ?? sessions.trustProxy
  fastify.decorateRequest(property, null)
  if (!fastify.hasRequestDecorator(OPENED)) fastify.decorateRequest(OPENED, null)

  const attach = (request: FastifyRequest, opened: Opened, rs: RequestSession<object>): void => {
    opened.rs = rs
    const slots = request as unknown as Record<string | symbol, unknown>
    slots[OPENED] = opened
    slots[property] = rs.session
  }

  // Callback-style: a request without a session cookie costs no promise.
  fastify.addHook('onRequest', (request, reply, done) => {
    const context = fastifyContext(request, trustProxy)
    const opened = new Opened(sessions, property, trust, reply, openedOn(request))
    const fresh = openWithoutCookie(sessions, context, opened)
    if (fresh !== null) {
      attach(request, opened, fresh)
      done()
      return
    }
    sessions.open(context).then((rs) => {
      attach(request, opened, rs)
      watch(opened)
      done()
    }, done)
  })

  // Saved before the payload moves on, so a redirect never outruns the save. Fastify takes
  // either form of hook: `done()` when there is nothing to save (an untouched session, a read
  // within touchAfter), so no promise and no microtask; a promise otherwise.
  fastify.addHook('onSend', (request, reply, _payload, done) => {
    const opened = findOpened(request, sessions)
    if (opened?.phase !== 'open') return done()
    opened.phase = 'ending'
    const { rs } = opened
    let plan: ResponsePlan
    try {
      plan = rs.finalize()
    } catch (error) {
      return fail(opened, reply, error)
    }
    if (commitIsEmpty(rs)) {
      opened.phase = 'done'
      addPlanHeaders(reply, plan)
      return done()
    }
    return rs.commit().then(
      () => {
        opened.phase = 'done'
        addPlanHeaders(reply, plan)
      },
      (error: unknown) => fail(opened, reply, error),
    )
  })

  fastify.addHook('onError', async (request) => {
    const opened = findOpened(request, sessions)
    if (opened !== null) await abandon(opened)
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
      trust: trustOf(request, gate.property),
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
  const found = findOpened(request, sessions as unknown as Sessions<object>)?.rs.session
  if (!found) {
    throw new Error(
      'sessionkit: no session for this request: register sessionkitPlugin with this sessions object',
    )
  }
  return found as unknown as Session<T>
}
