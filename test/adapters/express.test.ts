// sessionkit/express through a real server, for Express 5, Express 4, Connect and node:http:
// every row of the shared scenario table against every adapter.
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { describe, it } from 'node:test'
import { expectTypeOf } from 'expect-type'
import express, { type Request, type RequestHandler } from 'express'
import { session, sessionOf } from '../../src/adapters/express.js'
import { ConfigError } from '../../src/core/errors.js'
import type { Session, SessionData } from '../../src/core/types.js'
import { createSessions } from '../../src/index.js'
import { countViews, mountSubApps, serve, views } from './express-apps.js'
import { adapters } from './harness.js'
import { scenarios } from './scenarios.js'

for (const adapter of adapters) {
  describe(`sessionkit/express on ${adapter.name}`, () => {
    for (const scenario of scenarios) {
      const options = scenario.todo === undefined ? {} : { todo: scenario.todo }
      it(scenario.name, options, (t) => scenario.run(adapter, t))
    }
  })
}

describe('sessionkit/express options and helpers', () => {
  const sessions = createSessions()

  it('checks its options once, at creation, listing every bad one', () => {
    assert.throws(
      () => session(sessions, { property: '__proto__', trustProxy: -1 }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.map((issue) => issue.path).join() === 'property,trustProxy',
    )
    assert.throws(() => session({} as never), ConfigError)
    assert.equal(typeof session(sessions, { property: 'admin', trustProxy: 1 }), 'function')
  })

  it('sessionOf throws a clear error when the middleware did not run', () => {
    assert.throws(() => sessionOf({} as IncomingMessage, sessions), /mount session\(sessions\)/)
  })
})

describe('sessionkit/express typing', () => {
  it('req.session is an untyped Session on node:http and Express requests; sessionOf is typed', () => {
    const typed = createSessions<{ views: number; user?: { name: string } }>()
    expectTypeOf<IncomingMessage['session']>().toEqualTypeOf<Session<SessionData>>()
    expectTypeOf<Request['session']>().toEqualTypeOf<Session<SessionData>>()
    const handler: RequestHandler = (req, res) => {
      const session = sessionOf(req, typed)
      expectTypeOf(session.get('views')).toEqualTypeOf<number | undefined>()
      expectTypeOf(session.get('user.name')).toEqualTypeOf<string | undefined>()
      expectTypeOf(req.session.get('anything')).toEqualTypeOf<unknown>()
      res.end()
    }
    expectTypeOf(session(typed)).toExtend<RequestHandler>()
    assert.equal(typeof handler, 'function')
  })
})

describe('sessionkit/express on responses other code shapes', () => {
  it('saves and sets the cookie when a middleware before it wrapped res.end', async () => {
    const app = express()
    let wrapped = 0
    app.use((_req, res, next) => {
      const end = res.end.bind(res) as (...args: unknown[]) => typeof res
      res.end = ((...args: unknown[]) => {
        wrapped++
        return end(...args)
      }) as typeof res.end
      next()
    })
    app.use(session(createSessions()))
    app.get('/views', views)
    await serve(app, (base) => countViews(base, '/views'))
    assert.equal(wrapped, 2, 'the earlier wrapper ran once per response')
  })

  it('saves a session started while the handler evaluates the arguments of res.end', async () => {
    // `res.end` is read before its argument starts the session: on plain node:http the response
    // must therefore be hooked before the handler runs.
    const plain = session(createSessions())
    await serve(
      (req, res) => plain(req, res, () => views(req, res)),
      (base) => countViews(base, '/views'),
    )
  })

  it('req.session can be read, tested for and replaced by later code on Express', async () => {
    const app = express()
    const sessions = createSessions()
    app.use(session(sessions))
    app.get('/replace', (req, res) => {
      const seen = [req.session === sessionOf(req, sessions), 'session' in req]
      ;(req as unknown as Record<string, unknown>).session = 'replaced'
      res.end(JSON.stringify([...seen, req.session]))
    })
    await serve(app, async (base) => {
      const body = await (await fetch(`${base}/replace`)).text()
      assert.deepEqual(
        JSON.parse(body),
        [true, true, 'replaced'],
        'read, `in` and assignment behave',
      )
    })
  })

  it('many session middlewares in one process all save; past a few, responses are hooked on themselves, not by yet another layer on Express', async () => {
    const hookedOn: boolean[] = []
    for (let i = 0; i < 8; i++) {
      const app = express()
      app.use(session(createSessions()))
      app.get('/views', (req, res) => {
        hookedOn.push(Object.hasOwn(res, 'end'))
        views(req, res)
      })
      await serve(app, (base) => countViews(base, '/views'))
    }
    assert.equal(hookedOn.at(-1), true, 'the last middleware hooks its own responses')
    assert.ok(
      hookedOn.filter((own) => !own).length <= 2 * 4,
      `at most four middlewares share Express's prototype: ${hookedOn.join(',')}`,
    )
  })

  it('saves and sets the cookie for routes of a sub-app, also of another Express major', async () => {
    const app = express()
    app.use(session(createSessions()))
    mountSubApps(app)
    await serve(app, async (base) => {
      await countViews(base, '/five/views')
      await countViews(base, '/four/views')
    })
  })
})
