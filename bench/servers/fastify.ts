/**
 * Fastify 5: hello world without sessions (`BENCH_STORE=none`), or with `sessionkitPlugin`.
 */
import Fastify from 'fastify'
import { BLOB, childEnv, ready, wantsBig } from './child.js'
import { benchSessions, sessionkit } from './sessionkit.js'

const env = childEnv()
const app = Fastify()
let close = async () => {}
if (env.store !== 'none') {
  const bench = await benchSessions(env)
  close = bench.close
  const { sessionkitPlugin } =
    await sessionkit<typeof import('../../src/adapters/fastify.js')>('adapters/fastify.js')
  await app.register(sessionkitPlugin, { sessions: bench.sessions })
  app.get('/read', async (request) => `views: ${String(request.session.get('views'))}`)
  app.get('/incr', async (request) => `views: ${request.session.increment('views')}`)
  app.get('/big', async (request) => `views: ${request.session.increment('views')}`)
  app.get('/regen', async (request) => {
    await request.session.regenerate()
    return 'regenerated'
  })
  app.get('/seed', async (request) => {
    request.session.put(wantsBig(request.url) ? { views: 0, blob: BLOB } : { views: 0 })
    return 'seeded'
  })
}
app.get('/hello', async () => 'hello')
await app.listen({ port: 0, host: '127.0.0.1' })
ready(app.server, close)
