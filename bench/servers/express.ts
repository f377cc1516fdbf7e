/**
 * Express 5: hello world without sessions (`BENCH_STORE=none`), or with sessionkit's `session()`.
 */
import { createServer } from 'node:http'
import express from 'express'
import { BLOB, childEnv, listen, wantsBig } from './child.js'
import { benchSessions, sessionkit } from './sessionkit.js'

const env = childEnv()
const app = express()
let close = async () => {}
if (env.store !== 'none') {
  const bench = await benchSessions(env)
  close = bench.close
  const { session } =
    await sessionkit<typeof import('../../src/adapters/express.js')>('adapters/express.js')
  app.use(session(bench.sessions))
  app.get('/read', (req, res) => {
    res.send(`views: ${String(req.session.get('views'))}`)
  })
  const incr = (req: express.Request, res: express.Response) => {
    res.send(`views: ${req.session.increment('views')}`)
  }
  app.get('/incr', incr)
  app.get('/big', incr)
  app.get('/regen', async (req, res) => {
    await req.session.regenerate()
    res.send('regenerated')
  })
  app.get('/seed', (req, res) => {
    req.session.put(wantsBig(req.url) ? { views: 0, blob: BLOB } : { views: 0 })
    res.send('seeded')
  })
}
app.get('/hello', (_req, res) => {
  res.send('hello')
})
listen(createServer(app), close)
