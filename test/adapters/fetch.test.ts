// sessionkit/fetch through a real server (@hono/node-server's listener around the fetch handler,
// with the platform's own Request/Response): every adapter-neutral row of the shared scenario
// table, the Fetch-API rows, csrf(), what the fetch handler does with its second argument,
// options and typing.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { expectTypeOf } from 'expect-type'
import { csrf, type FetchHandler, withSession } from '../../src/adapters/fetch.js'
import { ConfigError, CsrfError } from '../../src/core/errors.js'
import type { Session } from '../../src/core/types.js'
import { createSessions } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createTestClient } from '../../src/testing/test-client.js'
import { records, spyStore } from './harness.js'
import { scenarios } from './scenarios.js'
import { webScenarios } from './scenarios-web.js'
import { type CsrfAppFactory, describeCsrf } from './web-csrf-cases.js'
import { fetchAdapter, listener } from './web-harness.js'

describe('sessionkit/fetch: the shared scenario table', () => {
  for (const scenario of [...scenarios, ...webScenarios]) {
    if (scenario.nodeOnly !== undefined) continue
    const options = scenario.todo === undefined ? {} : { todo: scenario.todo }
    it(scenario.name, options, (t) => scenario.run(fetchAdapter, t))
  }
})

const csrfApp: CsrfAppFactory = (sessions, options) =>
  listener(
    withSession(
      sessions,
      csrf(options)(async (request, { session }) => {
        const path = new URL(request.url).pathname
        if (path === '/token') return new Response(session.csrfToken())
        if (path === '/plain') return new Response('plain')
        if (path === '/form') {
          return new Response(`saved ${(await request.formData()).get('title')}`)
        }
        if (path === '/json') {
          return new Response(`saved ${((await request.json()) as { title: string }).title}`)
        }
        return new Response('not found', { status: 404 })
      }),
    ),
    true,
  )

describeCsrf('sessionkit/fetch', csrfApp)

const get = (path = '/'): Request => new Request(`http://localhost${path}`)

describe('sessionkit/fetch: the handler and its context', () => {
  it('csrf() onFailure answers instead of the default 403, with Vary added', async (t) => {
    const sessions = createSessions({ store: createMemoryStore() })
    t.after(() => sessions.close())
    const seen: string[] = []
    const handler = withSession(
      sessions,
      csrf({
        onFailure: (error) => {
          seen.push(error.reason)
          return Response.json({ error: error.code }, { status: 403 })
        },
      })(() => new Response('ran')),
    )
    const res = await handler(new Request('http://localhost/', { method: 'POST' }))
    assert.equal(res.status, 403)
    assert.deepEqual(await res.json(), { error: 'CSRF' })
    assert.deepEqual(seen, ['no-origin'])
    assert.equal(res.headers.get('vary'), 'Origin, Sec-Fetch-Site')
    assert.throws(() => csrf({ onFailure: 'no' as never }), ConfigError)
  })

  it('csrf() outside withSession is a ConfigError naming the fix', async () => {
    const handler = csrf()(() => new Response('ran'))
    await assert.rejects(
      async () => handler(get(), {}),
      (error: unknown) => error instanceof ConfigError && /inside withSession/.test(error.message),
    )
    assert.equal(new CsrfError('cross-site').status, 403)
  })

  it("a plain-object second argument (Next.js's { params }) is merged into ctx", async (t) => {
    const sessions = createSessions({ store: createMemoryStore() })
    t.after(() => sessions.close())
    const handler = withSession<object, { params: { id: string } }>(
      sessions,
      (_request, { session, params }) => new Response(`${params.id}:${session.id ?? 'none'}`),
    )
    const res = await handler(get(), { params: { id: '42' } })
    assert.equal(await res.text(), '42:none')
  })

  it('ctx is what a spread of the second argument makes, plus the session', async (t) => {
    const sessions = createSessions({ store: createMemoryStore() })
    t.after(() => sessions.close())
    const tag = Symbol('tag')
    const hidden = Object.defineProperty({ shown: 1 }, 'hidden', { value: 2, enumerable: false })
    const nullProto = Object.assign(Object.create(null) as object, { a: 1 })
    const seconds: [string, unknown][] = [
      ['none', undefined],
      ['null', null],
      ['a string', 'server'],
      ['an array', ['a']],
      ['a class instance', new (class Info {})()],
      ["@hono/node-server's bindings", { incoming: { a: 1 }, outgoing: { b: 2 } }],
      ['numeric keys, out of order', { b: 1, 2: 'two', a: 3, 1: 'one' }],
      ['a symbol key', { [tag]: 'symbol', plain: true }],
      ['a non-enumerable key', hidden],
      [
        'a getter',
        {
          get computed() {
            return 'got'
          },
        },
      ],
      ['an own __proto__ key', JSON.parse('{"__proto__": {"polluted": true}, "x": 1}')],
      ['a null prototype', nullProto],
      ['its own session key', { session: 'theirs', other: 1 }],
    ]
    for (const [name, second] of seconds) {
      let seen: object = {}
      const handler = withSession(sessions, (_request, ctx) => {
        seen = ctx
        return new Response('ok')
      })
      await handler(get(), second)
      const session = (seen as { session?: unknown }).session
      const expected: Record<PropertyKey, unknown> =
        typeof second === 'object' &&
        second !== null &&
        [Object.prototype, null].includes(Object.getPrototypeOf(second))
          ? { ...second, session }
          : { session }
      assert.equal(Object.getPrototypeOf(seen), Object.prototype, `${name}: a plain object`)
      const keys = Reflect.ownKeys(seen).filter(
        (key) => typeof key !== 'symbol' || key.description !== 'sessionkit.webRequests',
      )
      assert.deepEqual(keys, Reflect.ownKeys(expected), `${name}: the same keys, in order`)
      for (const key of keys) {
        assert.deepEqual(
          Object.getOwnPropertyDescriptor(seen, key),
          Object.getOwnPropertyDescriptor(expected, key),
          `${name}: the same ${String(key)}`,
        )
      }
    }
  })

  it('another second argument is not merged, but getClientAddress gets it', async (t) => {
    const store = createMemoryStore()
    const sessions = createSessions({ store })
    t.after(() => sessions.close())
    class Server {
      requestIP(): { address: string } {
        return { address: '198.51.100.4' }
      }
    }
    const handler = withSession(
      sessions,
      (_request, ctx) => {
        ctx.session.set('seen', true)
        return new Response(JSON.stringify(Object.keys(ctx)))
      },
      { getClientAddress: (_request, server) => (server as Server).requestIP().address },
    )
    const res = await handler(get(), new Server())
    assert.deepEqual(await res.json(), ['session'])
    const [[, record] = []] = await records(store)
    assert.equal(record?.meta?.ip, '198.51.100.4', 'the address was recorded on the session')
  })

  it('a handler that returns no Response is a TypeError and stores nothing', async (t) => {
    const store = spyStore(createMemoryStore())
    const sessions = createSessions({ store })
    t.after(() => sessions.close())
    const handler = withSession(sessions, ({ url }, { session }) => {
      session.set('url', url)
      return 'oops' as unknown as Response
    })
    await assert.rejects(handler(get()), TypeError)
    assert.equal(store.calls.set, 0)
    assert.deepEqual(await records(store), [])
  })

  it('StoreUnavailable on load answers 503 with the code as text; the handler does not run', async (t) => {
    const store = spyStore(createMemoryStore(), {
      get: () => Promise.reject(new Error('connection refused')),
    })
    const sessions = createSessions({ store })
    t.after(() => sessions.close())
    let ran = false
    const client = await createTestClient(
      listener(
        withSession(sessions, () => {
          ran = true
          return new Response('ran')
        }),
        true,
      ),
    )
    t.after(() => client.close())
    const res = await client.request('/', { headers: { cookie: `sid=${'a'.repeat(43)}` } })
    assert.equal(res.status, 503)
    assert.match(res.body, /STORE_UNAVAILABLE/)
    assert.equal(res.headers['cache-control'], 'no-store')
    assert.deepEqual(res.setCookies, [])
    assert.equal(ran, false)
  })

  it('checks its options once, at creation, listing every bad one', () => {
    const sessions = createSessions()
    const handler = (): Response => new Response()
    assert.throws(
      () =>
        withSession(sessions, handler, {
          property: '__proto__',
          trustProxy: -1,
          getClientAddress: 'x' as never,
        }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.map((issue) => issue.path).join() === 'property,trustProxy,getClientAddress',
    )
    assert.throws(() => withSession({} as never, handler), ConfigError)
    assert.throws(() => csrf({ headerNames: ['cookie'] }), ConfigError)
  })
})

describe('sessionkit/fetch: typing', () => {
  it('ctx.session is typed by createSessions<T>; property and csrf() keep the types', () => {
    type AppData = { views: number; user?: { name: string } }
    const sessions = createSessions<AppData>()
    const admin = createSessions<{ role: string }>()
    const plain = withSession(sessions, (_request, { session }) => {
      expectTypeOf(session).toEqualTypeOf<Session<AppData>>()
      expectTypeOf(session.get('user.name')).toEqualTypeOf<string | undefined>()
      return new Response()
    })
    expectTypeOf(plain).toEqualTypeOf<FetchHandler>()
    withSession(
      admin,
      (_request, ctx) => {
        expectTypeOf(ctx.admin.get('role')).toEqualTypeOf<string | undefined>()
        // @ts-expect-error: under `property: 'admin'` there is no ctx.session
        ctx.session
        return new Response()
      },
      { property: 'admin' },
    )
    withSession(
      sessions,
      csrf()(async (_request, { session }) => {
        expectTypeOf(session.get('views')).toEqualTypeOf<number | undefined>()
        return new Response()
      }),
    )
    // Two systems: the inner handler states what the outer one adds.
    withSession(
      admin,
      withSession<AppData, { admin: Session<{ role: string }> }>(
        sessions,
        (_request, { session, admin: other }) => {
          expectTypeOf(other.get('role')).toEqualTypeOf<string | undefined>()
          return new Response(String(session.get('views')))
        },
      ),
      { property: 'admin' },
    )
    assert.equal(typeof plain, 'function')
  })
})
