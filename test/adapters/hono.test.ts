// sessionkit/hono through a real server (@hono/node-server's listener around app.fetch): every
// adapter-neutral row of the shared scenario table, the Fetch-API rows, Hono idioms (c.redirect,
// c.header, hono/cookie, onError), csrf(), options and typing.
import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { expectTypeOf } from 'expect-type'
import { Hono, type MiddlewareHandler } from 'hono'
import { setCookie } from 'hono/cookie'
import { HTTPException } from 'hono/http-exception'
import { csrf, type SessionVariables, sessionMiddleware } from '../../src/adapters/hono.js'
import { ConfigError, CsrfError } from '../../src/core/errors.js'
import type { Session, SessionsOptions } from '../../src/core/types.js'
import { createSessions } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createTestClient, type TestClient } from '../../src/testing/test-client.js'
import { cookieValue, records, spyStore } from './harness.js'
import { scenarios } from './scenarios.js'
import { webScenarios } from './scenarios-web.js'
import { type CsrfAppFactory, describeCsrf } from './web-csrf-cases.js'
import { honoAdapter, listener } from './web-harness.js'

describe('sessionkit/hono: the shared scenario table', () => {
  for (const scenario of [...scenarios, ...webScenarios]) {
    if (scenario.nodeOnly !== undefined) continue
    const options = scenario.todo === undefined ? {} : { todo: scenario.todo }
    it(scenario.name, options, (t) => scenario.run(honoAdapter, t))
  }
})

const csrfApp: CsrfAppFactory = (sessions, options) => {
  const app = new Hono<{ Variables: SessionVariables }>()
  app.use(sessionMiddleware(sessions))
  app.use(csrf(options))
  app.get('/token', (c) => c.text(c.var.session.csrfToken()))
  app.get('/plain', (c) => c.text('plain'))
  app.post('/form', async (c) => c.text(`saved ${(await c.req.parseBody())['title']}`))
  app.post('/json', async (c) => c.text(`saved ${(await c.req.json<{ title: string }>()).title}`))
  return listener(app.fetch)
}

describeCsrf('sessionkit/hono', csrfApp)

type AppData = { views: number; blob?: string; user?: { name: string } }

async function serve(
  t: TestContext,
  build: (app: Hono<{ Variables: SessionVariables<AppData> }>) => void,
  options: Omit<SessionsOptions, 'store'> = {},
): Promise<{ client: TestClient; store: ReturnType<typeof spyStore> }> {
  const store = spyStore(createMemoryStore())
  const sessions = createSessions<AppData>({ ...options, store })
  const app = new Hono<{ Variables: SessionVariables<AppData> }>()
  app.use(sessionMiddleware(sessions))
  build(app)
  const client = await createTestClient(listener(app.fetch))
  t.after(async () => {
    await client.close()
    await sessions.close()
  })
  return { client, store }
}

describe('sessionkit/hono: Hono idioms', () => {
  it('c.redirect after a flash; cookies from hono/cookie and c.header are kept', async (t) => {
    const { client } = await serve(t, (app) => {
      app.post('/save', (c) => {
        c.var.session.flash('message', 'Saved')
        setCookie(c, 'theme', 'dark')
        return c.redirect('/next', 303)
      })
      app.get('/next', (c) => {
        c.header('Vary', 'Accept-Encoding')
        return c.text(c.get('session').getFlash('message', ''))
      })
    })
    const post = await client.request('/save', { method: 'POST' })
    assert.equal(post.status, 303)
    assert.equal(post.headers['location'], '/next')
    assert.equal(cookieValue(post.setCookies, 'theme'), 'dark')
    assert.ok(cookieValue(post.setCookies, 'sid'), 'the session cookie was appended')
    assert.equal(post.headers['cache-control'], 'no-store')
    const next = await client.request('/next')
    assert.equal(next.body, 'Saved')
    assert.equal(next.headers['vary'], 'Accept-Encoding, Cookie')
    assert.equal((await client.request('/next')).body, '')
  })

  it('SessionTooLarge: 413; headers prepared with c.header and setCookie do not leak', async (t) => {
    const { client, store } = await serve(
      t,
      (app) => {
        app.post('/big', (c) => {
          c.header('X-App', '1')
          setCookie(c, 'app', '1')
          c.var.session.set('blob', 'x'.repeat(2048))
          return c.text('stored')
        })
      },
      { maxSize: 1024 },
    )
    const res = await client.request('/big', { method: 'POST' })
    assert.equal(res.status, 413)
    assert.match(res.body, /SESSION_TOO_LARGE/)
    assert.deepEqual(res.setCookies, [])
    assert.equal(res.headers['x-app'], undefined)
    assert.equal(store.calls.set, 0)
  })

  it('a handler that throws: app.onError answers and nothing of the request is persisted', async (t) => {
    const { client, store } = await serve(t, (app) => {
      app.onError((error, c) =>
        error instanceof HTTPException
          ? c.json({ status: error.status }, error.status)
          : c.text('?'),
      )
      app.post('/denied', (c) => {
        c.var.session.set('user', { name: 'ann' })
        throw new HTTPException(401)
      })
    })
    const res = await client.request('/denied', { method: 'POST' })
    assert.equal(res.status, 401)
    assert.deepEqual(JSON.parse(res.body), { status: 401 })
    assert.deepEqual(res.setCookies, [])
    assert.equal(store.calls.set, 0)
    assert.deepEqual(await records(store), [])
  })

  it('a CSRF failure reaches app.onError as an HTTPException whose cause is the CsrfError', async (t) => {
    const { client } = await serve(t, (app) => {
      app.onError((error, c) =>
        error.cause instanceof CsrfError
          ? c.json({ reason: error.cause.reason }, 403)
          : c.text('other', 500),
      )
      app.use(csrf())
      app.post('/submit', (c) => c.text('ran'))
    })
    const res = await client.request('/submit', {
      method: 'POST',
      headers: { 'sec-fetch-site': 'cross-site' },
    })
    assert.equal(res.status, 403)
    assert.deepEqual(JSON.parse(res.body), { reason: 'cross-site' })
  })

  it('csrf() without sessionMiddleware before it is a ConfigError naming the fix', async (t) => {
    const errors: unknown[] = []
    const app = new Hono()
    app.onError((error, c) => {
      errors.push(error)
      return c.text('error', 500)
    })
    app.use(csrf())
    app.get('/', (c) => c.text('ran'))
    const client = await createTestClient(listener(app.fetch))
    t.after(() => client.close())
    assert.equal((await client.request('/')).status, 500)
    assert.ok(errors[0] instanceof ConfigError, 'a ConfigError reached onError')
    assert.match(errors[0].message, /mount sessionMiddleware\(\) before csrf\(\)/)
  })

  it("a Response object a route returns to everyone never carries one client's session cookie to another", async (t) => {
    // A module-level response, as an app might keep for a bodiless answer.
    const shared = new Response(null, { status: 204 })
    const sessions = createSessions({ store: createMemoryStore() })
    t.after(() => sessions.close())
    const app = new Hono<{ Variables: SessionVariables }>()
    app.use(sessionMiddleware(sessions))
    app.post('/login', (c) => {
      c.var.session.set('user', c.req.header('x-user') ?? '')
      return shared
    })
    app.get('/ping', () => shared)
    const sidOf = (res: Response) =>
      res.headers.getSetCookie().filter((line) => line.startsWith('sid='))
    const alice = await app.request('/login', { method: 'POST', headers: { 'x-user': 'alice' } })
    const bob = await app.request('/login', { method: 'POST', headers: { 'x-user': 'bob' } })
    const anonymous = await app.request('/ping')
    assert.equal(sidOf(alice).length, 1, 'alice gets her session cookie')
    assert.equal(sidOf(bob).length, 1, "bob gets his own cookie only, not alice's too")
    assert.notDeepEqual(sidOf(bob), sidOf(alice), 'two sessions, two cookies')
    assert.deepEqual(sidOf(anonymous), [], 'a client that never started a session gets no cookie')
    assert.deepEqual(shared.headers.getSetCookie(), [], 'the shared response itself is untouched')
  })

  it('getClientAddress decides the address recorded on the session', async (t) => {
    const store = createMemoryStore()
    const sessions = createSessions({ store })
    t.after(() => sessions.close())
    const app = new Hono<{ Variables: SessionVariables }>()
    app.use(sessionMiddleware(sessions, { getClientAddress: () => '198.51.100.7' }))
    app.get('/', (c) => c.text(String(c.var.session.increment('views'))))
    assert.equal(await (await app.request('/')).text(), '1')
    const [[, record] = []] = await records(store)
    assert.equal(record?.meta?.ip, '198.51.100.7')
  })

  it('checks its options once, at creation, listing every bad one', () => {
    const sessions = createSessions()
    assert.throws(
      () =>
        sessionMiddleware(sessions, {
          property: 'constructor',
          trustProxy: 'yes' as never,
          getClientAddress: 1 as never,
        }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.map((issue) => issue.path).join() === 'property,trustProxy,getClientAddress',
    )
    assert.throws(() => sessionMiddleware(null as never), ConfigError)
    assert.throws(() => csrf({ spa: { cookieName: 'bad name' } }), ConfigError)
  })
})

describe('sessionkit/hono: typing', () => {
  it('SessionVariables types c.var.session and c.get(), also under another property', () => {
    const sessions = createSessions<AppData>()
    const admin = createSessions<{ role: string }>()
    const app = new Hono<{
      Variables: SessionVariables<AppData> & SessionVariables<{ role: string }, 'admin'>
    }>()
    app.use(sessionMiddleware(sessions))
    app.use(sessionMiddleware(admin, { property: 'admin' }))
    app.get('/', (c) => {
      expectTypeOf(c.var.session).toEqualTypeOf<Session<AppData>>()
      expectTypeOf(c.get('session').get('user.name')).toEqualTypeOf<string | undefined>()
      expectTypeOf(c.var.admin.get('role')).toEqualTypeOf<string | undefined>()
      return c.text('ok')
    })
    expectTypeOf(sessionMiddleware(admin, { property: 'admin' })).toEqualTypeOf<
      MiddlewareHandler<{ Variables: SessionVariables<{ role: string }, 'admin'> }>
    >()
    assert.equal(typeof app.fetch, 'function')
  })
})
