// Regeneration and periodic rotation racing parallel requests that still carry the old cookie,
// through a real Express server. The clock is shared by the core and the store.
import assert from 'node:assert/strict'
import { it, type TestContext } from 'node:test'
import type { Express } from 'express'
import type { SessionHooks, SessionsOptions } from '../../src/core/types.js'
import { readData } from './lost-updates.js'
import { type App, eventually, gate, offsetClock, type StoreKit, startApp } from './support.js'

const MINUTE = 60_000

/** Register the regenerate / rotateEvery scenarios for `kit`. */
export function regenerateTests(kit: StoreKit): void {
  it('regenerate with grace: 20 parallel requests on the old cookie all see the data, those after it get the new cookie; the old id dies when the window ends', async (t) => {
    const regenerated = gate()
    const release = gate()
    const slowLoaded: Array<() => void> = []
    let zombies = 0
    const { app, sid } = await regenApp(
      t,
      kit,
      { zombieAccess: () => void zombies++ },
      (routes) => {
        routes.get('/regen', async (req, res) => {
          await req.session.regenerate({ grace: '5s' })
          regenerated.open()
          await release.promise
          res.send('regenerated')
        })
        // Loaded the old session before the regenerate, writes after it.
        routes.get('/slow', async (req, res) => {
          const name = req.session.get('name')
          await new Promise<void>((resolve) => slowLoaded.push(resolve))
          req.session.increment('hits')
          res.json({ name })
        })
      },
    )
    const slow = Array.from({ length: 10 }, () => app.hit('/slow', sid))
    await eventually(() => slowLoaded.length === 10, 10_000, 'the slow requests to load')
    const regen = app.hit('/regen', sid)
    await regenerated.promise
    const late = await Promise.all(Array.from({ length: 10 }, () => app.hit('/hit', sid)))
    for (const resolve of slowLoaded) resolve()
    release.open()
    const newSid = (await regen).sid
    assert.ok(newSid && newSid !== sid, 'the regenerate response carries a new id')
    for (const reply of [...(await Promise.all(slow)), ...late]) {
      assert.equal(reply.status, 200, reply.body)
      assert.equal((JSON.parse(reply.body) as { name: string }).name, 'ada', 'not a fresh session')
    }
    for (const reply of late) assert.equal(reply.sid, newSid, 'answered with the new cookie')
    assert.equal(zombies, 10, 'zombieAccess fired for each request that followed the old id')
    assert.equal((await readData(app, newSid))['hits'], 20, 'no write on the old id was lost')
    assert.equal((await readData(app, sid))['name'], 'ada', 'still inside the grace window')

    app.clock.advance(5_001)
    const after = await app.hit('/read', sid)
    assert.deepEqual(JSON.parse(after.body), { id: null, data: {} }, 'a fresh, empty session')
    assert.equal((await readData(app, newSid))['name'], 'ada', 'the new id lives on')
  })

  it('regenerate without grace: the old cookie is dead at once', async (t) => {
    const { app, sid } = await regenApp(t, kit, {}, (routes) => {
      routes.get('/regen', async (req, res) => {
        await req.session.regenerate()
        res.send('regenerated')
      })
    })
    const newSid = (await app.hit('/regen', sid)).sid
    assert.ok(newSid && newSid !== sid, 'a new id')
    const old = await app.hit('/hit', sid)
    assert.equal(JSON.parse(old.body).name, undefined, 'the old cookie opens a fresh session')
    assert.notEqual(old.sid, newSid, 'and is not sent to the new session')
    assert.equal((await readData(app, newSid))['name'], 'ada')
  })

  it('rotateEvery: after `every` the next request gets a new cookie; the old id works within grace with the data intact, then dies', async (t) => {
    const { app, sid } = await regenApp(t, kit, {}, () => {}, {
      rotateEvery: { every: '10m', grace: '30s' },
    })
    assert.equal((await app.hit('/hit', sid)).sid, undefined, 'not due yet: no new cookie')
    app.clock.advance(10 * MINUTE)
    const rotated = await app.hit('/hit', sid)
    assert.ok(rotated.sid && rotated.sid !== sid, 'rotated: a new cookie')
    assert.equal(JSON.parse(rotated.body).name, 'ada')
    const old = await app.hit('/hit', sid)
    assert.equal(old.status, 200)
    assert.equal(JSON.parse(old.body).name, 'ada', 'the old id still answers within grace')
    assert.equal(old.sid, rotated.sid, 'and is pointed at the new cookie')
    assert.equal((await readData(app, rotated.sid))['hits'], 3, 'every write landed')
    app.clock.advance(30_001)
    assert.deepEqual(JSON.parse((await app.hit('/read', sid)).body), { id: null, data: {} })
    assert.equal((await app.hit('/hit', rotated.sid)).sid, undefined, 'no second rotation')
  })
}

/** An app on a fresh store, with `/seed` (name + hits), `/hit` and `/read`, and a seeded session. */
async function regenApp(
  t: TestContext,
  kit: StoreKit,
  hooks: SessionHooks,
  routes: (app: Express) => void,
  options: Pick<SessionsOptions, 'rotateEvery'> = {},
): Promise<{ app: App; sid: string }> {
  const clock = offsetClock()
  const app = await startApp({
    store: kit.make(clock.now),
    clock,
    options: { ...options, hooks },
    routes(express) {
      express.get('/seed', (req, res) => {
        req.session.set('name', 'ada')
        res.send('seeded')
      })
      express.get('/hit', (req, res) => {
        req.session.increment('hits')
        res.json({ name: req.session.get('name') })
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
  return { app, sid: seeded.sid }
}
