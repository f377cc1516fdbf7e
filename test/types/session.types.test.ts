// Type-level tests of the public session API: checked by `tsc -p tsconfig.json --noEmit`, which
// covers test/. The runtime part is an empty test so the node:test runner accepts the file.
// Nothing here is executed against a store: the functions below are only type-checked.
import { test } from 'node:test'
import { expectTypeOf } from 'expect-type'
import {
  createSessions,
  type RequestSession,
  type ResponsePlan,
  type Segment,
  type Session,
  type SessionMeta,
  type Sessions,
  type UserSessionSummary,
} from '../../src/index.js'

type AppData = { user?: { name: string; age: number }; views: number; tags: string[] }

function typedSessionChecks(session: Session<AppData>): void {
  // get: typed by dot path
  expectTypeOf(session.get('user.name')).toEqualTypeOf<string | undefined>()
  expectTypeOf(session.get('user.age')).toEqualTypeOf<number | undefined>()
  expectTypeOf(session.get('views')).toEqualTypeOf<number | undefined>()
  expectTypeOf(session.get('views', 0)).toEqualTypeOf<number>()
  expectTypeOf(session.get('tags', [])).toEqualTypeOf<string[]>()
  expectTypeOf(session.get('user')).toEqualTypeOf<{ name: string; age: number } | undefined>()
  expectTypeOf(session.pull('views', 0)).toEqualTypeOf<number>()
  // an array of literal segments is allowed, and is untyped
  expectTypeOf(session.get(['user', 'name'])).toEqualTypeOf<unknown>()

  // set: the value must match the path's type
  session.set('views', 1)
  session.set('user.name', 'Ada')
  session.set('user', { name: 'Ada', age: 36 })
  // @ts-expect-error a string is not a number
  session.set('views', 'x')
  // @ts-expect-error age is a number
  session.set('user.age', '36')
  // @ts-expect-error the object is missing `age`
  session.set('user', { name: 'Ada' })

  // increment / decrement only on numeric paths
  expectTypeOf(session.increment('views')).toEqualTypeOf<number>()
  session.decrement('user.age', 2)
  // @ts-expect-error user.name is a string
  session.increment('user.name')
  // @ts-expect-error tags is an array
  session.decrement('tags')

  // push only onto array paths, with the element type
  session.push('tags', 'a')
  // @ts-expect-error tags holds strings
  session.push('tags', 1)
  // @ts-expect-error views is not an array
  session.push('views', 1)

  // unknown keys are errors
  // @ts-expect-error not a key of AppData
  session.get('nope')
  // @ts-expect-error not a key of AppData
  session.set('nope', 1)
  // @ts-expect-error not a path of AppData
  session.has('user.nope')
  // @ts-expect-error not a path of AppData
  session.forget('nope')
  // at runtime this is a list of two keys; its type is loose because a string[] is also a
  // segment-array key (so a typo in such a list is not caught by the compiler)
  session.forget(['any', 'segments'])

  session.put({ views: 2 })
  // @ts-expect-error views is a number
  session.put({ views: 'x' })
  expectTypeOf(session.all()).toEqualTypeOf<Partial<AppData>>()
}

function untypedSessionChecks(session: Session): void {
  expectTypeOf(session.get('anything')).toEqualTypeOf<unknown>()
  expectTypeOf(session.get('any.dotted.path')).toEqualTypeOf<unknown>()
  expectTypeOf(session.get('x', 1)).not.toBeAny()
  session.set('anything', { nested: [1, 'two'] })
  session.increment('counter')
  session.push('list', 'x')
  expectTypeOf(session.increment('counter')).toEqualTypeOf<number>()
  expectTypeOf(session.has('x')).toEqualTypeOf<boolean>()
  expectTypeOf(session.segment('cart')).toEqualTypeOf<Segment>()
  expectTypeOf(session.segment<{ items: string[] }>('cart').get('items')).toEqualTypeOf<
    string[] | undefined
  >()
}

function noAnyLeaks(
  sessions: Sessions,
  typed: Sessions<AppData>,
  session: Session,
  rs: RequestSession,
): void {
  // reads
  expectTypeOf(session.get('x')).not.toBeAny()
  expectTypeOf(session.pull('x')).not.toBeAny()
  expectTypeOf(session.all()).not.toBeAny()
  expectTypeOf(session.getFlash('x')).not.toBeAny()
  expectTypeOf(session.getFlash('x')).toEqualTypeOf<unknown>()
  expectTypeOf(session.getFlash('x', 'fallback')).toEqualTypeOf<string>()
  expectTypeOf(session.getFlashNext('x')).not.toBeAny()
  expectTypeOf(session.segment('s').get('x')).not.toBeAny()
  expectTypeOf(session.previousUrl).toEqualTypeOf<string | undefined>()
  // metadata and lifecycle
  expectTypeOf(session.id).toEqualTypeOf<string | null>()
  expectTypeOf(session.handle).toEqualTypeOf<string | null>()
  expectTypeOf(session.isNew).toEqualTypeOf<boolean>()
  expectTypeOf(session.meta).toEqualTypeOf<SessionMeta>()
  expectTypeOf(session.meta.userId).toEqualTypeOf<string | null>()
  expectTypeOf(session.csrfToken()).toEqualTypeOf<string>()
  expectTypeOf(session.verifyCsrf).parameter(0).toEqualTypeOf<unknown>()
  expectTypeOf(session.regenerate()).toEqualTypeOf<Promise<void>>()
  expectTypeOf(session.login('u')).toEqualTypeOf<Promise<void>>()
  // the request boundary
  expectTypeOf(rs.finalize()).toEqualTypeOf<ResponsePlan>()
  expectTypeOf(rs.commit()).toEqualTypeOf<Promise<void>>()
  expectTypeOf(rs.session).toEqualTypeOf<Session>()
  expectTypeOf(sessions.open).returns.toEqualTypeOf<Promise<RequestSession>>()
  expectTypeOf(typed.load).returns.toEqualTypeOf<Promise<Session<AppData>>>()
  expectTypeOf(sessions.listUserSessions).returns.toEqualTypeOf<Promise<UserSessionSummary[]>>()
  expectTypeOf(sessions.revokeUserSessions).returns.toEqualTypeOf<Promise<number>>()
  // every member of the public objects is something other than `any`
  expectTypeOf<Session[keyof Session]>().not.toBeAny()
  expectTypeOf<Sessions[keyof Sessions]>().not.toBeAny()
  expectTypeOf<SessionMeta[keyof SessionMeta]>().not.toBeAny()
  expectTypeOf<UserSessionSummary[keyof UserSessionSummary]>().not.toBeAny()
}

function factoryChecks(): void {
  const typed = createSessions<AppData>()
  expectTypeOf(typed).toEqualTypeOf<Sessions<AppData>>()
  const untyped = createSessions()
  expectTypeOf(untyped).toEqualTypeOf<Sessions>()
  // @ts-expect-error an unknown option
  createSessions({ idleTimout: '30m' })
  // @ts-expect-error a duration needs a unit
  createSessions({ idleTimeout: '30' })
  // @ts-expect-error sameSite is lower case
  createSessions({ cookie: { sameSite: 'Lax' } })
}

test('types compile', () => {
  // Referenced so the checks above are not unused; they are never called.
  expectTypeOf(typedSessionChecks).toBeFunction()
  expectTypeOf(untypedSessionChecks).toBeFunction()
  expectTypeOf(noAnyLeaks).toBeFunction()
  expectTypeOf(factoryChecks).toBeFunction()
})
