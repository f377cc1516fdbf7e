/**
 * Peer: Fastify 5 + @fastify/cookie + @fastify/session on its default (memory) store,
 * `saveUninitialized: false`.
 */
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import Fastify from 'fastify'
import { BLOB, ready, wantsBig } from './child.js'

const app = Fastify()
await app.register(fastifyCookie)
await app.register(fastifySession, {
  secret: 'bench-secret-bench-secret-bench-secret',
  cookie: { secure: false },
  saveUninitialized: false,
})
app.get('/hello', async () => 'hello')
app.get('/read', async (request) => `views: ${String(request.session.get('views'))}`)
const incr = async (request: {
  session: { get(k: string): unknown; set(k: string, v: unknown): void }
}) => {
  const views = Number(request.session.get('views') ?? 0) + 1
  request.session.set('views', views)
  return `views: ${views}`
}
app.get('/incr', incr)
app.get('/big', incr)
app.get('/regen', async (request) => {
  await request.session.regenerate()
  return 'regenerated'
})
app.get('/seed', async (request) => {
  request.session.set('views', 0)
  if (wantsBig(request.url)) request.session.set('blob', BLOB)
  return 'seeded'
})
await app.listen({ port: 0, host: '127.0.0.1' })
ready(app.server)
