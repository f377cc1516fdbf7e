// Issue 7 item 1, the user-level operations of `sessions` (listUserSessions, revoke,
// revokeUserSessions), as one table of checks that runs on every store with a user index: the
// memory and SQLite stores in test/unit/user-sessions.test.ts, the file, PostgreSQL and Redis
// stores in test/stores/user-sessions-servers.test.ts. "Two processes" are two `createSessions`
// objects over two store instances (their own connections) sharing one database.
import assert from 'node:assert/strict'
import { after, it } from 'node:test'
import type { Store } from '../../src/core/store.js'
import type { Sessions, SessionsOptions, UserSessionSummary } from '../../src/core/types.js'
import { createSessions } from '../../src/index.js'
import { Browser } from '../unit/helpers.js'

/** A store with a user index, as the checks need it. */
export interface UserIndexKit {
  name: string
  /**
   * A fresh, empty namespace (table, prefix, dir or file), and two store instances over it, as
   * two processes of one app would have; `now` is the stores' clock (default: real time).
   */
  fresh(now: () => number): { store: Store; peer: Store } | Promise<{ store: Store; peer: Store }>
}

/** Real time plus an offset that only `advance` moves (Redis keeps judging by its own clock). */
function offsetClock() {
  let offset = 0
  return {
    now: () => Date.now() + offset,
    advance: (ms: number) => {
      offset += ms
    },
  }
}

const ID = /^[A-Za-z0-9_-]{43}$/

/** Register the checks for `kit` in the current describe block. */
export function userSessionChecks(kit: UserIndexKit): void {
  const opened: Sessions[] = []
  after(async () => {
    await Promise.all(opened.map((sessions) => sessions.close()))
  })

  async function world(options: Omit<SessionsOptions, 'store' | 'now'> = {}) {
    const clock = offsetClock()
    const { store, peer } = await kit.fresh(clock.now)
    const make = (s: Store) => {
      const sessions = createSessions({ ...options, store: s, now: clock.now })
      opened.push(sessions)
      return sessions
    }
    const sessions = make(store)
    const other = make(peer)
    /** A browser that signs in as `user` from a device, on `via` (default: the first process). */
    const device = async (user: string, userAgent: string, ip: string, via = sessions) => {
      const browser = new Browser(via)
      const { result: handle } = await browser.request(
        async (s) => {
          await s.login(user)
          s.set('device', userAgent)
          return s.handle as string
        },
        { headers: { 'user-agent': userAgent }, remoteAddress: ip },
      )
      clock.advance(1000)
      return { browser, handle }
    }
    return { sessions, other, clock, device }
  }

  /** Who the browser is on its next request (one request, through its own process). */
  const whoIs = async (browser: Browser) => {
    const { result } = await browser.request((s) => ({ id: s.id, user: s.meta.userId ?? null }))
    return result
  }

  const handlesOf = (list: UserSessionSummary[]) => new Set(list.map((entry) => entry.handle))

  it(`${kit.name}: listUserSessions lists the user's live sessions with their metadata`, async () => {
    const { sessions, clock, device } = await world()
    const start = clock.now()
    const laptop = await device('ada', 'Laptop/1.0', '192.0.2.10')
    const phone = await device('ada', 'Phone/2.0', '192.0.2.20')
    const other = await device('grace', 'Tablet/3.0', '192.0.2.30')

    const list = await sessions.listUserSessions('ada', { current: laptop.handle })
    assert.equal(list.length, 2)
    assert.deepEqual(handlesOf(list), new Set([laptop.handle, phone.handle]))
    assert.deepEqual(
      list.filter((entry) => entry.current).map((entry) => entry.handle),
      [laptop.handle],
      'only the handle passed as current is marked current',
    )
    const byAgent = new Map(list.map((entry) => [entry.userAgent, entry]))
    assert.equal(byAgent.get('Phone/2.0')?.handle, phone.handle)
    assert.equal(byAgent.get('Phone/2.0')?.ip, '192.0.2.20')
    assert.equal(byAgent.get('Laptop/1.0')?.ip, '192.0.2.10')
    for (const entry of list) {
      assert.deepEqual(Object.keys(entry).sort(), [
        'createdAt',
        'current',
        'expiresAt',
        'handle',
        'ip',
        'lastSeenAt',
        'userAgent',
      ])
      assert.ok(
        typeof entry.createdAt === 'number' && entry.createdAt >= start,
        'createdAt is a time',
      )
      assert.ok(
        typeof entry.lastSeenAt === 'number' && entry.lastSeenAt >= (entry.createdAt ?? 0),
        'lastSeenAt is a time after createdAt',
      )
      assert.ok(entry.expiresAt > clock.now(), 'expiresAt is in the future')
      assert.match(entry.handle, ID)
    }
    const cookies = [laptop.browser.cookie, phone.browser.cookie]
    assert.ok(
      list.every((entry) => !Object.values(entry).some((value) => cookies.includes(value))),
      'no session id (cookie value) is listed',
    )
    assert.deepEqual(
      (await sessions.listUserSessions('grace')).map((entry) => [entry.handle, entry.current]),
      [[other.handle, false]],
      'without current, nothing is marked current',
    )
    assert.deepEqual(await sessions.listUserSessions('nobody'), [])
  })

  it(`${kit.name}: a handle presented as a cookie is not a session (a fresh one starts)`, async () => {
    const { sessions, device } = await world()
    const laptop = await device('ada', 'Laptop/1.0', '192.0.2.10')
    const thief = new Browser(sessions, laptop.handle)
    const { result } = await thief.request((s) => {
      const seen = { id: s.id, user: s.meta.userId ?? null, device: s.get('device') ?? null }
      s.set('probe', true)
      return { seen, id: s.id }
    })
    assert.deepEqual(result.seen, { id: null, user: null, device: null })
    assert.match(String(result.id), ID)
    assert.notEqual(result.id, laptop.handle)
    assert.notEqual(thief.cookie, laptop.handle, 'the thief got a new cookie')
    assert.deepEqual(await whoIs(laptop.browser), { id: laptop.browser.cookie, user: 'ada' })
  })

  it(`${kit.name}: revoke(handle) ends that session on its very next request, and only it`, async () => {
    const { sessions, device } = await world()
    const laptop = await device('ada', 'Laptop/1.0', '192.0.2.10')
    const phone = await device('ada', 'Phone/2.0', '192.0.2.20')
    await sessions.revoke(phone.handle)
    assert.deepEqual(await whoIs(phone.browser), { id: null, user: null })
    assert.deepEqual(await whoIs(laptop.browser), { id: laptop.browser.cookie, user: 'ada' })
    assert.deepEqual(handlesOf(await sessions.listUserSessions('ada')), new Set([laptop.handle]))
    await sessions.revoke(phone.handle) // revoking twice is harmless
  })

  it(`${kit.name}: a request in flight when its session is revoked does not bring it back`, async () => {
    const { sessions, device } = await world()
    const phone = await device('ada', 'Phone/2.0', '192.0.2.20')
    const inFlight = await phone.browser.open()
    await sessions.revoke(phone.handle)
    inFlight.session.set('late', 'write')
    phone.browser.receive(inFlight.finalize())
    await inFlight.commit().catch(() => {}) // merge mode: the write is dropped, never re-created
    assert.deepEqual(await whoIs(phone.browser), { id: null, user: null })
    assert.deepEqual(await sessions.listUserSessions('ada'), [])
  })

  it(`${kit.name}: revokeUserSessions keeps the sessions in except and resolves how many it ended`, async () => {
    const { sessions, device } = await world()
    const a = await device('ada', 'A/1', '192.0.2.1')
    const b = await device('ada', 'B/1', '192.0.2.2')
    const c = await device('ada', 'C/1', '192.0.2.3')
    const d = await device('ada', 'D/1', '192.0.2.4')
    const grace = await device('grace', 'G/1', '192.0.2.5')

    assert.equal(await sessions.revokeUserSessions('ada', { except: a.handle }), 3)
    assert.deepEqual(await whoIs(a.browser), { id: a.browser.cookie, user: 'ada' })
    for (const gone of [b, c, d])
      assert.deepEqual(await whoIs(gone.browser), { id: null, user: null })
    assert.deepEqual(handlesOf(await sessions.listUserSessions('ada')), new Set([a.handle]))
    assert.deepEqual(await whoIs(grace.browser), { id: grace.browser.cookie, user: 'grace' })

    const e = await device('ada', 'E/1', '192.0.2.6')
    const f = await device('ada', 'F/1', '192.0.2.7')
    assert.equal(await sessions.revokeUserSessions('ada', { except: [a.handle, e.handle] }), 1)
    assert.deepEqual(await whoIs(f.browser), { id: null, user: null })
    assert.deepEqual(
      handlesOf(await sessions.listUserSessions('ada')),
      new Set([a.handle, e.handle]),
    )

    assert.equal(await sessions.revokeUserSessions('ada'), 2, 'no except: every session')
    assert.deepEqual(await sessions.listUserSessions('ada'), [])
    assert.equal(await sessions.revokeUserSessions('ada'), 0)
    assert.equal(await sessions.revokeUserSessions('nobody'), 0)
    assert.equal((await sessions.listUserSessions('grace')).length, 1, "other users' sessions stay")
  })

  it(`${kit.name}: a session revoked in one process is dead on its next request in another`, async () => {
    const { sessions, other, device } = await world()
    const laptop = await device('ada', 'Laptop/1.0', '192.0.2.10', sessions)
    const phone = await device('ada', 'Phone/2.0', '192.0.2.20', other)
    const tablet = await device('ada', 'Tablet/1.0', '192.0.2.30', other)
    assert.deepEqual(
      handlesOf(await other.listUserSessions('ada')),
      new Set([laptop.handle, phone.handle, tablet.handle]),
      'each process lists the sessions the other created',
    )
    // The phone's session is warm in process B; process A revokes it.
    assert.equal((await whoIs(phone.browser)).user, 'ada')
    await sessions.revoke(phone.handle)
    assert.deepEqual(await whoIs(phone.browser), { id: null, user: null })
    // "Sign out everywhere else" from process B ends the laptop's session in process A.
    assert.equal(await other.revokeUserSessions('ada', { except: tablet.handle }), 1)
    assert.deepEqual(await whoIs(laptop.browser), { id: null, user: null })
    assert.deepEqual(await whoIs(tablet.browser), { id: tablet.browser.cookie, user: 'ada' })
  })
}
