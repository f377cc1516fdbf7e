// The routes every adapter scenario runs against, written once in node:http terms (req, res) so
// the same handlers serve Express 4, Express 5, Connect and plain node:http.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Handler } from './harness.js'

function text(res: ServerResponse, body: string, status = 200): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.end(body)
}

function redirect(res: ServerResponse, location: string): void {
  res.statusCode = 302
  res.setHeader('Location', location)
  res.end()
}

/** Resolves each time a route's `res.end` callback fires (see `GET /end-callback`). */
export const endCallbacks: Array<() => void> = []

/** Resolves when `GET /hang` has changed the session (it never answers). */
export const hangStarted: Array<() => void> = []

export function appRoutes(): Record<string, Handler> {
  return {
    'GET /plain': (_req, res) => text(res, 'plain'),
    'GET /views': (req, res) => text(res, String(req.session.increment('views'))),
    'GET /data': (req, res) => text(res, JSON.stringify(req.session.all())),
    'GET /id': (req, res) => text(res, req.session.id ?? 'none'),
    'GET /meta': (req, res) => text(res, JSON.stringify(req.session.meta)),
    'POST /user': (req, res) => {
      req.session.set('user', 'ann')
      text(res, 'saved')
    },
    'POST /flash': (req, res) => {
      req.session.flash('message', 'Saved')
      redirect(res, '/message')
    },
    'GET /message': (req, res) => text(res, String(req.session.getFlash('message', ''))),
    'POST /regenerate': async (req, res) => {
      await req.session.regenerate()
      text(res, 'regenerated')
    },
    'POST /logout': async (req, res) => {
      await req.session.logout()
      text(res, 'bye')
    },
    'GET /cookies-setheader': (req, res) => {
      res.setHeader('Set-Cookie', ['a=1', 'b=2'])
      text(res, String(req.session.increment('views')))
    },
    'GET /cookies-writehead': (req, res) => {
      req.session.increment('views')
      res.writeHead(200, { 'Set-Cookie': 'c=3', 'Content-Type': 'text/plain' })
      res.end('ok')
    },
    'GET /cookies-writehead-array': (req, res) => {
      req.session.increment('views')
      res.setHeader('X-Before', 'kept')
      res.writeHead(200, 'Fine', ['Set-Cookie', 'd=4', 'Set-Cookie', 'e=5'])
      res.end('ok')
    },
    'GET /vary': (req, res) => {
      res.setHeader('Vary', 'Accept-Encoding')
      text(res, String(req.session.increment('views')))
    },
    'GET /cacheable': (req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=600')
      text(res, String(req.session.increment('views')))
    },
    'POST /big': (req, res) => {
      req.session.set('blob', 'x'.repeat(2048))
      res.setHeader('Set-Cookie', 'app=1')
      text(res, 'stored')
    },
    'POST /big-writehead': (req, res) => {
      req.session.set('blob', 'x'.repeat(2048))
      res.writeHead(200, { 'Content-Type': 'text/plain', 'X-App': '1' })
      res.end('stored')
    },
    'GET /stream': (req, res) => {
      req.session.increment('views')
      res.setHeader('Content-Type', 'text/plain')
      res.write('a')
      res.write('b')
      res.end('c')
    },
    'GET /late-start': (req, res) => {
      res.write('partial')
      try {
        req.session.set('late', true)
        res.end(':accepted')
      } catch (error) {
        res.end(`:${(error as Error).name}`)
      }
    },
    'GET /double-end': (req, res) => {
      req.session.increment('views')
      res.end('first')
      res.end('second')
    },
    'GET /end-callback': (req, res) => {
      req.session.increment('views')
      res.end('ok', () => endCallbacks.shift()?.())
    },
    'GET /hang': (req) => {
      req.session.increment('views')
      hangStarted.shift()?.()
    },
    'GET /reserved-keys': async (req: IncomingMessage, res) => {
      req.session.set('then', 'not a thenable')
      req.session.set('save', 'data')
      req.session.set('id', 'data too')
      const awaited = await req.session
      text(res, String(awaited === req.session))
    },
  }
}
