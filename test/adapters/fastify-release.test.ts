// sessionkit/fastify: what a request that never reaches onSend leaves behind (a client gone
// while the store was read, a hijacked reply), and how the session's headers join those set by
// the app (the plugin's own header code, next to the shared applyResponsePlan).
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { describe, it } from 'node:test'
import Fastify, { type FastifyReply } from 'fastify'
import { addPlanHeaders, replyHeaders } from '../../src/adapters/fastify-headers.js'
import { applyResponsePlan } from '../../src/adapters/plan-headers.js'
import { HeadersSent } from '../../src/core/errors.js'
import type { ResponsePlan } from '../../src/core/types.js'
import { serve } from './fastify-serve.js'

describe('sessionkit/fastify: a request that never reaches onSend', () => {
  it("'lock' mode: a client gone while its session was read: no lock held, nothing saved", async (t) => {
    let holdReads = false
    let readStarted = () => {}
    let finishRead = () => {}
    const { app, client, port } = await serve(
      t,
      (app) => {
        app.get('/views', async (request) => String(request.session.increment('views')))
      },
      { concurrency: 'lock', lock: { ttl: '30s', timeout: '500ms' } },
      (memory) => ({
        get: async (key) => {
          if (holdReads) {
            readStarted()
            await new Promise<void>((resolve) => {
              finishRead = resolve
            })
          }
          return memory.get(key)
        },
      }),
    )
    assert.equal((await client.request('/views')).body, '1')
    const closed = new Promise<void>((resolve) => {
      app.server.once('request', (_req, res) => res.once('close', () => resolve()))
    })
    const reading = new Promise<void>((resolve) => {
      readStarted = resolve
    })
    holdReads = true
    const socket = connect(port, '127.0.0.1')
    socket.write(`GET /views HTTP/1.1\r\nHost: x\r\nCookie: ${client.jar.header()}\r\n\r\n`)
    await reading
    socket.destroy()
    await closed
    holdReads = false
    finishRead()
    const next = await client.request('/views')
    assert.equal(next.status, 200, 'not blocked by the lock of the request whose client left')
    assert.equal(next.body, '2', 'the abandoned request saved nothing, as one abandoned later')
  })

  it('starting a session once a hijacked reply sent its headers is HeadersSent', async (t) => {
    let thrown: unknown
    const { client } = await serve(t, (app) => {
      app.get('/hijack', (request, reply) => {
        reply.hijack()
        reply.raw.writeHead(200)
        try {
          request.session.set('late', true)
        } catch (error) {
          thrown = error
        }
        reply.raw.end('raw')
      })
    })
    const res = await client.request('/hijack')
    assert.equal(res.body, 'raw')
    assert.ok(thrown instanceof HeadersSent, 'the write is refused, not silently dropped')
    assert.deepEqual(res.setCookies, [])
  })
})

/** The reply's headers as a route left them, for both ways of adding the plan. */
interface Start {
  name: string
  raw?: Record<string, string | string[]>
  reply?: Record<string, string | string[]>
}

const starts: Start[] = [
  { name: 'no headers' },
  { name: 'a cookie of the app', reply: { 'set-cookie': 'app=1' } },
  { name: 'two cookies of the app', reply: { 'set-cookie': ['a=1', 'b=2'] } },
  { name: 'a cookie through reply.raw', raw: { 'set-cookie': 'raw=1' } },
  { name: 'the same session cookie already', reply: { 'set-cookie': 'sid=abc; Path=/' } },
  { name: 'Cache-Control without no-store', reply: { 'cache-control': 'max-age=60' } },
  { name: 'Cache-Control through reply.raw', raw: { 'cache-control': 'private' } },
  { name: 'no-store already', reply: { 'cache-control': 'no-store, private' } },
  { name: 'Vary of the app', reply: { vary: 'Accept-Encoding' } },
  { name: 'Vary through reply.raw', raw: { vary: 'Origin' } },
  { name: 'Vary: *', reply: { vary: '*' } },
  { name: 'Vary with cookie already', reply: { vary: 'accept, cookie' } },
  { name: 'an empty Vary', reply: { vary: '' } },
]

const plans: ResponsePlan[] = [
  { setCookies: [], noStore: false, varyCookie: false },
  { setCookies: [], noStore: false, varyCookie: true },
  { setCookies: ['sid=abc; Path=/'], noStore: true, varyCookie: true },
  { setCookies: ['sid=abc; Path=/', 'XSRF-TOKEN=x; Path=/'], noStore: true, varyCookie: true },
]

/** The response's headers in the order sent, without the clock's `Date`. */
function sent(headers: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(headers).filter(([name]) => name !== 'date')
}

describe('sessionkit/fastify: the session headers on a reply', () => {
  it('addPlanHeaders sends what applyResponsePlan sends, whatever the app set', async (t) => {
    const app = Fastify()
    t.after(() => app.close())
    const apply: Record<string, (reply: FastifyReply, plan: ResponsePlan) => void> = {
      own: addPlanHeaders,
      shared: (reply, plan) => applyResponsePlan(replyHeaders(reply), plan),
    }
    app.get('/:how/:start/:plan', async (request, reply) => {
      const { how, start, plan } = request.params as Record<string, string>
      const from = starts[Number(start)] as Start
      for (const [name, value] of Object.entries(from.raw ?? {})) reply.raw.setHeader(name, value)
      for (const [name, value] of Object.entries(from.reply ?? {})) reply.header(name, value)
      apply[how ?? '']?.(reply, plans[Number(plan)] as ResponsePlan)
      return 'ok'
    })
    for (const [s, start] of starts.entries()) {
      for (const [p, plan] of plans.entries()) {
        const own = await app.inject({ url: `/own/${s}/${p}` })
        const shared = await app.inject({ url: `/shared/${s}/${p}` })
        assert.deepEqual(
          sent(own.headers),
          sent(shared.headers),
          `${start.name}, plan ${JSON.stringify(plan)}`,
        )
      }
    }
  })
})
