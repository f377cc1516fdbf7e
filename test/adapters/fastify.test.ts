// sessionkit/fastify through a real listening server: every row of the shared scenario table,
// then what is Fastify's own (csrf as a preHandler, failing handlers, hijacked replies, streams).
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it, type TestContext } from 'node:test'
import { expectTypeOf } from 'expect-type'
import Fastify, { type FastifyRequest } from 'fastify'
import { csrf, sessionkitPlugin, sessionOf } from '../../src/adapters/fastify.js'
import { ConfigError } from '../../src/core/errors.js'
import type { Session, SessionData } from '../../src/core/types.js'
import { createSessions } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { serve } from './fastify-serve.js'
import { fastifyAdapter } from './framework-adapters.js'
import { delayedSet, handleOf } from './harness.js'
import { sidOf } from './scenario-setup.js'
import { scenarios } from './scenarios.js'

describe('sessionkit/fastify on Fastify 5: the shared scenarios', () => {
  for (const scenario of scenarios) {
    const options =
      scenario.nodeOnly !== undefined
        ? { skip: scenario.nodeOnly }
        : scenario.todo !== undefined
          ? { todo: scenario.todo }
          : {}
    it(scenario.name, options, (t) => scenario.run(fastifyAdapter, t))
  }
})

describe('sessionkit/fastify: csrf() as a preHandler hook', () => {
  async function csrfApp(t: TestContext, spa = false) {
    return serve(t, (app) => {
      app.get('/token', async (request) => request.session.csrfToken())
      app.post('/transfer', { preHandler: csrf({ spa }) }, async () => 'moved')
      app.get('/page', { preHandler: csrf({ spa }) }, async () => 'page')
    })
  }

  it('POST without a token is 403 missing-token; with the header token it is 200', async (t) => {
    const { client } = await csrfApp(t)
    const token = (await client.request('/token')).body
    const origin = { origin: client.url }
    const missing = await client.request('/transfer', { method: 'POST', headers: origin })
    assert.equal(missing.status, 403)
    assert.match(missing.body, /missing-token/)
    assert.match(String(missing.headers['vary']), /Origin, Sec-Fetch-Site/)
    const ok = await client.request('/transfer', {
      method: 'POST',
      headers: { ...origin, 'x-csrf-token': token },
    })
    assert.equal(ok.status, 200)
    assert.equal(ok.body, 'moved')
    const wrong = await client.request('/transfer', {
      method: 'POST',
      headers: { ...origin, 'x-csrf-token': `${token.slice(0, -2)}AA` },
    })
    assert.equal(wrong.status, 403)
    assert.match(wrong.body, /invalid-token/)
  })

  it('the token in the parsed JSON body (_csrf) is accepted; never from the query string', async (t) => {
    const { client } = await csrfApp(t)
    const token = (await client.request('/token')).body
    const headers = { 'sec-fetch-site': 'same-origin' }
    const body = await client.request('/transfer', {
      method: 'POST',
      headers,
      body: { _csrf: token },
    })
    assert.equal(body.status, 200)
    const query = await client.request(`/transfer?_csrf=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers,
    })
    assert.equal(query.status, 403)
  })

  it('a cross-site Sec-Fetch-Site is 403 cross-site even with a valid token', async (t) => {
    const { client } = await csrfApp(t)
    const token = (await client.request('/token')).body
    const res = await client.request('/transfer', {
      method: 'POST',
      headers: { 'sec-fetch-site': 'cross-site', 'x-csrf-token': token },
    })
    assert.equal(res.status, 403)
    assert.match(res.body, /cross-site/)
  })

  it('a forged Origin is 403 origin-mismatch; safe methods pass untouched', async (t) => {
    const { client } = await csrfApp(t)
    const token = (await client.request('/token')).body
    const res = await client.request('/transfer', {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'x-csrf-token': token },
    })
    assert.equal(res.status, 403)
    assert.match(res.body, /origin-mismatch/)
    const page = await client.request('/page')
    assert.equal(page.status, 200)
    assert.equal(page.headers['vary'], 'Cookie', 'a safe request does not vary on Origin')
  })

  it('spa: a readable XSRF-TOKEN cookie that axios-style clients echo back', async (t) => {
    const { client } = await csrfApp(t, true)
    const page = await client.request('/page')
    const cookie = page.setCookies.find((c) => c.startsWith('XSRF-TOKEN='))
    assert.ok(cookie, 'the SPA cookie is set')
    assert.doesNotMatch(cookie, /HttpOnly/i)
    assert.ok(sidOf(page.setCookies), 'alongside the session cookie')
    const again = await client.request('/page')
    assert.deepEqual(again.setCookies, [], 'a valid SPA cookie is not sent again')
    const echoed = await client.request('/transfer', {
      method: 'POST',
      headers: { origin: client.url, 'x-xsrf-token': client.jar.get('XSRF-TOKEN') ?? '' },
    })
    assert.equal(echoed.status, 200)
  })

  it('without the plugin, csrf() fails the request with a ConfigError naming the fix', async (t) => {
    const app = Fastify()
    app.post('/x', { preHandler: csrf() }, async () => 'x')
    t.after(() => app.close())
    const res = await app.inject({ method: 'POST', url: '/x' })
    assert.equal(res.statusCode, 500)
    assert.match(res.body, /register sessionkitPlugin before csrf\(\)/)
  })
})

describe('sessionkit/fastify: request lifecycle', () => {
  it('a handler that throws persists none of its changes (and sends no cookie)', async (t) => {
    const { client } = await serve(t, (app) => {
      app.get('/views', async (request) => String(request.session.increment('views')))
      app.get('/fail', async (request) => {
        request.session.set('half', 'applied')
        request.session.increment('views', 100)
        throw Object.assign(new Error('boom'), { statusCode: 418 })
      })
      app.get('/data', async (request) => request.session.all())
    })
    assert.equal((await client.request('/views')).body, '1')
    const failed = await client.request('/fail')
    assert.equal(failed.status, 418)
    assert.deepEqual(failed.setCookies, [])
    assert.deepEqual(JSON.parse((await client.request('/data')).body), { views: 1 })
  })

  it("'lock' mode: a failing handler and a hijacked reply both release the lock", async (t) => {
    const { client } = await serve(
      t,
      (app) => {
        app.get('/views', async (request) => String(request.session.increment('views')))
        app.get('/fail', async (request) => {
          request.session.increment('views')
          throw new Error('boom')
        })
        app.get('/hijack', (request, reply) => {
          request.session.increment('views')
          reply.hijack()
          reply.raw.end('raw')
        })
      },
      { concurrency: 'lock', lock: { ttl: '30s', timeout: '500ms' } },
    )
    assert.equal((await client.request('/views')).body, '1')
    assert.equal((await client.request('/fail')).status, 500)
    assert.equal((await client.request('/hijack')).body, 'raw')
    const next = await client.request('/views')
    assert.equal(next.status, 200, 'not blocked by a lock held until its ttl')
    assert.equal(next.body, '2', 'neither the failed nor the hijacked request wrote')
  })

  it('reply.redirect after a flash: the slow save completes before the 302 does', async (t) => {
    const { client, store, memory } = await serve(
      t,
      (app) => {
        app.post('/save', async (request, reply) => {
          request.session.flash('notice', 'Saved')
          return reply.redirect('/done', 303)
        })
        app.get('/done', async (request) => String(request.session.getFlash('notice', '')))
      },
      {},
      (memory) => ({ set: delayedSet(memory, 50) }),
    )
    const post = await client.request('/save', { method: 'POST' })
    assert.equal(post.status, 303)
    const sid = sidOf(post.setCookies)
    assert.ok(sid, 'a session cookie was set')
    assert.ok(await memory.get(handleOf(sid)), 'stored before the redirect arrived')
    assert.equal(store.calls.set, 1)
    assert.equal((await client.request('/done')).body, 'Saved')
  })

  it('a streamed payload is saved before it streams: a failing save is a clean 503', async (t) => {
    const { client } = await serve(
      t,
      (app) => {
        app.get('/stream', async (request, reply) => {
          request.session.increment('views')
          reply.header('set-cookie', 'app=1')
          return reply.type('text/plain').send(Readable.from(['a', 'b', 'c']))
        })
      },
      {},
      () => ({ set: () => Promise.reject(new Error('disk full')) }),
    )
    const res = await client.request('/stream')
    assert.equal(res.status, 503)
    assert.deepEqual(res.setCookies, [], "the prepared reply's headers are not sent")
    assert.doesNotMatch(res.body, /abc/)
  })

  it("cookies set by other hooks with reply.header('set-cookie') are kept", async (t) => {
    const { client } = await serve(t, (app) => {
      app.addHook('onSend', async (_request, reply, payload) => {
        reply.header('set-cookie', 'late=1')
        return payload
      })
      app.get('/views', async (request, reply) => {
        reply.header('set-cookie', 'early=1')
        return String(request.session.increment('views'))
      })
    })
    const res = await client.request('/views')
    assert.deepEqual(
      res.setCookies.map((c) => c.split('=')[0]),
      ['early', 'sid', 'late'],
    )
  })

  it('works for routes of encapsulated plugins and for the 404 handler', async (t) => {
    const { client } = await serve(t, (app) => {
      app.register(async (child) => {
        child.get('/child', async (request) => String(request.session.increment('views')))
      })
      app.setNotFoundHandler(async (request, reply) => {
        return reply.code(404).send(`missing, views ${request.session.get('views') ?? 0}`)
      })
    })
    assert.equal((await client.request('/child')).body, '1')
    assert.equal((await client.request('/child')).body, '2')
    assert.equal((await client.request('/nowhere')).body, 'missing, views 2')
  })
})

describe('sessionkit/fastify: registration and typing', () => {
  it('checks options at registration, listing every bad one', async () => {
    const app = Fastify()
    app.register(sessionkitPlugin, { sessions: {} as never, property: '__proto__' })
    await assert.rejects(
      async () => void (await app.ready()),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.map((issue) => issue.path).join() === 'sessions,property',
    )
  })

  it('two systems under one property is an error at registration; distinct ones work', async (t) => {
    const a = createSessions()
    const b = createSessions({ cookie: { name: 'admin_sid' } })
    t.after(async () => {
      await a.close()
      await b.close()
    })
    const clash = Fastify()
    clash.register(sessionkitPlugin, { sessions: a })
    clash.register(sessionkitPlugin, { sessions: b })
    await assert.rejects(async () => void (await clash.ready()), /session/)
    const both = Fastify()
    both.register(sessionkitPlugin, { sessions: a })
    both.register(sessionkitPlugin, { sessions: b, property: 'admin' })
    both.get('/', async (request) => {
      assert.equal(sessionOf(request, b), (request as unknown as { admin: Session }).admin)
      return `${request.session.increment('n')},${sessionOf(request, b).increment('n', 10)}`
    })
    const res = await both.inject({ url: '/' })
    assert.equal(res.body, '1,10')
    assert.equal(res.cookies.length, 2)
    await both.close()
  })

  it('sessionOf throws a clear error when the plugin did not run', () => {
    assert.throws(
      () => sessionOf({} as FastifyRequest, createSessions({ store: createMemoryStore() })),
      /register sessionkitPlugin/,
    )
  })

  it('request.session is an untyped Session; sessionOf is typed; csrf() is a preHandler', () => {
    const typed = createSessions<{ views: number; user?: { name: string } }>()
    expectTypeOf<FastifyRequest['session']>().toEqualTypeOf<Session<SessionData>>()
    const app = Fastify()
    app.register(sessionkitPlugin, { sessions: typed, property: 'typed', trustProxy: 1 })
    app.get('/', { preHandler: csrf() }, async (request) => {
      const session = sessionOf(request, typed)
      expectTypeOf(session.get('views')).toEqualTypeOf<number | undefined>()
      expectTypeOf(session.get('user.name')).toEqualTypeOf<string | undefined>()
      expectTypeOf(request.session.get('anything')).toEqualTypeOf<unknown>()
      return 'ok'
    })
    app.addHook('preHandler', csrf({ spa: true }))
    assert.equal(typeof sessionkitPlugin, 'function')
  })
})
