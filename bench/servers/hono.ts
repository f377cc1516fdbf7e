/**
 * Hono 4 on @hono/node-server: hello world without sessions (`BENCH_STORE=none`), or with
 * sessionkit's `sessionMiddleware`.
 */
import type { Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'
import type { SessionVariables } from '../../src/adapters/hono.js'
import { BLOB, childEnv, listen, wantsBig } from './child.js'
import { benchSessions, sessionkit } from './sessionkit.js'

const env = childEnv()
const app = new Hono<{ Variables: SessionVariables }>()
let close = async () => {}
if (env.store !== 'none') {
  const bench = await benchSessions(env)
  close = bench.close
  const { sessionMiddleware } =
    await sessionkit<typeof import('../../src/adapters/hono.js')>('adapters/hono.js')
  app.use(sessionMiddleware(bench.sessions))
  app.get('/read', (c) => c.text(`views: ${String(c.var.session.get('views'))}`))
  app.get('/incr', (c) => c.text(`views: ${c.var.session.increment('views')}`))
  app.get('/big', (c) => c.text(`views: ${c.var.session.increment('views')}`))
  app.get('/regen', async (c) => {
    await c.var.session.regenerate()
    return c.text('regenerated')
  })
  app.get('/seed', (c) => {
    c.var.session.put(wantsBig(c.req.url) ? { views: 0, blob: BLOB } : { views: 0 })
    return c.text('seeded')
  })
}
app.get('/hello', (c) => c.text('hello'))
listen(createAdaptorServer({ fetch: app.fetch }) as Server, close)
