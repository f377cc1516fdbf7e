// "No lost updates" through a real Express server, for any store: parallel requests on one
// cookie, each awaiting a random 0–5 ms before writing. Registered per store by the test files.
import assert from 'node:assert/strict'
import { it, type TestContext } from 'node:test'
import type { Express } from 'express'
import type { Duration } from '../../src/core/duration.js'
import type { ConcurrencyMode } from '../../src/core/types.js'
import { type App, jitter, type StoreKit, startApp } from './support.js'

export interface LostUpdateOptions {
  /** Passed to createSessions: slow server stores under a loaded CI machine need more. */
  mergeTimeout?: Duration
  /** Passed to createSessions: a store call slower than this fails with 503. */
  storeTimeout?: Duration
  /** Passed to createSessions: 200 requests queued behind one lock on a slow store need more. */
  lock?: { ttl?: Duration; timeout?: Duration }
  /** Run only the 200-increment scenarios (merge and lock). */
  short?: boolean
}

/** The routes every lost-update scenario uses. */
export function counterRoutes(app: Express): void {
  app.get('/seed', (req, res) => {
    req.session.set('n', 0)
    req.session.set('profile', { name: 'ada' })
    res.send('seeded')
  })
  app.get('/inc', async (req, res) => {
    await jitter(5)
    res.send(String(req.session.increment('n')))
  })
  app.get('/set/:key', async (req, res) => {
    await jitter(5)
    req.session.set(['keys', req.params.key], req.params.key)
    res.send('ok')
  })
  app.get('/profile/:field', async (req, res) => {
    await jitter(5)
    const profile = req.session.get('profile') as Record<string, unknown>
    profile[req.params.field] = `value of ${req.params.field}`
    res.send('ok')
  })
  app.get('/read', (req, res) => {
    res.json({ id: req.session.id, data: req.session.all() })
  })
}

/** Start an app on a fresh store of `kit` in `concurrency` mode and seed one session. */
export async function seededApp(
  t: TestContext,
  kit: StoreKit,
  concurrency: ConcurrencyMode,
  options: LostUpdateOptions,
): Promise<{ app: App; sid: string }> {
  const { short: _short, ...sessionsOptions } = options
  const app = await startApp({
    store: kit.make(Date.now),
    options: { concurrency, ...sessionsOptions },
    routes: counterRoutes,
  })
  t.after(() => app.close())
  const seeded = await app.hit('/seed')
  assert.equal(seeded.status, 200, seeded.body)
  assert.ok(seeded.sid, 'the seed request started a session')
  return { app, sid: seeded.sid }
}

/** The session's data, read with `sid`. */
export async function readData(app: App, sid: string): Promise<Record<string, unknown>> {
  const reply = await app.hit('/read', sid)
  assert.equal(reply.status, 200, reply.body)
  return (JSON.parse(reply.body) as { data: Record<string, unknown> }).data
}

/** `count` requests to `path(i)` with `sid`, all sent at once. */
export async function parallel(app: App, sid: string, count: number, path: (i: number) => string) {
  await app.warm(count)
  const replies = await Promise.all(Array.from({ length: count }, (_, i) => app.hit(path(i), sid)))
  for (const reply of replies) assert.equal(reply.status, 200, `a request failed: ${reply.body}`)
  // Proof that the requests overlapped on the server rather than running one by one.
  const peak = app.peakInFlight
  assert.ok(peak >= count / 2, `only ${peak} of ${count} requests were in flight at once`)
  return replies
}

/** Register the lost-update scenarios for `kit`. */
export function lostUpdateTests(kit: StoreKit, options: LostUpdateOptions = {}): void {
  for (const mode of ['merge', 'lock'] as const) {
    it(`${mode}: 200 parallel increments on one cookie are all kept (n === 200)`, async (t) => {
      const { app, sid } = await seededApp(t, kit, mode, options)
      const replies = await parallel(app, sid, 200, () => '/inc')
      assert.equal((await readData(app, sid))['n'], 200)
      // Every request saw a distinct count: in lock mode exactly 1..200.
      if (mode === 'lock') {
        const seen = replies.map((reply) => Number(reply.body)).sort((a, b) => a - b)
        assert.deepEqual(
          seen,
          Array.from({ length: 200 }, (_, i) => i + 1),
        )
      }
    })
  }

  if (options.short) return

  it('merge: 100 parallel requests each setting a different key keep all 100 keys', async (t) => {
    const { app, sid } = await seededApp(t, kit, 'merge', options)
    await parallel(app, sid, 100, (i) => `/set/k${i}`)
    const keys = (await readData(app, sid))['keys'] as Record<string, string>
    assert.equal(Object.keys(keys).length, 100)
    for (let i = 0; i < 100; i++) assert.equal(keys[`k${i}`], `k${i}`)
  })

  it('merge: parallel in-place mutations of an object from get() keep every field', async (t) => {
    const { app, sid } = await seededApp(t, kit, 'merge', options)
    await parallel(app, sid, 30, (i) => `/profile/f${i}`)
    const profile = (await readData(app, sid))['profile'] as Record<string, string>
    assert.equal(profile['name'], 'ada', 'the field nobody changed survives')
    for (let i = 0; i < 30; i++) assert.equal(profile[`f${i}`], `value of f${i}`)
  })

  it("none is lossy, as documented: last write wins, so fewer than 200 of 200 parallel increments survive and the final n is one request's own view", async (t) => {
    const { app, sid } = await seededApp(t, kit, 'none', options)
    const replies = await parallel(app, sid, 200, () => '/inc')
    const n = (await readData(app, sid))['n'] as number
    assert.ok(n < 200, `expected lost updates under 'none', got n = ${n}`)
    const views = new Set(replies.map((reply) => Number(reply.body)))
    assert.ok(views.has(n), `the final n (${n}) is what some single request computed`)
  })
}
