// 'lock' mode through a real Express server: a crashed holder, FIFO service, LockTimeout and a
// lock lost mid-request. The store's lock is taken directly (`store.lock`) to play another
// process; its clock is the one the core uses.
import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'
import { it, type TestContext } from 'node:test'
import type { Express } from 'express'
import type { Duration } from '../../src/core/duration.js'
import type { SessionHooks } from '../../src/core/types.js'
import { readData } from './lost-updates.js'
import { type App, eventually, gate, offsetClock, type StoreKit, startApp } from './support.js'

const TTL = 300

/** Register the lock-mode scenarios for `kit`. */
export function lockTests(kit: StoreKit): void {
  it('a crashed lock holder blocks the session for about lock.ttl, not longer', async (t) => {
    const { app, sid, handle } = await lockApp(t, kit, { ttl: TTL, timeout: '5s' })
    const started = performance.now()
    const crashed = await app.store.lock?.(handle, { ttl: TTL })
    assert.ok(crashed, 'the other "process" took the lock (and never releases it)')
    const reply = await app.hit('/inc', sid)
    const waited = performance.now() - started
    assert.equal(reply.status, 200, reply.body)
    assert.equal(reply.body, '1')
    assert.ok(waited >= TTL - 10, `served after ${waited} ms: before the crashed lock expired`)
    assert.ok(waited < TTL + 2_000, `served after ${waited} ms: long after the lock expired`)
  })

  it('requests on one session are served in arrival order (FIFO)', async (t) => {
    const served: number[] = []
    const first = gate()
    const { app, sid } = await lockApp(t, kit, { ttl: '30s', timeout: '10s' }, (routes) => {
      routes.get('/order/:i', async (req, res) => {
        const i = Number(req.params.i)
        served.push(i)
        if (i === 0) await first.promise
        res.send(String(req.session.increment('n')))
      })
    })
    const replies = []
    for (let i = 0; i < 12; i++) {
      const arrived = app.arrival(`/order/${i}`)
      replies.push(app.hit(`/order/${i}`, sid))
      await arrived
      if (i === 0) await eventually(() => served.length === 1, 5_000, 'the first to hold the lock')
      else await new Promise((resolve) => setTimeout(resolve, 3))
    }
    first.open()
    const bodies = (await Promise.all(replies)).map((reply) => reply.body)
    assert.deepEqual(
      served,
      Array.from({ length: 12 }, (_, i) => i),
    )
    assert.deepEqual(
      bodies,
      Array.from({ length: 12 }, (_, i) => String(i + 1)),
    )
  })

  it('a request waiting longer than lock.timeout gets 503 LockTimeout and writes nothing', async (t) => {
    const hold = gate()
    const holding = gate()
    const { app, sid } = await lockApp(t, kit, { ttl: '30s', timeout: '200ms' }, (routes) => {
      routes.get('/hold', async (req, res) => {
        req.session.set('who', 'holder')
        holding.open()
        await hold.promise
        res.send('held')
      })
    })
    const holder = app.hit('/hold', sid)
    await holding.promise
    const started = performance.now()
    const waiter = await app.hit('/inc', sid)
    const waited = performance.now() - started
    assert.equal(waiter.status, 503)
    assert.equal(waiter.body, 'LOCK_TIMEOUT')
    assert.ok(waited >= 190, `gave up after ${waited} ms, before lock.timeout`)
    hold.open()
    assert.equal((await holder).status, 200)
    const data = await readData(app, sid)
    assert.equal(data['who'], 'holder')
    assert.equal(data['n'], 0, 'the timed-out request wrote nothing')
  })

  for (const when of ['after the next refresh notices', 'before any refresh ran'] as const) {
    it(`a lock lost mid-request (${when}): lockLost fires and the commit fails with 503 instead of overwriting`, async (t) => {
      let lost = 0
      const hold = gate()
      const holding = gate()
      const { app, sid, handle } = await lockApp(
        t,
        kit,
        { ttl: TTL, timeout: '5s' },
        (routes) => {
          routes.get('/hold', async (req, res) => {
            req.session.set('who', 'late holder')
            holding.open()
            await hold.promise
            res.send('held')
          })
        },
        { lockLost: () => void lost++ },
      )
      const holder = app.hit('/hold', sid)
      await holding.promise
      // The holder stalls past its ttl (by the store's clock); another process takes over.
      app.clock.advance(TTL + 1)
      const thief = await app.store.lock?.(handle, { ttl: 60_000 })
      assert.ok(thief, 'the expired lock could be taken over')
      if (when === 'after the next refresh notices')
        await eventually(() => lost === 1, 5_000, 'the lockLost hook')
      hold.open()
      const reply = await holder
      assert.equal(reply.status, 503, `the lost lock's commit must fail: ${reply.body}`)
      assert.equal(lost, 1, 'lockLost fired once')
      await thief.release()
      assert.equal((await readData(app, sid))['who'], undefined, 'nothing was overwritten')
    })
  }
}

/** An app in lock mode on a fresh store, with `/inc`, `/read`, `/handle` and a seeded session. */
async function lockApp(
  t: TestContext,
  kit: StoreKit,
  lock: { ttl: Duration; timeout: Duration },
  routes: (app: Express) => void = () => {},
  hooks: SessionHooks = {},
): Promise<{ app: App; sid: string; handle: string }> {
  const clock = offsetClock()
  const app = await startApp({
    store: kit.make(clock.now),
    clock,
    options: { concurrency: 'lock', lock, hooks },
    routes(express) {
      express.get('/seed', (req, res) => {
        req.session.set('n', 0)
        res.send(req.session.handle)
      })
      express.get('/inc', (req, res) => {
        res.send(String(req.session.increment('n')))
      })
      express.get('/read', (req, res) => {
        res.json({ id: req.session.id, data: req.session.all() })
      })
      routes(express)
    },
  })
  t.after(() => app.close())
  const seeded = await app.hit('/seed')
  assert.ok(seeded.sid, 'seeded')
  return { app, sid: seeded.sid, handle: seeded.body }
}
