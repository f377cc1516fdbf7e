/**
 * node:http: bare hello world (`BENCH_STORE=none`), or sessionkit's middleware called with a
 * `next` of its own, as docs/express.md shows for plain node:http.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { BLOB, childEnv, listen, wantsBig } from './child.js'
import { benchSessions, sessionkit } from './sessionkit.js'

const env = childEnv()

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const s = req.session
  switch (req.url?.split('?', 1)[0]) {
    case '/read':
      res.end(`views: ${String(s.get('views'))}`)
      return
    case '/incr':
    case '/big':
      res.end(`views: ${s.increment('views')}`)
      return
    case '/contend':
      // Awaited work (a database call, say) before the write: requests on one session overlap.
      await sleep(1)
      res.end(`views: ${s.increment('views')}`)
      return
    case '/regen':
      await s.regenerate()
      res.end('regenerated')
      return
    case '/seed':
      s.put(wantsBig(req.url) ? { views: 0, blob: BLOB } : { views: 0 })
      res.end('seeded')
      return
    default:
      res.end('hello')
  }
}

if (env.store === 'none') {
  listen(createServer((_req, res) => res.end('hello')))
} else {
  const { sessions, close } = await benchSessions(env)
  const { session } =
    await sessionkit<typeof import('../../src/adapters/express.js')>('adapters/express.js')
  const withSession = session(sessions)
  const server = createServer((req, res) => {
    withSession(req, res, (err) => {
      if (err) {
        res.statusCode = (err as { status?: number }).status ?? 500
        res.end()
        return
      }
      route(req, res).catch(() => {
        res.statusCode = 500
        res.end()
      })
    })
  })
  listen(server, close)
}
