// sessionkit/koa through a real listening server: every row of the shared scenario table, then
// what is Koa's own (a throwing downstream persists nothing, ctx.cookies, streams, csrf).
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { Readable } from 'node:stream'
import { describe, it, type TestContext } from 'node:test'
import { expectTypeOf } from 'expect-type'
import Koa, { type Context, type Middleware } from 'koa'
import { csrf, session, sessionOf } from '../../src/adapters/koa.js'
import { ConfigError } from '../../src/core/errors.js'
import type { Store } from '../../src/core/store.js'
import type { Session, SessionData, Sessions, SessionsOptions } from '../../src/core/types.js'
import { createSessions } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createTestClient, type TestClient } from '../../src/testing/test-client.js'
import { koaAdapter } from './framework-adapters.js'
import { delayedSet, handleOf, spiedSessions, type spyStore } from './harness.js'
import { sidOf } from './scenario-setup.js'
import { scenarios } from './scenarios.js'

describe('sessionkit/koa on Koa 3: the shared scenarios', () => {
  for (const scenario of scenarios) {
    const options =
      scenario.nodeOnly !== undefined
        ? { skip: scenario.nodeOnly }
        : scenario.todo !== undefined
          ? { todo: scenario.todo }
          : {}
    it(scenario.name, options, (t) => scenario.run(koaAdapter, t))
  }
})

interface Served {
  client: TestClient
  sessions: Sessions
  memory: Store
  store: ReturnType<typeof spyStore>
}

/** A JSON body parser, enough for the tests (Koa has none built in). */
const jsonBody: Middleware = async (ctx, next) => {
  if (ctx.is('application/json')) {
    const chunks: Buffer[] = []
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
    ;(ctx.request as { body?: unknown }).body = JSON.parse(Buffer.concat(chunks).toString())
  }
  await next()
}

/** A Koa app with `session()` mounted before `handlers`, behind a real server. */
async function serve(
  t: TestContext,
  handlers: Middleware[],
  options: Omit<SessionsOptions, 'store'> = {},
  overrides: (memory: Store) => Parameters<typeof spyStore>[1] = () => ({}),
): Promise<Served> {
  const { memory, store, sessions } = spiedSessions(options, overrides)
  const app = new Koa()
  app.silent = true
  app.use(jsonBody)
  app.use(session(sessions))
  for (const handler of handlers) app.use(handler)
  const client = await createTestClient(app.callback())
  t.after(async () => {
    await client.close()
    await sessions.close()
  })
  return { client, sessions, memory, store }
}

/** One middleware answering `'METHOD /path'` routes. */
function routes(table: Record<string, (ctx: Context) => unknown>): Middleware {
  return async (ctx, next) => {
    const route = table[`${ctx.method} ${ctx.path}`]
    if (route) await route(ctx as Context)
    else await next()
  }
}

describe('sessionkit/koa: downstream failures and the response', () => {
  it('a downstream that throws persists none of its changes and sends no cookie', async (t) => {
    const { client } = await serve(t, [
      routes({
        'GET /views': (ctx) => {
          ctx.body = String(ctx.session.increment('views'))
        },
        'GET /fail': (ctx) => {
          ctx.session.set('half', 'applied')
          ctx.session.flash('notice', 'never shown')
          ctx.throw(400, 'bad input')
        },
        'GET /data': (ctx) => {
          ctx.body = { data: ctx.session.all(), flash: ctx.session.getFlash('notice') ?? null }
        },
      }),
    ])
    assert.equal((await client.request('/views')).body, '1')
    const failed = await client.request('/fail')
    assert.equal(failed.status, 400)
    assert.equal(failed.body, 'bad input')
    assert.deepEqual(failed.setCookies, [])
    assert.deepEqual(JSON.parse((await client.request('/data')).body), {
      data: { views: 1 },
      flash: null,
    })
  })

  it("'lock' mode: a throwing downstream releases the lock at once", async (t) => {
    const { client } = await serve(
      t,
      [
        routes({
          'GET /views': (ctx) => {
            ctx.body = String(ctx.session.increment('views'))
          },
          'GET /fail': async (ctx) => {
            ctx.session.increment('views')
            throw new Error('boom')
          },
        }),
      ],
      { concurrency: 'lock', lock: { ttl: '30s', timeout: '500ms' } },
    )
    assert.equal((await client.request('/views')).body, '1')
    assert.equal((await client.request('/fail')).status, 500)
    const next = await client.request('/views')
    assert.equal(next.status, 200, 'not blocked by a lock held until its ttl')
    assert.equal(next.body, '2')
  })

  it('ctx.redirect after a flash: the slow save completes before the 302 does', async (t) => {
    const { client, memory, store } = await serve(
      t,
      [
        routes({
          'POST /save': (ctx) => {
            ctx.session.flash('notice', 'Saved')
            ctx.redirect('/done')
          },
          'GET /done': (ctx) => {
            ctx.body = String(ctx.session.getFlash('notice', ''))
          },
        }),
      ],
      {},
      (memory) => ({ set: delayedSet(memory, 50) }),
    )
    const post = await client.request('/save', { method: 'POST' })
    assert.equal(post.status, 302)
    const sid = sidOf(post.setCookies)
    assert.ok(sid, 'a session cookie was set')
    assert.ok(await memory.get(handleOf(sid)), 'stored before the redirect arrived')
    assert.equal(store.calls.set, 1)
    assert.equal((await client.request('/done')).body, 'Saved')
  })

  it('ctx.cookies.set and ctx.append cookies are kept beside the session cookie', async (t) => {
    const { client } = await serve(t, [
      async (ctx, next) => {
        // Runs after the route, before session() applies its headers.
        await next()
        ctx.cookies.set('upstream', '1', { httpOnly: false })
      },
      routes({
        'GET /views': (ctx) => {
          ctx.append('Set-Cookie', 'appended=1')
          ctx.cookies.set('theme', 'dark')
          ctx.body = String(ctx.session.increment('views'))
        },
      }),
    ])
    const res = await client.request('/views')
    assert.deepEqual(
      res.setCookies.map((c) => c.split('=')[0]),
      // Koa's onion: the middleware below session() finishes before the session adds its cookie.
      ['appended', 'theme', 'upstream', 'sid'],
    )
    assert.equal(res.headers['cache-control'], 'no-store')
    assert.equal(res.headers['vary'], 'Cookie')
  })

  it('ctx.respond = false: changes to an existing session are still saved', {
    timeout: 5000,
  }, async (t) => {
    let sets = 0
    let secondSave: () => void = () => {}
    const saved = new Promise<void>((resolve) => {
      secondSave = resolve
    })
    const { client } = await serve(
      t,
      [
        routes({
          'GET /views': (ctx) => {
            ctx.body = String(ctx.session.increment('views'))
          },
          'GET /raw': async (ctx) => {
            ctx.session.increment('views', 10)
            ctx.respond = false
            ctx.res.end('raw')
            // The handler goes on after its response closed; the session is still saved after it.
            await once(ctx.res, 'close')
          },
        }),
      ],
      {},
      (memory) => ({
        set: async (key, record, options) => {
          const written = await memory.set(key, record, options)
          if (++sets === 2) secondSave()
          return written
        },
      }),
    )
    assert.equal((await client.request('/views')).body, '1')
    assert.equal((await client.request('/raw')).body, 'raw')
    await saved
    assert.equal((await client.request('/views')).body, '12')
  })

  it('a stream body is saved before it streams: a failing save is a clean 503', async (t) => {
    const { client } = await serve(
      t,
      [
        routes({
          'GET /stream': (ctx) => {
            ctx.session.increment('views')
            ctx.set('X-App', '1')
            ctx.body = Readable.from(['a', 'b', 'c'])
          },
        }),
      ],
      {},
      () => ({ set: () => Promise.reject(new Error('disk full')) }),
    )
    const res = await client.request('/stream')
    assert.equal(res.status, 503)
    assert.deepEqual(res.setCookies, [])
    assert.equal(res.headers['x-app'], undefined)
  })
})

describe('sessionkit/koa: csrf()', () => {
  const app = (spa = false): Middleware[] => [
    csrf({ spa }),
    routes({
      'GET /token': (ctx) => {
        ctx.body = ctx.session.csrfToken()
      },
      'GET /page': (ctx) => {
        ctx.body = 'page'
      },
      'POST /transfer': (ctx) => {
        ctx.body = 'moved'
      },
    }),
  ]

  it('POST without a token is 403; header or parsed body token is 200; cross-site is 403', async (t) => {
    const { client } = await serve(t, app())
    const token = (await client.request('/token')).body
    const origin = { origin: client.url }
    const missing = await client.request('/transfer', { method: 'POST', headers: origin })
    assert.equal(missing.status, 403)
    assert.match(String(missing.headers['vary']), /Origin, Sec-Fetch-Site/)
    const header = await client.request('/transfer', {
      method: 'POST',
      headers: { ...origin, 'x-csrf-token': token },
    })
    assert.equal(header.status, 200)
    assert.equal(header.body, 'moved')
    const body = await client.request('/transfer', {
      method: 'POST',
      headers: origin,
      body: { _csrf: token },
    })
    assert.equal(body.status, 200)
    const cross = await client.request('/transfer', {
      method: 'POST',
      headers: { 'sec-fetch-site': 'cross-site', 'x-csrf-token': token },
    })
    assert.equal(cross.status, 403)
  })

  it('the CsrfError carries the reason for an upstream error handler', async (t) => {
    const reasons: string[] = []
    const { client } = await serve(t, [
      async (ctx, next) => {
        try {
          await next()
        } catch (error) {
          reasons.push((error as { reason?: string }).reason ?? 'none')
          ctx.status = (error as { status?: number }).status ?? 500
          ctx.body = 'rejected'
        }
      },
      ...app(),
    ])
    await client.request('/token')
    await client.request('/transfer', {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    })
    await client.request('/transfer', { method: 'POST', headers: { origin: client.url } })
    assert.deepEqual(reasons, ['origin-mismatch', 'missing-token'])
  })

  it('spa: a readable XSRF-TOKEN cookie, sent until the client holds a valid one', async (t) => {
    const { client } = await serve(t, app(true))
    const page = await client.request('/page')
    const cookie = page.setCookies.find((c) => c.startsWith('XSRF-TOKEN='))
    assert.ok(cookie, 'the SPA cookie is set')
    assert.doesNotMatch(cookie, /HttpOnly/i)
    assert.deepEqual((await client.request('/page')).setCookies, [])
    const echoed = await client.request('/transfer', {
      method: 'POST',
      headers: {
        'sec-fetch-site': 'same-origin',
        'x-xsrf-token': client.jar.get('XSRF-TOKEN') ?? '',
      },
    })
    assert.equal(echoed.status, 200)
  })

  it('csrf() before session() fails with a ConfigError naming the fix', async (t) => {
    const bare = new Koa()
    bare.silent = true
    const errors: unknown[] = []
    bare.on('error', (error) => errors.push(error))
    bare.use(csrf())
    const client = await createTestClient(bare.callback())
    t.after(() => client.close())
    assert.equal((await client.request('/x', { method: 'POST' })).status, 500)
    assert.ok(errors[0] instanceof ConfigError, 'a ConfigError')
    assert.match(String((errors[0] as Error).message), /mount session\(\) before csrf\(\)/)
  })
})

describe('sessionkit/koa: options and typing', () => {
  const sessions = createSessions({ store: createMemoryStore() })

  it('checks its options once, at creation, listing every bad one', () => {
    assert.throws(
      () => session(sessions, { property: '', trustProxy: -1 }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.map((issue) => issue.path).join() === 'property,trustProxy',
    )
    assert.throws(() => session({} as never), ConfigError)
    assert.throws(() => csrf({ headerNames: ['cookie'] }), ConfigError)
  })

  it('sessionOf throws a clear error when the middleware did not run', () => {
    assert.throws(() => sessionOf({}, sessions), /mount session\(sessions\)/)
  })

  it('ctx.session is an untyped Session; sessionOf is typed; both are Koa middleware', () => {
    const typed = createSessions<{ views: number; user?: { name: string } }>()
    const app = new Koa()
    app.use(session(typed, { property: 'typed' }))
    app.use(csrf())
    app.use((ctx) => {
      expectTypeOf(ctx.session).toEqualTypeOf<Session<SessionData>>()
      const mine = sessionOf(ctx, typed)
      expectTypeOf(mine.get('views')).toEqualTypeOf<number | undefined>()
      expectTypeOf(mine.get('user.name')).toEqualTypeOf<string | undefined>()
      ctx.body = 'ok'
    })
    expectTypeOf<Context['session']>().toEqualTypeOf<Session<SessionData>>()
    assert.equal(typeof session(typed), 'function')
  })
})
