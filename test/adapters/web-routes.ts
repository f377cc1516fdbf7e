// The routes of app-routes.ts in Fetch-API terms (same paths, same observable behaviour), for
// the adapters built on Web Request/Response; plus routes only those adapters have (immutable
// redirects, throwing handlers, streamed bodies).
import { hangStarted } from './app-routes.js'
import type { WebHandler } from './web-harness.js'

/**
 * The platform's own `Response.redirect`, taken before @hono/node-server swaps the global
 * Response class for its lightweight one (whose redirects have mutable headers): the headers of
 * what it returns are immutable, as on Deno, Bun and Workers.
 */
export const immutableRedirect: typeof Response.redirect = Response.redirect.bind(Response)

function text(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers },
  })
}

function withCookies(body: string, cookies: string[]): Response {
  const response = text(body)
  for (const cookie of cookies) response.headers.append('Set-Cookie', cookie)
  return response
}

export function webRoutes(): Record<string, WebHandler> {
  return {
    'GET /plain': () => text('plain'),
    'GET /views': (_req, { session }) => text(String(session.increment('views'))),
    'GET /data': (_req, { session }) => text(JSON.stringify(session.all())),
    'GET /id': (_req, { session }) => text(session.id ?? 'none'),
    'GET /meta': (_req, { session }) => text(JSON.stringify(session.meta)),
    'POST /user': (_req, { session }) => {
      session.set('user', 'ann')
      return text('saved')
    },
    'POST /flash': (_req, { session }) => {
      session.flash('message', 'Saved')
      return new Response(null, { status: 302, headers: { Location: '/message' } })
    },
    'POST /flash-redirect': (request, { session }) => {
      session.flash('message', 'Saved')
      return immutableRedirect(new URL('/message', request.url).href, 303)
    },
    'GET /message': (_req, { session }) => text(String(session.getFlash('message', ''))),
    'POST /regenerate': async (_req, { session }) => {
      await session.regenerate()
      return text('regenerated')
    },
    'POST /logout': async (_req, { session }) => {
      await session.logout()
      return text('bye')
    },
    'GET /cookies-setheader': (_req, { session }) =>
      withCookies(String(session.increment('views')), ['a=1', 'b=2']),
    'GET /cookies-writehead': (_req, { session }) => {
      session.increment('views')
      return new Response('ok', { headers: { 'Set-Cookie': 'c=3', 'Content-Type': 'text/plain' } })
    },
    'GET /cookies-writehead-array': (_req, { session }) => {
      session.increment('views')
      const headers = new Headers([
        ['X-Before', 'kept'],
        ['Set-Cookie', 'd=4'],
        ['Set-Cookie', 'e=5'],
      ])
      return new Response('ok', { status: 200, statusText: 'Fine', headers })
    },
    'GET /vary': (_req, { session }) =>
      text(String(session.increment('views')), 200, { Vary: 'Accept-Encoding' }),
    'GET /cacheable': (_req, { session }) =>
      text(String(session.increment('views')), 200, { 'Cache-Control': 'public, max-age=600' }),
    'POST /big': (_req, { session }) => {
      session.set('blob', 'x'.repeat(2048))
      return withCookies('stored', ['app=1'])
    },
    'POST /big-writehead': (_req, { session }) => {
      session.set('blob', 'x'.repeat(2048))
      return text('stored', 200, { 'X-App': '1' })
    },
    'GET /hang': (request, { session }) => {
      session.increment('views')
      hangStarted.shift()?.()
      // Never answers; rejects when the client goes away (the server aborts request.signal).
      return new Promise((_resolve, reject) => {
        request.signal.addEventListener('abort', () => reject(new Error('client went away')))
      })
    },
    'GET /reserved-keys': async (_req, { session }) => {
      session.set('then', 'not a thenable')
      session.set('save', 'data')
      session.set('id', 'data too')
      const awaited = await session
      return text(String(awaited === session))
    },
    'POST /throw': (_req, { session }) => {
      session.set('user', 'ann')
      throw new Error('handler failed')
    },
    'GET /web-stream': (_req, { session }) => {
      session.increment('views')
      const encoder = new TextEncoder()
      let step = 0
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (step++ === 0) {
            controller.enqueue(encoder.encode('partial'))
            return
          }
          try {
            session.set('late', true)
            controller.enqueue(encoder.encode(':accepted'))
          } catch (error) {
            controller.enqueue(encoder.encode(`:${(error as Error).name}`))
          }
          controller.close()
        },
      })
      return new Response(body, { headers: { 'Content-Type': 'text/plain' } })
    },
  }
}
