// The exported classes of the drop-in (Cookie, Session, Store, MemoryStore) and its option checks,
// compared member by member with express-session 1.19's.
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { describe, it } from 'node:test'
import { inherits, promisify } from 'node:util'
import dropIn, {
  Cookie,
  MemoryStore,
  Session,
  Store,
} from '../../src/compat/express-session/index.js'
import { real } from './express-session/harness.js'

type AnyCookie = InstanceType<typeof Cookie>

/** A cookie's observable state, dates rounded to seconds (two constructions are ms apart). */
function state(cookie: AnyCookie): unknown {
  const seconds = (value: unknown) =>
    value instanceof Date ? `date:${Math.round(value.getTime() / 1000)}` : value
  const round = (value: unknown) =>
    typeof value === 'number' ? Math.round(value / 1000) : seconds(value)
  return {
    keys: Object.keys(cookie).sort(),
    maxAge: round(cookie.maxAge),
    originalMaxAge: round(cookie.originalMaxAge),
    expires: seconds(cookie.expires),
    data: Object.fromEntries(Object.entries(cookie.data).map(([k, v]) => [k, round(v)])),
    json: JSON.stringify(cookie)
      .replace(/"expires":"[^"]+"/, '"expires":"…"')
      .replace(/"originalMaxAge":\d+/, '"originalMaxAge":n'),
    header: cookie.serialize('sid', 'v').replace(/Expires=[^;]+/, 'Expires=…'),
  }
}

const cookieCases: Array<[string, Record<string, unknown> | undefined]> = [
  ['no options', undefined],
  ['maxAge', { maxAge: 60_000 }],
  [
    'every attribute',
    {
      maxAge: 1000,
      domain: 'a.test',
      path: '/x',
      secure: true,
      httpOnly: false,
      sameSite: 'none',
      partitioned: true,
      priority: 'low',
    },
  ],
  [
    'stored JSON',
    { originalMaxAge: 5000, expires: new Date(Date.now() + 4000), httpOnly: true, path: '/' },
  ],
  ['expires only', { expires: new Date(Date.now() + 90_000) }],
]

describe('Cookie: the same API and state as express-session 1.19', () => {
  for (const [name, options] of cookieCases) {
    it(`constructed from ${name}`, () => {
      assert.deepEqual(
        state(new Cookie(options as never)),
        state(new real.Cookie(options as never)),
      )
    })
  }

  it('maxAge and expires setters move each other and originalMaxAge alike', () => {
    const run = (C: typeof Cookie) => {
      const cookie = new C({ maxAge: 10_000 })
      const seen = [state(cookie)]
      cookie.maxAge = 30_000
      seen.push(state(cookie))
      cookie.expires = new Date(Date.now() + 50_000)
      seen.push(state(cookie))
      cookie.maxAge = null
      seen.push(state(cookie))
      return seen
    }
    assert.deepEqual(run(Cookie), run(real.Cookie))
  })

  it('rejects what express-session rejects, with the same errors', () => {
    for (const C of [Cookie, real.Cookie]) {
      assert.throws(() => new C('x' as never), {
        name: 'TypeError',
        message: 'argument options must be a object',
      })
      const cookie = new C()
      assert.throws(
        () => {
          cookie.maxAge = 'soon' as never
        },
        { name: 'TypeError', message: 'maxAge must be a number or Date' },
      )
    }
  })
})

describe('Session: the same object shape as express-session 1.19', () => {
  const req = { sessionID: 'abc' }
  const data = { views: 2, id: 'spoofed', save: 'shadow', nested: { a: 1 } }

  it('copies data but never over id, req or methods; id and req are hidden', () => {
    for (const S of [Session, real.Session]) {
      const sess = new S(req as never, data) as InstanceType<typeof Session> &
        Record<string, unknown>
      assert.deepEqual(Object.keys(sess), ['views', 'nested'])
      assert.equal(sess.id, 'abc')
      assert.equal(sess.req, req as unknown)
      assert.equal(typeof sess.save, 'function')
      assert.equal(JSON.stringify(sess), '{"views":2,"nested":{"a":1}}')
    }
  })

  it('methods live on the prototype, not enumerable', () => {
    for (const name of ['touch', 'resetMaxAge', 'save', 'reload', 'destroy', 'regenerate']) {
      const mine = Object.getOwnPropertyDescriptor(Session.prototype, name)
      const theirs = Object.getOwnPropertyDescriptor(real.Session.prototype, name)
      assert.equal(mine?.enumerable, theirs?.enumerable, `${name} enumerability`)
      assert.equal(typeof mine?.value, 'function', `${name} exists`)
    }
  })
})

/** A callback store over a Map, written the pre-ES2015 way: util.inherits + Store.call(this). */
function inheritsStore(
  Base: typeof Store,
): new () => InstanceType<typeof Store> & { map: Map<string, string> } {
  function MapStore(this: { map: Map<string, string> }) {
    ;(Base as unknown as (this: unknown) => void).call(this)
    this.map = new Map()
  }
  inherits(MapStore, Base as unknown as new () => object)
  Object.assign(MapStore.prototype, {
    get(this: { map: Map<string, string> }, sid: string, cb: (e: unknown, s?: unknown) => void) {
      const raw = this.map.get(sid)
      setImmediate(cb, null, raw ? JSON.parse(raw) : null)
    },
    set(this: { map: Map<string, string> }, sid: string, sess: object, cb?: () => void) {
      this.map.set(sid, JSON.stringify(sess))
      if (cb) setImmediate(cb)
    },
    destroy(this: { map: Map<string, string> }, sid: string, cb?: () => void) {
      this.map.delete(sid)
      if (cb) setImmediate(cb)
    },
  })
  return MapStore as never
}

/** The same store as an ES class. */
function classStore(Base: typeof Store) {
  return class MapStore extends Base {
    readonly map = new Map<string, string>()
    override get(sid: string, cb: (e?: unknown, s?: object | null) => void): void {
      const raw = this.map.get(sid)
      setImmediate(cb, null, raw ? JSON.parse(raw) : null)
    }
    override set(sid: string, sess: object, cb?: (e?: unknown) => void): void {
      this.map.set(sid, JSON.stringify(sess))
      if (cb) setImmediate(cb)
    }
    override destroy(sid: string, cb?: (e?: unknown) => void): void {
      this.map.delete(sid)
      if (cb) setImmediate(cb)
    }
  }
}

describe('Store: both subclassing styles', () => {
  for (const [style, make] of [
    ['util.inherits + Store.call(this)', inheritsStore],
    ['class extends Store', classStore],
  ] as const) {
    it(`${style}: an EventEmitter with load, createSession and regenerate`, async () => {
      const StoreClass = make(Store)
      const store = new StoreClass()
      assert.ok(store instanceof Store, 'instanceof Store')
      assert.ok(store instanceof EventEmitter, 'instanceof EventEmitter')
      store.set('sid-1', { cookie: { originalMaxAge: null, expires: null, path: '/' }, n: 1 })
      const loaded = await promisify(store.load.bind(store))('sid-1')
      assert.ok(loaded instanceof Session, 'load gives a Session')
      assert.equal(loaded?.id, 'sid-1')
      assert.equal((loaded as unknown as { n: number }).n, 1)
      assert.ok(loaded?.cookie instanceof Cookie, 'with a Cookie')
      assert.equal(await promisify(store.load.bind(store))('missing'), undefined)
      const req = { sessionID: 'sid-1' } as unknown as IncomingMessage
      store.generate = (r) => {
        ;(r as unknown as { sessionID: string }).sessionID = 'sid-2'
      }
      await promisify(store.regenerate.bind(store))(req)
      assert.equal((req as unknown as { sessionID: string }).sessionID, 'sid-2')
      assert.equal(store.map.has('sid-1'), false, 'regenerate destroyed the old session')
    })
  }

  it('Store is a plain function with EventEmitter as super_, like util.inherits makes it', () => {
    assert.equal((Store as unknown as { super_: unknown }).super_, EventEmitter)
    assert.equal((real.Store as unknown as { super_: unknown }).super_, EventEmitter)
    assert.doesNotThrow(() =>
      (Store as unknown as (this: object) => void).call(Object.create(Store.prototype)),
    )
  })
})

describe('MemoryStore: the same API and behaviour as express-session 1.19', () => {
  const past = new Date(Date.now() - 1000).toISOString()
  const future = new Date(Date.now() + 60_000).toISOString()

  async function exercise(S: typeof MemoryStore): Promise<unknown[]> {
    const store = new S()
    const p = <T>(fn: (cb: (e?: unknown, v?: T) => void) => void) =>
      new Promise<T | undefined>((resolve, reject) => fn((e, v) => (e ? reject(e) : resolve(v))))
    const seen: unknown[] = []
    await p((cb) =>
      store.set('live', { cookie: { expires: future, originalMaxAge: 60_000 }, a: 1 }, cb),
    )
    await p((cb) => store.set('old', { cookie: { expires: past, originalMaxAge: 1 }, b: 2 }, cb))
    await p((cb) => store.set('browser', { cookie: { expires: null }, c: 3 }, cb))
    seen.push(await p((cb) => store.get('live', cb)), await p((cb) => store.get('old', cb)))
    seen.push(Object.keys(store.sessions).sort())
    seen.push(await p((cb) => store.length(cb)))
    seen.push(Object.keys((await p<object>((cb) => store.all(cb))) ?? {}).sort())
    await p((cb) => store.touch('live', { cookie: { expires: past } }, cb))
    seen.push(await p((cb) => store.get('live', cb)), Object.keys(store.sessions).sort())
    await p((cb) => store.destroy('browser', cb))
    seen.push(await p((cb) => store.length(cb)))
    await p((cb) => store.set('x', { cookie: {} }, cb))
    await p((cb) => store.clear(cb))
    seen.push(store.sessions)
    return seen
  }

  it('get, set, all, length, touch, destroy and clear, with expiry on read', async () => {
    assert.deepEqual(await exercise(MemoryStore), await exercise(real.MemoryStore))
  })

  it('is the default store, and a Store', () => {
    assert.ok(new MemoryStore() instanceof Store, 'MemoryStore extends Store')
  })
})

describe('session() options: the same checks and errors as express-session 1.19', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['genid not a function', { genid: 'x' }],
    ['bad unset', { unset: 'later' }],
    ['empty secret array', { secret: [] }],
  ]
  for (const [name, options] of cases) {
    it(`rejects ${name}`, () => {
      let expected: unknown
      try {
        real({ resave: false, saveUninitialized: false, ...options } as never)
      } catch (error) {
        expected = error
      }
      assert.ok(expected instanceof TypeError, 'express-session throws a TypeError')
      assert.throws(
        () => dropIn({ resave: false, saveUninitialized: false, ...options } as never),
        {
          name: 'TypeError',
          message: (expected as Error).message,
        },
      )
    })
  }

  it('exports what express-session exports, on the function and by name', () => {
    for (const name of ['Store', 'MemoryStore', 'Cookie', 'Session'] as const) {
      assert.equal(typeof real[name], 'function')
      assert.equal(typeof dropIn[name], 'function', `session.${name}`)
    }
    assert.equal(dropIn.Store, Store)
    assert.equal(dropIn.name, 'session')
  })
})
