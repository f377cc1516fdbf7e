// The opt-in sessionkit extras of the express-session drop-in: absolute timeout, regenerate that
// keeps data, and concurrency (lock, merge) with a sessionkit store. Parallel requests share one
// cookie, so a lost update shows as a wrong count or a missing key.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Request } from 'express'
import dropIn from '../../src/compat/express-session/index.js'
import { ConfigError } from '../../src/core/errors.js'
import type { Store as SessionkitStore } from '../../src/core/store.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { manualClock } from '../adapters/harness.js'
import { countingStore } from '../unit/helpers.js'
import {
  Client,
  frameworks,
  type Impl,
  impls,
  real,
  serve,
  signature,
} from './express-session/harness.js'
import { mountRoutes } from './express-session/routes.js'

const dropInImpl = impls[1] as Impl
const secret = 'keyboard cat'
const base = { secret, resave: false, saveUninitialized: false }

type Sess = Record<string, unknown>
const sess = (req: Request) => (req as unknown as { session: Sess }).session

/** An app with the scenario routes plus two slow writers (read, wait, write). */
async function start(options: Record<string, unknown>, impl = dropInImpl) {
  const app = frameworks[0]!.create()
  app.use(impl.session({ ...base, ...options } as never))
  app.get('/slow-inc', async (req, res) => {
    const n = (sess(req)['n'] as number | undefined) ?? 0
    await sleep(20)
    sess(req)['n'] = n + 1
    res.json({ n: n + 1 })
  })
  app.get('/slow-key', async (req, res) => {
    await sleep(20)
    sess(req)[String(req.query['k'])] = true
    res.json({ ok: true })
  })
  mountRoutes(app, impl)
  return serve(app)
}

async function data(client: Client): Promise<Record<string, unknown>> {
  const body = JSON.parse((await client.get('/info')).body) as { data?: Record<string, unknown> }
  return body.data ?? {}
}

function sidOf(client: Client): string {
  const raw = decodeURIComponent(client.jar.get('connect.sid') ?? '').slice(2)
  const sid = signature.unsign(raw, secret)
  assert.ok(sid, 'the client holds a validly signed session cookie')
  return sid
}

describe('sessionkit extra: absoluteTimeout', () => {
  it('rejects a session past the limit, however active, and destroys it', async () => {
    const clock = manualClock()
    const store = new dropIn.MemoryStore()
    const served = await start({ store, sessionkit: { absoluteTimeout: '1h', now: clock.now } })
    const client = new Client(served.url)
    try {
      await client.get('/views')
      const first = sidOf(client)
      clock.advance(59 * 60_000)
      assert.equal((await data(client))['views'], 1, 'still valid before the limit')
      clock.advance(2 * 60_000)
      await client.get('/views')
      assert.equal((await data(client))['views'], 1, 'a new session after the limit')
      assert.notEqual(sidOf(client), first)
      assert.deepEqual(Object.keys(store.sessions), [sidOf(client)], 'the old one was destroyed')
    } finally {
      await served.close()
    }
  })

  it('adopts sessions stored without a creation time, starting their clock now', async () => {
    const clock = manualClock()
    const store = new real.MemoryStore()
    const old = await start({ store }, impls[0])
    const client = new Client(old.url)
    await client.get('/views')
    await old.close()
    const served = await start({ store, sessionkit: { absoluteTimeout: '1h', now: clock.now } })
    const switched = new Client(served.url)
    for (const [name, value] of client.jar) switched.jar.set(name, value)
    try {
      await switched.get('/views')
      assert.equal((await data(switched))['views'], 2, 'the existing session kept working')
      const stored = JSON.parse(store.sessions[sidOf(switched)] ?? '{}') as { cookie: Sess }
      assert.equal(stored.cookie['createdAt'], clock.now(), 'creation time stored')
      clock.advance(61 * 60_000)
      assert.deepEqual(await data(switched), {}, 'expired an hour after adoption')
    } finally {
      await served.close()
    }
  })
})

describe('sessionkit extra: regenerateKeepsData', () => {
  it('regenerate issues a new id, destroys the old one and keeps data and cookie settings', async () => {
    const store = new dropIn.MemoryStore()
    const served = await start({
      store,
      cookie: { maxAge: 60_000 },
      sessionkit: { regenerateKeepsData: true },
    })
    const client = new Client(served.url)
    try {
      await client.get('/views')
      await client.get('/max-age?ms=120000')
      const before = sidOf(client)
      const reply = JSON.parse((await client.get('/regenerate')).body) as Sess
      assert.deepEqual(reply['data'], { views: 1, user: 'alice' })
      assert.equal(reply['originalMaxAge'], 120_000, 'cookie settings kept')
      assert.notEqual(sidOf(client), before)
      assert.deepEqual(Object.keys(store.sessions), [sidOf(client)])
      assert.deepEqual(await data(client), { views: 1, user: 'alice' })
    } finally {
      await served.close()
    }
  })
})

/** Make one session, then run `paths` in parallel with its cookie; the final data. */
async function parallel(options: Record<string, unknown>, paths: string[]) {
  const served = await start(options)
  const client = new Client(served.url)
  try {
    await client.get('/views')
    await Promise.all(paths.map((path) => client.get(path)))
    return { data: await data(client), sid: sidOf(client) }
  } finally {
    await served.close()
  }
}

const N = 6
const keys = Array.from({ length: N }, (_, i) => `/slow-key?k=k${i}`)
const keyNames = Array.from({ length: N }, (_, i) => `k${i}`)

describe('sessionkit extra: concurrency with a sessionkit store', () => {
  it(`'lock': ${N} parallel read-modify-write increments end at ${N}`, async () => {
    const store = createMemoryStore({ sweepInterval: 0 })
    const result = await parallel(
      { sessionkit: { store, concurrency: 'lock' } },
      Array(N).fill('/slow-inc'),
    )
    assert.equal(result.data['n'], N)
  })

  it(`'merge': ${N} parallel writes to different keys all survive`, async () => {
    const store = createMemoryStore({ sweepInterval: 0 })
    const result = await parallel({ sessionkit: { store, concurrency: 'merge' } }, keys)
    for (const key of keyNames) assert.equal(result.data[key], true, `${key} kept`)
    assert.equal(result.data['views'], 1)
  })

  it("'merge': 20 parallel writes from one process take turns, at most two store writes each (no retry storm)", async () => {
    const counting = countingStore(createMemoryStore({ sweepInterval: 0 }))
    const many = Array.from({ length: 20 }, (_, i) => `/slow-key?k=m${i}`)
    const served = await start({ sessionkit: { store: counting.store, concurrency: 'merge' } })
    const client = new Client(served.url)
    try {
      await client.get('/views')
      counting.reset()
      await Promise.all(many.map((path) => client.get(path)))
      const result = await data(client)
      for (let i = 0; i < many.length; i++) assert.equal(result[`m${i}`], true, `m${i} kept`)
      // Each write fails at most once, on the write that took its turn just before it.
      assert.ok(
        (counting.calls['set'] ?? 0) <= 2 * many.length,
        `${counting.calls['set']} store writes for ${many.length} parallel requests`,
      )
    } finally {
      await served.close()
    }
  })

  it(`(contrast) 'none' loses some of the same parallel writes`, async () => {
    const store = createMemoryStore({ sweepInterval: 0 })
    const result = await parallel({ sessionkit: { store, concurrency: 'none' } }, keys)
    const kept = keyNames.filter((key) => result.data[key] === true)
    assert.ok(kept.length < N, `last write wins: only ${kept.length} of ${N} kept`)
  })

  it("'merge': a session destroyed meanwhile is not resurrected by a late write", async () => {
    const store = createMemoryStore({ sweepInterval: 0 })
    const served = await start({ sessionkit: { store, concurrency: 'merge' } })
    const client = new Client(served.url)
    try {
      await client.get('/views')
      const sid = sidOf(client)
      const late = client.get('/slow-key?k=late')
      await sleep(5)
      await client.get('/destroy')
      await late
      assert.equal(await store.get(storeKey(sid)), null)
    } finally {
      await served.close()
    }
  })

  it("stores express-session's JSON under base64url(SHA-256(sid)) with a version", async () => {
    const store: SessionkitStore = createMemoryStore({ sweepInterval: 0 })
    const served = await start({ cookie: { maxAge: 60_000 }, sessionkit: { store } })
    const client = new Client(served.url)
    try {
      await client.get('/views')
      await client.get('/views')
      const record = await store.get(storeKey(sidOf(client)))
      assert.equal(record?.version, 2)
      const json = JSON.parse(record?.data ?? '{}') as { cookie: Sess; views: number }
      assert.equal(json.views, 2)
      assert.equal(Math.round(Number(json.cookie['originalMaxAge']) / 1000), 60)
      assert.ok(
        Math.abs(Date.parse(String(json.cookie['expires'])) - (record?.expiresAt ?? 0)) < 1000,
        'record expiry is the cookie expiry',
      )
    } finally {
      await served.close()
    }
  })

  it('checks the extras once, listing every problem', () => {
    const store = createMemoryStore({ sweepInterval: 0 })
    assert.throws(
      () =>
        dropIn({
          ...base,
          store: new dropIn.MemoryStore(),
          sessionkit: { store, absoluteTimeout: 'soon' as never, mergeTimeout: -1 },
        }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.map((i) => i.path).join() ===
          'sessionkit.absoluteTimeout,store,sessionkit.mergeTimeout',
    )
    assert.throws(
      () => dropIn({ ...base, sessionkit: { concurrency: 'lock' } }),
      /needs sessionkit.store/,
    )
    const noLocks = {
      ...store,
      capabilities: { ...store.capabilities, lock: false },
    } as SessionkitStore
    assert.throws(
      () => dropIn({ ...base, sessionkit: { store: noLocks, concurrency: 'lock' } }),
      /lock needs a store with locks/,
    )
  })
})

function storeKey(sid: string): string {
  return createHash('sha256').update(sid).digest('base64url')
}
