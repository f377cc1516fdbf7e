// SECURITY-CHECKLIST H and ASVS V3.2/3.3: regeneration, fixation, logout, timeouts, user-level
// revocation, concurrency and locks, clock skew — through createSessions on real local stores.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { setImmediate as tick } from 'node:timers/promises'
import fc from 'fast-check'
import { LockTimeout, type SessionRecord, type Store } from '../../src/index.js'
import { createFileStore } from '../../src/stores/file.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createSqliteStore } from '../../src/stores/sqlite.js'
import {
  ctx,
  DAY,
  exchange,
  HOUR,
  harness,
  type ManualClock,
  MINUTE,
  manualClock,
} from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'sessionkit-security-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let dirs = 0

const STORES: Array<[string, (clock: ManualClock) => Store]> = [
  ['memory', (clock) => createMemoryStore({ now: clock.now, sweepInterval: 0 })],
  ['sqlite', (clock) => createSqliteStore({ path: ':memory:', now: clock.now })],
  ['file', (clock) => createFileStore({ dir: join(dir, `s${++dirs}`), now: clock.now })],
]

function on(
  name: string,
  make: (clock: ManualClock) => Store,
  options: Parameters<typeof harness>[0] = {},
) {
  const clock = manualClock()
  const h = harness(options, { memory: make(clock), clock })
  after(() => h.sessions.close())
  return { h, name }
}

/** Clearing cookie: Max-Age=0 and a past Expires. */
function assertCleared(setCookies: readonly string[]): void {
  const header = setCookies.find((c) => c.startsWith('sid=;') || c.startsWith('sid=;'.slice(0, 4)))
  assert.ok(header, 'a Set-Cookie for sid')
  assert.match(header, /^sid=;/)
  assert.match(header, /Max-Age=0/i)
  assert.match(header, /Expires=Thu, 01 Jan 1970/i)
}

for (const [name, make] of STORES) {
  describe(`H. lifecycle on the ${name} store`, () => {
    it('T-3.2.1: regenerate gives a new id and CSRF secret; the old id is gone from the store and replays as anonymous', async () => {
      const { h } = on(name, make)
      const live = await h.seed({ cart: ['a'] })
      const { result: oldToken } = await exchange(h.sessions, live.cookie, (s) => s.csrfToken())
      const { cookie, session } = await exchange(h.sessions, live.cookie, (s) => s.regenerate())
      assert.ok(cookie && session.id !== live.id, 'new id')
      assert.equal(await h.memory.get(live.handle), null, 'store.get(old) → null')
      const replay = await exchange(h.sessions, live.cookie, (s) => s.get('cart'))
      assert.equal(replay.session.id, null)
      assert.equal(replay.result, undefined)
      const { result } = await exchange(h.sessions, cookie, (s) => [
        s.get('cart'),
        s.verifyCsrf(oldToken),
      ])
      assert.deepEqual(
        JSON.parse(JSON.stringify(result)),
        [['a'], false],
        'data kept, CSRF secret changed',
      )
    })

    it('T-3.2.1 fixation: a planted, valid pre-login id is replaced at login', async () => {
      const { h } = on(name, make)
      const planted = await h.seed({ attacker: true })
      const { cookie, session } = await exchange(h.sessions, planted.cookie, (s) =>
        s.login('victim'),
      )
      assert.ok(cookie && !cookie.includes(planted.id), 'Set-Cookie carries another id')
      assert.equal(session.meta.userId, 'victim')
      const attacker = await exchange(h.sessions, planted.cookie, (s) => s.meta.userId)
      assert.equal(attacker.session.id, null, "the attacker's cookie is anonymous")
      assert.equal(attacker.result, null)
    })

    it('T-3.3.1 / BI-62: destroy removes the record, clears the cookie, and the old cookie, token and flash are dead', async () => {
      const { h } = on(name, make)
      const live = await h.seed({ user: 'u1' })
      const { result: token } = await exchange(h.sessions, live.cookie, (s) => {
        s.flash('notice', 'saved')
        return s.csrfToken()
      })
      const { plan } = await exchange(h.sessions, live.cookie, (s) => s.logout())
      assertCleared(plan.setCookies)
      assert.equal(await h.memory.get(live.handle), null)
      const replay = await exchange(h.sessions, live.cookie, (s) => [
        s.get('user'),
        s.getFlash('notice'),
        s.verifyCsrf(token),
      ])
      assert.equal(replay.session.id, null)
      assert.deepEqual(replay.result, [undefined, undefined, false])
    })

    it('T-3.3.3: revokeUserSessions(user, { except: current }) kills the other sessions, not the current one', async () => {
      const { h } = on(name, make)
      const sessions = await Promise.all(
        [1, 2, 3].map(
          async () =>
            (await exchange(h.sessions, undefined, (s) => s.login('alice'))).cookie as string,
        ),
      )
      const bob = (await exchange(h.sessions, undefined, (s) => s.login('bob'))).cookie as string
      const current = (await exchange(h.sessions, sessions[0], (s) => s.handle)).result as string
      assert.equal(await h.sessions.revokeUserSessions('alice', { except: current }), 2)
      const alive = await Promise.all(
        [...sessions, bob].map(
          async (c) => (await exchange(h.sessions, c, () => {})).session.id !== null,
        ),
      )
      assert.deepEqual(alive, [true, false, false, true])
    })

    it('T-3.3.4: listUserSessions gives handles, never ids; a handle is no cookie; revoke(handle) ends that session', async () => {
      const { h } = on(name, make)
      const { cookie, session } = await exchange(h.sessions, undefined, (s) => s.login('carol'))
      const id = session.id as string
      const list = await h.sessions.listUserSessions('carol', { current: session.handle as string })
      assert.equal(list.length, 1)
      const [entry] = list
      assert.ok(entry && entry.handle !== id && !JSON.stringify(list).includes(id), 'no raw id')
      assert.equal(entry?.current, true)
      assert.equal((await exchange(h.sessions, `sid=${entry?.handle}`, () => {})).session.id, null)
      await h.sessions.revoke(entry?.handle as string)
      assert.equal((await exchange(h.sessions, cookie, () => {})).session.id, null)
    })
  })
}

describe('H. timeouts (injected clock)', () => {
  it('T-3.3.1: past the idle timeout the core rejects the session even though the store still holds it', async () => {
    const storeClock = manualClock()
    const clock = manualClock()
    const h = harness(
      {},
      { memory: createMemoryStore({ now: storeClock.now, sweepInterval: 0 }), clock },
    )
    const live = await h.seed()
    clock.advance(31 * MINUTE)
    assert.ok(await h.memory.get(live.handle), 'the store (its clock unmoved) still has it')
    assert.equal((await exchange(h.sessions, live.cookie, () => {})).session.id, null)
    assert.deepEqual(h.reasons, ['expired'])
  })

  it('T-3.3.2 / BI-60: defaults are ASVS L2 — 30 min idle, 12 h absolute; activity every 29 min never passes 12 h', async () => {
    const h = harness()
    const start = h.clock.now()
    const live = await h.seed()
    let alive = true
    while (alive) {
      h.clock.advance(29 * MINUTE)
      const { session } = await exchange(h.sessions, live.cookie, (s) => s.touch())
      alive = session.id !== null
      if (alive) assert.ok(h.clock.now() - start < 12 * HOUR, 'alive only before 12 h')
    }
    assert.ok(
      h.clock.now() - start >= 12 * HOUR,
      `died at ${(h.clock.now() - start) / HOUR} h, not before 12 h`,
    )
    const idle = harness()
    const other = await idle.seed()
    idle.clock.advance(30 * MINUTE)
    assert.equal(
      (await exchange(idle.sessions, other.cookie, () => {})).session.id,
      null,
      'idle 30 min',
    )
  })

  it('T-3.3.2: the absolute start survives regenerate and login; remember() is capped by the remaining lifetime', async () => {
    const h = harness({ absoluteTimeout: '2h', idleTimeout: '90m' })
    const live = await h.seed()
    h.clock.advance(HOUR)
    const { cookie, session } = await exchange(h.sessions, live.cookie, (s) => s.login('dave'))
    assert.notEqual(session.id, live.id, 'login regenerated the live session')
    assert.equal(session.meta.createdAt, h.clock.now() - HOUR, 'createdAt kept')
    h.clock.advance(20 * MINUTE)
    const { plan } = await exchange(h.sessions, cookie, (s) => s.remember('30d'))
    const maxAge = Number(/Max-Age=(\d+)/i.exec(plan.setCookies[0] ?? '')?.[1])
    assert.ok(maxAge > 0 && maxAge <= 40 * 60, `Max-Age ${maxAge} s ≤ the 40 min left`)
    h.clock.advance(25 * MINUTE)
    assert.ok((await exchange(h.sessions, cookie, (s) => s.touch())).session.id, 'alive at 1 h 45')
    h.clock.advance(16 * MINUTE)
    assert.equal((await exchange(h.sessions, cookie, () => {})).session.id, null, 'dead after 2 h')
  })

  it('BI-59: whatever the clock does (skew, steps back), no record outlives createdAt + absoluteTimeout', () =>
    fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.integer({ min: -2 * HOUR, max: 2 * HOUR }),
            fc.constantFrom('touch', 'write', 'read'),
          ),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        async (steps) => {
          const h = harness({ absoluteTimeout: '3h', idleTimeout: '1h' })
          const created = h.clock.now()
          const live = await h.seed()
          for (const [move, action] of steps) {
            h.clock.advance(move)
            const { session } = await exchange(h.sessions, live.cookie, (s) => {
              if (action === 'touch') s.touch()
              if (action === 'write') s.increment('n')
            })
            if (session.id === live.id)
              assert.ok(h.clock.now() < created + 3 * HOUR, 'loaded only before the absolute end')
            const record = (await h.memory.get(live.handle)) as SessionRecord | null
            if (record)
              assert.ok(
                record.expiresAt <= created + 3 * HOUR,
                'stored expiry within the absolute end',
              )
          }
        },
      ),
      { numRuns: 40 },
    ))

  it('T-3.7.1 / 3.6: meta.authenticatedAt is null before login and the login time after', async () => {
    const h = harness()
    const live = await h.seed()
    const before = await exchange(h.sessions, live.cookie, (s) => s.meta.authenticatedAt)
    assert.equal(before.result, null)
    h.clock.advance(5 * MINUTE)
    const { session } = await exchange(h.sessions, live.cookie, (s) => s.login('erin'))
    assert.equal(session.meta.authenticatedAt, h.clock.now())
    h.clock.advance(DAY)
  })
})

describe('H. login, concurrency and locks', () => {
  it('BI-61: login() regenerates and rotates the CSRF secret even for the same user (step-up)', async () => {
    const h = harness()
    const first = await exchange(h.sessions, undefined, (s) => {
      s.set('mfa', 'pending')
      return s.login('frank')
    })
    const { result: token } = await exchange(h.sessions, first.cookie, (s) => s.csrfToken())
    const second = await exchange(h.sessions, first.cookie, async (s) => {
      s.set('mfa', 'done')
      await s.login('frank')
      return s.verifyCsrf(token)
    })
    assert.ok(second.cookie && second.cookie !== first.cookie, 'a new id at step-up')
    assert.equal(second.result, false, 'the pre-step-up token is dead')
    assert.equal((await exchange(h.sessions, first.cookie, () => {})).session.id, null)
  })

  it('BI-54: two parallel requests both regenerating leave exactly one live new id; the old id is dead', async () => {
    const h = harness()
    const live = await h.seed({ n: 1 })
    const [a, b] = await Promise.all([
      h.sessions.open(ctx({ cookie: live.cookie })),
      h.sessions.open(ctx({ cookie: live.cookie })),
    ])
    const results = await Promise.allSettled(
      [a, b].map(async (rs) => {
        await rs?.session.regenerate()
        const plan = rs?.finalize()
        await rs?.commit()
        return plan?.setCookies[0]?.split(';', 1)[0]
      }),
    )
    const cookies = [
      ...new Set(results.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []))),
    ]
    const live2 = []
    for (const cookie of cookies)
      if ((await exchange(h.sessions, cookie, () => {})).session.id) live2.push(cookie)
    assert.equal(live2.length, 1, 'exactly one new id is valid')
    assert.equal((await exchange(h.sessions, live.cookie, () => {})).session.id, null)
  })

  it('BI-55: 100 parallel requests each incrementing one counter → 100 (merge, no lost update)', async () => {
    const h = harness()
    const live = await h.seed({ n: 0 })
    await Promise.all(
      Array.from({ length: 100 }, () => exchange(h.sessions, live.cookie, (s) => s.increment('n'))),
    )
    assert.equal((await exchange(h.sessions, live.cookie, (s) => s.get('n'))).result, 100)
  })

  it('BI-56: a lock whose holder crashed (never released) is taken over once its ttl has passed', async () => {
    const h = harness({ concurrency: 'lock', lock: { ttl: '30s', timeout: '10s' } })
    const live = await h.seed()
    const crashed = await h.memory.lock?.(live.handle, { ttl: 1000 })
    assert.ok(crashed, 'the crashed holder got the lock')
    let opened = false
    const opening = h.sessions.open(ctx({ cookie: live.cookie })).then((rs) => {
      opened = true
      return rs
    })
    await tick()
    assert.equal(opened, false, 'waits while the lock is live')
    h.clock.advance(1001)
    const rs = await opening
    assert.equal(rs.session.id, live.id)
    rs.finalize()
    await rs.commit()
  })

  it('BI-57: waiting beyond lock.timeout fails with LockTimeout (503); lock() is re-entrant within a request', async () => {
    const h = harness({ concurrency: 'lock', lock: { timeout: '50ms' } })
    const live = await h.seed()
    const holder = await h.sessions.open(ctx({ cookie: live.cookie }))
    await holder.session.lock()
    await holder.session.lock()
    // The lock wait uses an unref'd timer: keep the loop alive as a listening server would.
    const keepAlive = setInterval(() => {}, 1000)
    after(() => clearInterval(keepAlive))
    await assert.rejects(
      h.sessions.open(ctx({ cookie: live.cookie })),
      (e: unknown) => e instanceof LockTimeout && e.status === 503,
    )
    holder.finalize()
    await holder.commit()
    assert.ok(
      (await exchange(h.sessions, live.cookie, () => {})).session.id,
      'free again after commit',
    )
  })

  it('BI-58: a flash read by 50 parallel requests under concurrency "lock" is seen exactly once', async () => {
    const h = harness({ concurrency: 'lock' })
    const live = await h.seed()
    await exchange(h.sessions, live.cookie, (s) => s.flash('notice', 'once'))
    const seen = await Promise.all(
      Array.from({ length: 50 }, () =>
        exchange(h.sessions, live.cookie, (s) => s.getFlash('notice')),
      ),
    )
    assert.equal(seen.filter((x) => x.result === 'once').length, 1)
  })

  it('BI-58 (documented): under the default "merge", parallel readers that loaded before the first commit each see the flash (at-least-once); it is gone afterwards', async () => {
    const h = harness()
    const live = await h.seed()
    await exchange(h.sessions, live.cookie, (s) => s.flash('notice', 'once'))
    const seen = await Promise.all(
      Array.from({ length: 10 }, () =>
        exchange(h.sessions, live.cookie, (s) => s.getFlash('notice')),
      ),
    )
    assert.ok(seen.filter((x) => x.result === 'once').length >= 1)
    assert.equal(
      (await exchange(h.sessions, live.cookie, (s) => s.getFlash('notice'))).result,
      undefined,
    )
  })
})
