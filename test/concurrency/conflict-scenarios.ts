// The `conflict` hook in 'merge' mode, through a real Express server: two requests that loaded
// the same version write the same path (the later commit wins, the hook names the path) or
// disjoint paths (both kept, no hook).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { readData } from './lost-updates.js'
import { type App, eventually, gate, type StoreKit, startApp } from './support.js'

/** Register the conflict-hook scenarios for `kit`. */
export function conflictTests(kit: StoreKit): void {
  it('two requests writing the same path: the later commit wins and conflict fires with that path', async (t) => {
    const { app, sid, conflicts, write } = await conflictApp(kit, t)
    await write(sid, ['/write/color/red', '/write/color/blue'])
    assert.equal((await readData(app, sid))['color'], 'blue', 'the later commit wins')
    assert.deepEqual(conflicts, [['color']], 'one conflict, reported by the later commit')
  })

  it('a write to a path and one to its ancestor conflict on that subtree', async (t) => {
    const { app, sid, conflicts, write } = await conflictApp(kit, t)
    await write(sid, ['/write/prefs.theme/dark', '/write/prefs/none'])
    assert.equal((await readData(app, sid))['prefs'], 'none')
    assert.deepEqual(conflicts, [['prefs']])
  })

  it('two requests writing disjoint paths: both kept, conflict never fires', async (t) => {
    const { app, sid, conflicts, write } = await conflictApp(kit, t)
    await write(sid, ['/write/prefs.theme/dark', '/write/cart.items/3', '/write/color/green'])
    const data = await readData(app, sid)
    assert.deepEqual(data['prefs'], { theme: 'dark', lang: 'en' })
    assert.deepEqual(data['cart'], { items: '3' })
    assert.equal(data['color'], 'green')
    assert.deepEqual(conflicts, [])
  })
}

interface ConflictApp {
  app: App
  sid: string
  conflicts: string[][]
  /** Load all `paths` in parallel on one version, then commit them one after another, in order. */
  write(sid: string, paths: string[]): Promise<void>
}

async function conflictApp(kit: StoreKit, t: { after(fn: () => unknown): void }) {
  const conflicts: string[][] = []
  const loaded = new Map<string, ReturnType<typeof gate>>()
  const app = await startApp({
    store: kit.make(Date.now),
    options: {
      concurrency: 'merge',
      hooks: { conflict: (_ctx, paths) => conflicts.push([...paths]) },
    },
    routes(express) {
      express.get('/seed', (req, res) => {
        req.session.set('prefs', { lang: 'en' })
        res.send('seeded')
      })
      express.get('/write/:path/:value', async (req, res) => {
        req.session.set(req.params.path, req.params.value)
        const turn = gate()
        loaded.set(req.path, turn)
        await turn.promise
        res.send('written')
      })
      express.get('/read', (req, res) => {
        res.json({ id: req.session.id, data: req.session.all() })
      })
    },
  })
  t.after(() => app.close())
  const seeded = await app.hit('/seed')
  assert.ok(seeded.sid, 'seeded')
  const result: ConflictApp = {
    app,
    sid: seeded.sid,
    conflicts,
    async write(sid, paths) {
      const replies = paths.map((path) => app.hit(path, sid))
      await eventually(() => loaded.size === paths.length, 5_000, 'every request to load')
      for (const [i, path] of paths.entries()) {
        loaded.get(path)?.open()
        const reply = await (replies[i] as Promise<{ status: number; body: string }>)
        assert.equal(reply.status, 200, reply.body)
      }
    },
  }
  return result
}
