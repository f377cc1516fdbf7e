// The Fetch-API adapters under test (sessionkit/fetch, sessionkit/hono): each builds a node:http
// handler through @hono/node-server's getRequestListener from session mounts and adapter-neutral
// Web routes, so the shared scenario table runs against them through a real server.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { withSession } from '../../src/adapters/fetch.js'
import { sessionMiddleware } from '../../src/adapters/hono.js'
import type { Session } from '../../src/core/types.js'
import type { Mount } from './harness.js'

/** What a Web route sees: the default session and, by property, any other mounted one. */
export interface WebRouteContext {
  session: Session
  get(property: string): Session | undefined
}

/** An adapter-neutral route, in Fetch-API terms. */
export type WebHandler = (request: Request, ctx: WebRouteContext) => Response | Promise<Response>

/** A Fetch-API framework: builds a node:http handler from session mounts and Web routes. */
export interface WebAdapter {
  name: string
  kind: 'web'
  app(
    mounts: Mount[],
    routes: Record<string, WebHandler>,
  ): (req: IncomingMessage, res: ServerResponse) => void
}

/**
 * A node:http handler over a fetch handler. `native: true` keeps the platform's own Request and
 * Response classes (as on Deno, Bun, Workers) instead of @hono/node-server's lightweight ones.
 */
export function listener(
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>,
  native = false,
): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = getRequestListener(fetch, { overrideGlobalObjects: !native })
  return (req, res) => void handle(req, res)
}

/** sessionkit/fetch: nested `withSession` per mount around a path router. */
export const fetchAdapter: WebAdapter = {
  name: 'fetch',
  kind: 'web',
  app(mounts, routes) {
    const route = async (request: Request, ctx: unknown): Promise<Response> => {
      const handler = routes[`${request.method} ${new URL(request.url).pathname}`]
      if (!handler) return new Response('not found', { status: 404 })
      const vars = ctx as Record<string, Session | undefined>
      return handler(request, { session: vars['session'] as Session, get: (p) => vars[p] })
    }
    let fetch: (request: Request, ctx?: unknown) => Promise<Response> = route
    for (const { sessions, options } of [...mounts].reverse()) {
      fetch = withSession(sessions, fetch, options)
    }
    return listener(fetch, true)
  },
}

/** sessionkit/hono: one `sessionMiddleware` per mount, routes through Hono's router. */
export const honoAdapter: WebAdapter = {
  name: 'Hono',
  kind: 'web',
  app(mounts, routes) {
    const app = new Hono()
    app.onError((error, c) =>
      error instanceof HTTPException ? error.getResponse() : c.text(`error: ${error.name}`, 500),
    )
    for (const { sessions, options } of mounts) app.use(sessionMiddleware(sessions, options))
    for (const [key, handler] of Object.entries(routes)) {
      const [method, path] = key.split(' ') as [string, string]
      app.on(method, path, (c) =>
        handler(c.req.raw, {
          session: c.get('session' as never) as Session,
          get: (p) => c.get(p as never) as Session | undefined,
        }),
      )
    }
    return listener(app.fetch)
  },
}
