// Switching an existing app: sessions written by express-session keep working with the drop-in
// (and back), and the stores apps already use — callback stores subclassing express-session's own
// Store, as connect-redis does, or the drop-in's, in either subclassing style — work unchanged.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inherits } from 'node:util'
import { Store } from '../../src/compat/express-session/index.js'
import { Client, frameworks, impls, real, serve } from './express-session/harness.js'
import { mountRoutes } from './express-session/routes.js'

const [realImpl, dropInImpl] = impls as [(typeof impls)[0], (typeof impls)[0]]
const secret = ['current secret', 'previous secret']
const options = { secret, resave: false, saveUninitialized: false, cookie: { maxAge: 60_000 } }

/** Serve one app of `impl` with `store`, run `paths` with `client`, return the views seen. */
async function views(
  impl: (typeof impls)[0],
  store: object,
  client: Client | null,
  paths: string[],
  framework = frameworks[0]!,
): Promise<{ seen: unknown[]; client: Client }> {
  const app = framework.create()
  app.use(impl.session({ ...options, store } as never))
  mountRoutes(app, impl)
  const served = await serve(app)
  const used = client ?? new Client(served.url)
  const fresh = new Client(served.url)
  for (const [name, value] of used.jar) fresh.jar.set(name, value)
  const seen: unknown[] = []
  try {
    for (const path of paths) {
      const reply = await fresh.get(path)
      const body = JSON.parse(reply.body) as { data?: Record<string, unknown> }
      seen.push(body.data?.['views'] ?? body.data?.['user'])
    }
  } finally {
    await served.close()
  }
  return { seen, client: fresh }
}

describe('switching between express-session and the drop-in keeps existing sessions', () => {
  for (const framework of frameworks) {
    it(`${framework.name}: express-session's MemoryStore, shared, both ways`, async () => {
      const store = new real.MemoryStore()
      const first = await views(realImpl, store, null, ['/views', '/views'], framework)
      const second = await views(dropInImpl, store, first.client, ['/views'], framework)
      const third = await views(realImpl, store, second.client, ['/views'], framework)
      assert.deepEqual([...first.seen, ...second.seen, ...third.seen], [1, 2, 3, 4])
    })

    it(`${framework.name}: the drop-in's MemoryStore, used by express-session too`, async () => {
      const store = new dropInImpl.session.MemoryStore()
      const first = await views(dropInImpl, store, null, ['/views'], framework)
      const second = await views(realImpl, store, first.client, ['/views'], framework)
      const third = await views(dropInImpl, store, second.client, ['/views'], framework)
      assert.deepEqual([...first.seen, ...second.seen, ...third.seen], [1, 2, 3])
    })
  }
})

/** A callback store over a Map, subclassing `Base` as an ES class (connect-redis's style). */
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

/** The same store the pre-ES2015 way: util.inherits + Store.call(this). */
function inheritsStore(Base: typeof Store) {
  const Class = classStore(Base)
  function MapStore(this: { map: Map<string, string> }) {
    ;(Base as unknown as (this: unknown) => void).call(this)
    this.map = new Map()
  }
  inherits(MapStore, Base as unknown as new () => object)
  for (const name of ['get', 'set', 'destroy'] as const) {
    ;(MapStore.prototype as Record<string, unknown>)[name] = Class.prototype[name]
  }
  return MapStore as unknown as ReturnType<typeof classStore>
}

describe('callback stores work with the drop-in', () => {
  const cases = [
    ["class extends express-session's own Store (as connect-redis)", classStore(real.Store)],
    ["util.inherits + Store.call(this) on the drop-in's Store", inheritsStore(Store)],
    ["class extends the drop-in's Store", classStore(Store)],
  ] as const
  for (const [name, MapStore] of cases) {
    it(name, async () => {
      const store = new MapStore()
      const run = await views(dropInImpl, store, null, ['/views', '/views', '/regenerate', '/info'])
      assert.deepEqual(run.seen, [1, 2, 'alice', 'alice'])
      assert.equal(store.map.size, 1, 'regenerate destroyed the old session')
      const [stored] = [...store.map.values()]
      assert.match(
        stored ?? '',
        /^\{"cookie":\{"originalMaxAge":(60000|5999\d),"expires":"[^"]+","httpOnly":true,"path":"\/"\},"user":"alice"\}$/,
      )
    })
  }
})
