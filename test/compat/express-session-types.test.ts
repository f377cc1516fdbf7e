// Type-level tests of sessionkit/express-session (checked by `tsc -p tsconfig.json --noEmit`):
// an express-session app type-checks unchanged, both Store subclassing styles are typed, and no
// public type is `any`. The runtime part only asserts what the types promise.
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { test } from 'node:test'
import { expectTypeOf } from 'expect-type'
import type { RequestHandler } from 'express'
import session, {
  Cookie,
  type CookieOptions,
  MemoryStore,
  Session,
  type SessionOptions,
  type SessionRequest,
  Store,
} from '../../src/compat/express-session/index.js'

function typeChecks(): void {
  // The middleware is an Express handler.
  expectTypeOf(session({ secret: 's' })).toExtend<RequestHandler>()
  expectTypeOf(session).parameter(0).toEqualTypeOf<SessionOptions | undefined>()
  expectTypeOf<SessionOptions['cookie']>().not.toBeAny()
  expectTypeOf<CookieOptions['sameSite']>().toEqualTypeOf<
    boolean | 'lax' | 'strict' | 'none' | 'auto' | undefined
  >()
  // The constructors hang off the function, as in express-session.
  expectTypeOf(session.Store).toEqualTypeOf(Store)
  expectTypeOf(session.MemoryStore).toEqualTypeOf(MemoryStore)
  expectTypeOf(new Cookie().maxAge).toEqualTypeOf<number | null | undefined>()
  // req.session: the Session API plus the app's data, never any.
  expectTypeOf<NonNullable<SessionRequest['session']>>().not.toBeAny()
  expectTypeOf<NonNullable<SessionRequest['session']>>().toExtend<Session>()
  expectTypeOf<SessionRequest['sessionID']>().toEqualTypeOf<string | undefined>()
  // @ts-expect-error unset accepts only 'destroy' or 'keep'
  session({ unset: 'later' })
  // @ts-expect-error extras are checked too
  session({ sessionkit: { concurrency: 'optimistic' } })
}

// Both subclassing styles type-check.
class ClassStore extends Store {
  override get(_sid: string, cb: (error?: unknown, sess?: object | null) => void): void {
    cb(null, null)
  }
  override set(_sid: string, _sess: object, cb?: (error?: unknown) => void): void {
    cb?.()
  }
  override destroy(_sid: string, cb?: (error?: unknown) => void): void {
    cb?.()
  }
}
function FunctionStore(this: Store): void {
  Store.call(this)
}

test('express-session drop-in types (checked by tsc)', () => {
  assert.equal(typeof typeChecks, 'function')
  assert.ok(new ClassStore() instanceof Store, 'class extends Store')
  const req = { sessionID: 'x' } as unknown as IncomingMessage
  assert.equal(new Session(req as never).id, 'x')
  assert.equal(typeof FunctionStore, 'function')
})
