// sessionkit/express through a real server, for Express 5, Express 4, Connect and node:http:
// every row of the shared scenario table against every adapter.
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { describe, it } from 'node:test'
import { expectTypeOf } from 'expect-type'
import type { Request, RequestHandler } from 'express'
import { session, sessionOf } from '../../src/adapters/express.js'
import { ConfigError } from '../../src/core/errors.js'
import type { Session, SessionData } from '../../src/core/types.js'
import { createSessions } from '../../src/index.js'
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
