// The session lifecycle driven through sessions.open() / finalize() / commit(): lazy start,
// cookies, regenerate, login/logout, timeouts, hostile cookies and records, store failures,
// concurrency and user-level operations. SECURITY-CHECKLIST ids are named in the titles.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import {
  ConfigError,
  HeadersSent,
  ReadOnlySession,
  SessionConflict,
  SessionError,
  SessionTooLarge,
  StoreUnavailable,
} from '../../src/core/errors.js'
import { generateId } from '../../src/core/ids.js'
import type { Store } from '../../src/core/store.js'
import type { InvalidIdReason, Session, SessionData, SessionHooks } from '../../src/core/types.js'
import { createSessions } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import {
  Browser,
  countingStore,
  envelope,
  FakeClock,
  parseSetCookie,
  rawRecord,
  requestContext,
  setup,
} from './helpers.js'

const ID = /^[A-Za-z0-9_-]{43}$/

/** base64url(SHA-256(id)): the store key (handle) of a session id, as DESIGN.md defines it. */
function keyOf(id: string): string {
  return createHash('sha256').update(id).digest('base64url')
}

/** A sessions object that records invalidId reasons and other hook calls. */
function withHooks(options: Parameters<typeof setup>[0] = {}) {
  const reasons: InvalidIdReason[] = []
  const fired: string[] = []
  const hooks: SessionHooks = {
    invalidId: (_ctx, reason) => void reasons.push(reason),
    created: () => void fired.push('created'),
    regenerated: () => void fired.push('regenerated'),
    destroyed: () => void fired.push('destroyed'),
    zombieAccess: () => void fired.push('zombieAccess'),
  }
  return { ...setup({ ...options, hooks }), reasons, fired }
}

/** A browser with a started session holding `data`. */
async function started(b: Browser, data: Record<string, unknown> = { a: 1 }): Promise<string> {
  const { session } = await b.request((s) => s.put(data))
  return session.id as string
}

function cookieValue(setCookie: string | undefined): string | undefined {
  return setCookie === undefined ? undefined : parseSetCookie(setCookie).value
}

describe('lazy start', () => {
  it('BI-53: a request without a cookie does no store I/O; an untouched session sends no cookie and is never stored', async () => {
    const { browser, totalCalls } = setup()
    const { plan, result } = await browser().request((s) => {
      const reads = [
        s.get('x'),
        s.has('x'),
        s.exists('x'),
        s.all(),
        s.getFlash('m'),
        s.getFlashNext('m'),
        s.verifyCsrf('token'),
        s.segment('seg').get('y'),
        s.previousUrl,
        s.meta.createdAt,
      ]
      return { id: s.id, handle: s.handle, isNew: s.isNew, reads, idAgain: s.id }
    })
    assert.deepEqual(result, {
      id: null,
      handle: null,
      isNew: true,
      reads: [undefined, false, false, {}, undefined, undefined, false, undefined, undefined, null],
      idAgain: null,
    })
    assert.deepEqual(plan, { setCookies: [], noStore: false, varyCookie: false })
    assert.equal(totalCalls(), 0)
  })

  const starters: Array<[string, (s: Session<SessionData>) => unknown]> = [
    ['set', (s) => s.set('a', 1)],
    ['flash', (s) => s.flash('m', 'hi')],
    ['csrfToken', (s) => s.csrfToken()],
    ['bindUser', (s) => s.bindUser('u1')],
    ['regenerate', (s) => s.regenerate()],
    ['increment', (s) => s.increment('n')],
    ['setPreviousUrl', (s) => s.setPreviousUrl('/x')],
  ]
  for (const [name, start] of starters) {
    it(`the first ${name}() starts the session: an id, a Set-Cookie and a stored record`, async () => {
      const { browser, memory, fired } = withHooks()
      const b = browser()
      const { session, plan } = await b.request(async (s) => {
        assert.equal(s.id, null)
        await start(s)
        assert.match(String(s.id), ID)
      })
      const id = session.id as string
      assert.equal(plan.setCookies.length, 1)
      assert.equal(cookieValue(plan.setCookies[0]), id)
      assert.ok(await memory.get(keyOf(id)), 'the record is stored under the hashed key')
      assert.equal(await memory.get(id), null, 'never under the raw id')
      assert.deepEqual(fired, ['created'])
      // the next request with that cookie loads it and sends no cookie again
      const next = await b.request((s) => [s.id, s.isNew])
      assert.deepEqual(next.result, [id, false])
      assert.deepEqual(next.plan.setCookies, [])
    })
  }

  it('T-3.2.2: ids are 43-char base64url and unique across sessions', async () => {
    const { browser } = setup()
    const ids = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const { session } = await browser().request((s) => s.set('i', i))
      assert.match(String(session.id), ID)
      ids.add(session.id as string)
    }
    assert.equal(ids.size, 200)
  })
})

describe('the session cookie', () => {
  it('T-3.4.2/T-3.4.3: defaults are HttpOnly, SameSite=Lax, Path=/, no Secure over plain http, a browser-session cookie', async () => {
    const { browser } = setup()
    const { plan } = await browser().request((s) => s.set('a', 1))
    const { name, attributes } = parseSetCookie(plan.setCookies[0] as string)
    assert.equal(name, 'sid')
    assert.equal(attributes.get('path'), '/')
    assert.equal(attributes.has('httponly'), true)
    assert.equal(attributes.get('samesite'), 'Lax')
    assert.equal(attributes.has('secure'), false)
    assert.equal(attributes.has('max-age'), false)
    assert.equal(attributes.has('expires'), false)
    assert.equal(attributes.has('domain'), false)
    assert.equal(plan.noStore, true, 'a response setting the session cookie is not cacheable')
  })

  it('T-3.4.1: Secure on a TLS connection', async () => {
    const { browser } = setup()
    const { plan } = await browser().request((s) => s.set('a', 1), { encrypted: true })
    assert.equal(parseSetCookie(plan.setCookies[0] as string).attributes.has('secure'), true)
  })

  it('BI-63: x-forwarded-proto: https makes the cookie Secure only when trustProxy is set', async () => {
    const headers = { 'x-forwarded-proto': 'https' }
    const untrusted = setup()
    const spoofed = await untrusted.browser().request((s) => s.set('a', 1), { headers })
    assert.equal(
      parseSetCookie(spoofed.plan.setCookies[0] as string).attributes.has('secure'),
      false,
    )

    const trusted = setup({ trustProxy: true })
    const proxied = await trusted.browser().request((s) => s.set('a', 1), { headers })
    assert.equal(
      parseSetCookie(proxied.plan.setCookies[0] as string).attributes.has('secure'),
      true,
    )

    const byIp = setup({ trustProxy: (ip) => ip === '10.0.0.1' })
    const fromProxy = await byIp.browser().request((s) => s.set('a', 1), {
      headers,
      remoteAddress: '10.0.0.1',
    })
    const fromClient = await byIp.browser().request((s) => s.set('a', 1), {
      headers,
      remoteAddress: '203.0.113.9',
    })
    assert.equal(
      parseSetCookie(fromProxy.plan.setCookies[0] as string).attributes.has('secure'),
      true,
    )
    assert.equal(
      parseSetCookie(fromClient.plan.setCookies[0] as string).attributes.has('secure'),
      false,
    )
  })

  it('a configured name, path, domain and secure: true are written', async () => {
    const { browser } = setup({
      cookie: { name: '__Host-sid', secure: true, sameSite: 'strict' },
    })
    const { plan } = await browser().request((s) => s.set('a', 1))
    const { name, attributes } = parseSetCookie(plan.setCookies[0] as string)
    assert.equal(name, '__Host-sid')
    assert.equal(attributes.has('secure'), true)
    assert.equal(attributes.get('samesite'), 'Strict')
    const other = setup({ cookie: { path: '/app', domain: 'example.com' } })
    const second = await other.browser().request((s) => s.set('a', 1))
    const parsed = parseSetCookie(second.plan.setCookies[0] as string)
    assert.equal(parsed.attributes.get('path'), '/app')
    assert.equal(parsed.attributes.get('domain'), 'example.com')
  })
})

describe('regenerate', () => {
  it('T-3.2.1: keeps the data, changes the id and the CSRF secret; the old id is gone', async () => {
    const { browser, memory, fired } = withHooks()
    const b = browser()
    const oldId = await started(b, { cart: ['x'] })
    const oldToken = (await b.request((s) => s.csrfToken())).result
    fired.length = 0
    const { session, plan, result } = await b.request(async (s) => {
      assert.equal(s.verifyCsrf(oldToken), true)
      await s.regenerate()
      return { oldTokenValid: s.verifyCsrf(oldToken), cart: s.get('cart') }
    })
    assert.deepEqual(result, { oldTokenValid: false, cart: ['x'] })
    assert.notEqual(session.id, oldId)
    assert.match(String(session.id), ID)
    assert.equal(cookieValue(plan.setCookies[0]), session.id)
    assert.equal(await memory.get(keyOf(oldId)), null)
    assert.deepEqual(fired, ['regenerated'])
    const after = await b.request((s) => [s.id, s.get('cart'), s.verifyCsrf(oldToken)])
    assert.deepEqual(after.result, [session.id, ['x'], false])
    // the old cookie replayed → a fresh anonymous session
    const replay = await browser(oldId).request((s) => [s.id, s.get('cart')])
    assert.deepEqual(replay.result, [null, undefined])
  })

  it('T-3.2.1 fixation: a planted, valid pre-login id is replaced at login', async () => {
    const { browser } = setup()
    const attacker = browser()
    const plantedId = await started(attacker, { pre: true })
    const victim = browser(plantedId)
    const { plan, session } = await victim.request((s) => s.login('alice'))
    const issued = cookieValue(plan.setCookies[0])
    assert.ok(issued)
    assert.notEqual(issued, plantedId)
    assert.equal(session.id, issued)
    const attackerView = await attacker.request((s) => [s.id, s.meta.userId])
    assert.deepEqual(attackerView.result, [null, null])
  })

  it("regenerate({ grace: '10s' }): the old cookie within grace loads the new session and gets the new cookie", async () => {
    const { browser, clock, fired } = withHooks()
    const b = browser()
    const oldId = await started(b, { n: 1 })
    const inFlight = browser(oldId) // a parallel request still holding the old cookie
    const { session } = await b.request((s) => s.regenerate({ grace: '10s' }))
    const newId = session.id as string
    assert.notEqual(newId, oldId)
    fired.length = 0

    clock.advance('5s')
    const zombie = await inFlight.request((s) => {
      s.increment('n')
      return s.id
    })
    assert.equal(zombie.result, newId)
    assert.equal(
      cookieValue(zombie.plan.setCookies[0]),
      newId,
      'the response moves it to the new id',
    )
    assert.ok(fired.includes('zombieAccess'))
    assert.equal(inFlight.cookie, newId)
    assert.equal(
      (await b.request((s) => s.get('n'))).result,
      2,
      'its write landed in the new session',
    )

    clock.advance('6s')
    const late = await browser(oldId).request((s) => [s.id, s.get('n')])
    assert.deepEqual(late.result, [null, undefined], 'after grace the old id is dead')
    assert.equal((await b.request((s) => s.get('n'))).result, 2)
  })

  it('BI-54: two parallel requests both regenerating → exactly one new id survives and the old id is dead', async () => {
    const { browser, sessions } = setup()
    const b = browser()
    const oldId = await started(b, { a: 1 })
    const r1 = await b.open()
    const r2 = await b.open()
    const outcomes = await Promise.allSettled([r1.session.regenerate(), r2.session.regenerate()])
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        assert.ok(
          outcome.reason instanceof SessionConflict,
          `a losing regenerate fails as a SessionConflict, got ${String(outcome.reason)}`,
        )
      }
    }
    assert.ok(outcomes.some((o) => o.status === 'fulfilled'))
    const plans = [r1.finalize(), r2.finalize()]
    await Promise.all([r1.commit(), r2.commit()])
    const candidates = new Set<string>()
    for (const rs of [r1, r2]) if (rs.session.id !== null) candidates.add(rs.session.id)
    for (const plan of plans) {
      const value = cookieValue(plan.setCookies[0])
      if (value) candidates.add(value)
    }
    candidates.delete(oldId)
    const live: string[] = []
    for (const id of candidates) {
      const s = await sessions.load(`sid=${id}`)
      if (s.id === id) live.push(id)
    }
    assert.equal(live.length, 1, 'exactly one new id is valid')
    assert.equal((await sessions.load(`sid=${live[0]}`)).get('a'), 1)
    const old = await sessions.load(`sid=${oldId}`)
    assert.equal(old.id, null, 'the old id is dead')
  })

  it('BI-61/T-3.2.1: a login racing a concurrent write of the same session still issues a new id; the pre-login id is dead', async () => {
    const { browser, sessions } = setup()
    const b = browser()
    const oldId = await started(b, { views: 1 })
    const loginRequest = await b.open()
    // A parallel request (e.g. a background poll) commits first and bumps the record's version.
    const poll = await b.open()
    poll.session.increment('views')
    poll.finalize()
    await poll.commit()
    await loginRequest.session.login('alice')
    const plan = loginRequest.finalize()
    await loginRequest.commit()
    const newId = loginRequest.session.id as string
    assert.notEqual(newId, oldId)
    assert.equal(cookieValue(plan.setCookies[0]), newId)
    const fresh = await sessions.load(`sid=${newId}`)
    assert.deepEqual([fresh.meta.userId, fresh.get('views')], ['alice', 2])
    const old = await sessions.load(`sid=${oldId}`)
    assert.deepEqual([old.id, old.meta.userId], [null, null])
  })

  it('BI-54: a touch from an in-flight request does not extend a retired id beyond its grace window', async () => {
    const { browser, sessions, clock } = setup()
    const b = browser()
    const oldId = await started(b)
    clock.advance('2m') // past touchAfter: an unchanged request will touch
    const reader = await b.open()
    await b.request((s) => s.regenerate({ grace: '10s' }))
    reader.session.get('a')
    reader.finalize()
    await reader.commit()
    clock.advance('11s')
    assert.equal((await sessions.load(`sid=${oldId}`)).id, null, 'the old id is dead after grace')
  })

  it('BI-54: two regenerates in one request leave only the last id valid', async () => {
    const { browser, sessions } = setup()
    const b = browser()
    const oldId = await started(b, { a: 1 })
    let middle: string | null = null
    const { session, plan } = await b.request(async (s) => {
      await s.regenerate()
      middle = s.id
      await s.regenerate()
    })
    assert.equal(cookieValue(plan.setCookies[0]), session.id)
    assert.equal((await sessions.load(`sid=${session.id}`)).get('a'), 1)
    assert.equal((await sessions.load(`sid=${middle}`)).id, null)
    assert.equal((await sessions.load(`sid=${oldId}`)).id, null)
  })

  it('BI-69: regenerateCsrf() invalidates earlier tokens without changing the id', async () => {
    const { browser } = setup()
    const b = browser()
    const id = await started(b)
    const token = (await b.request((s) => s.csrfToken())).result
    const { result, session } = await b.request((s) => {
      s.regenerateCsrf()
      const fresh = s.csrfToken()
      return [s.verifyCsrf(token), s.verifyCsrf(fresh)]
    })
    assert.deepEqual(result, [false, true])
    assert.equal(session.id, id)
  })

  it('BI-54: a save racing a regenerate with grace follows the move; nothing resurrects the old id', async () => {
    const { browser, clock, sessions } = setup()
    const b = browser()
    const oldId = await started(b, { a: 1 })
    const slow = await b.open()
    const { session } = await b.request((s) => s.regenerate({ grace: '5s' }))
    slow.session.set('late', true)
    slow.finalize()
    await slow.commit()
    assert.equal((await sessions.load(`sid=${session.id}`)).get('late'), true)
    clock.advance('6s')
    assert.equal((await sessions.load(`sid=${oldId}`)).id, null)
  })

  it('BI-61: login(userId) regenerates and records the user and authenticatedAt; the CSRF secret changes', async () => {
    const { browser, clock } = setup()
    const b = browser()
    const oldId = await started(b)
    const token = (await b.request((s) => s.csrfToken())).result
    clock.advance('1m')
    const { session, result } = await b.request(async (s) => {
      await s.login('user-42')
      return { meta: s.meta, csrf: s.verifyCsrf(token) }
    })
    assert.notEqual(session.id, oldId)
    assert.equal(result.meta.userId, 'user-42')
    assert.equal(result.meta.authenticatedAt, clock.t)
    assert.equal(result.csrf, false)
    const next = await b.request((s) => s.meta)
    assert.equal(next.result.userId, 'user-42')
    assert.equal(next.result.authenticatedAt, clock.t)
  })

  it('absolute start time (createdAt) survives regenerate', async () => {
    const { browser, clock } = setup()
    const b = browser()
    await started(b)
    const createdAt = (await b.request((s) => s.meta.createdAt)).result
    clock.advance('10m')
    const { result } = await b.request(async (s) => {
      await s.regenerate()
      return s.meta.createdAt
    })
    assert.equal(result, createdAt)
  })
})

describe('destroy / logout', () => {
  for (const method of ['destroy', 'logout'] as const) {
    it(`T-3.3.1/BI-62: ${method}() expires the cookie (Max-Age=0, past Expires), removes the record, and the old cookie gives a fresh session`, async () => {
      const { browser, memory, sessions, fired } = withHooks()
      const b = browser()
      const oldId = await started(b, { secret: 's' })
      const token = (await b.request((s) => s.csrfToken())).result
      const { plan, session } = await b.request((s) => s[method]())
      assert.equal(session.id, null)
      assert.equal(plan.setCookies.length, 1)
      const { name, value, attributes } = parseSetCookie(plan.setCookies[0] as string)
      assert.equal(name, 'sid')
      assert.equal(value, '')
      assert.equal(attributes.get('max-age'), '0')
      assert.ok(Date.parse(attributes.get('expires') ?? '') < Date.now())
      assert.equal(await memory.get(keyOf(oldId)), null)
      assert.ok(fired.includes('destroyed'))
      assert.equal(b.cookie, undefined)
      const replay = await sessions.load(`sid=${oldId}`)
      assert.deepEqual(
        [replay.id, replay.get('secret'), replay.verifyCsrf(token)],
        [null, undefined, false],
      )
    })
  }

  it('a flash after logout starts a new session that carries it', async () => {
    const { browser } = setup()
    const b = browser()
    const oldId = await started(b)
    const { plan, session } = await b.request(async (s) => {
      await s.logout()
      s.flash('notice', 'signed out')
    })
    assert.match(String(session.id), ID)
    assert.notEqual(session.id, oldId)
    assert.equal(plan.setCookies.length, 1)
    assert.equal(cookieValue(plan.setCookies[0]), session.id)
    const next = await b.request((s) => [s.getFlash('notice'), s.get('a')])
    assert.deepEqual(next.result, ['signed out', undefined])
  })

  it('destroying a never-started session sends no cookie', async () => {
    const { browser, totalCalls } = setup()
    const { plan } = await browser().request((s) => s.destroy())
    assert.deepEqual(plan.setCookies, [])
    assert.equal(totalCalls(), 0)
  })
})

describe('reload / save / discard / touch', () => {
  it('reload() drops this request’s changes and re-reads the store', async () => {
    const { browser } = setup()
    const b = browser()
    await started(b, { a: 1 })
    const { result } = await b.request(async (s) => {
      s.set('a', 2)
      s.set('b', 3)
      await s.reload()
      return [s.get('a'), s.get('b')]
    })
    assert.deepEqual(result, [1, undefined])
    assert.deepEqual((await b.request((s) => [s.get('a'), s.get('b')])).result, [1, undefined])
  })

  it('save() persists mid-request; later changes are committed at the end', async () => {
    const { browser, sessions } = setup()
    const b = browser()
    await b.request(async (s) => {
      s.set('a', 1)
      await s.save()
      const seen = await sessions.load(`sid=${s.id}`)
      assert.equal(seen.get('a'), 1, 'visible to other readers before the request ends')
      s.set('b', 2)
    })
    assert.deepEqual((await b.request((s) => [s.get('a'), s.get('b')])).result, [1, 2])
  })

  it('discard() drops this request’s changes: nothing is written at commit', async () => {
    const { browser, calls, resetCalls } = setup()
    const b = browser()
    await started(b, { a: 1 })
    resetCalls()
    await b.request((s) => {
      s.set('a', 2)
      s.flash('m', 1)
      s.discard()
      assert.equal(s.get('a'), 1)
    })
    assert.equal(calls.set ?? 0, 0)
    assert.deepEqual((await b.request((s) => [s.get('a'), s.getFlash('m')])).result, [1, undefined])
  })

  it('discard() on a new session: no cookie, nothing stored', async () => {
    const { browser, totalCalls } = setup()
    const { plan, session } = await browser().request((s) => {
      s.set('a', 1)
      s.discard()
    })
    assert.equal(session.id, null)
    assert.deepEqual(plan.setCookies, [])
    assert.equal(totalCalls(), 0)
  })

  it('touchAfter: an unchanged session is not rewritten, and is touched only once touchAfter has passed', async () => {
    const { browser, clock, calls, resetCalls, memory } = setup({ touchAfter: '5m' })
    const b = browser()
    const id = await started(b)
    resetCalls()
    clock.advance('2m')
    await b.request((s) => s.get('a'))
    assert.deepEqual([calls.set ?? 0, calls.touch ?? 0], [0, 0])
    clock.advance('3m')
    await b.request((s) => s.get('a'))
    assert.deepEqual([calls.set ?? 0, calls.touch ?? 0], [0, 1])
    const record = await memory.get(keyOf(id))
    assert.equal(record?.expiresAt, clock.t + 30 * 60_000, 'the touch moved the idle expiry')
    assert.equal(record?.meta?.lastSeenAt, clock.t)
    await b.request((s) => s.get('a'))
    assert.deepEqual([calls.set ?? 0, calls.touch ?? 0], [0, 1], 'no second touch right after')
  })

  it('touch() refreshes the expiry at commit even inside touchAfter', async () => {
    const { browser, clock, calls, resetCalls } = setup({ touchAfter: '5m' })
    const b = browser()
    await started(b)
    resetCalls()
    clock.advance('1m')
    const { plan } = await b.request((s) => s.touch())
    assert.deepEqual([calls.set ?? 0, calls.touch ?? 0], [0, 1])
    assert.deepEqual(plan.setCookies, [], 'a touch sends no Set-Cookie')
  })
})

describe('remember', () => {
  it("remember('7d') sets Max-Age capped by the remaining absolute lifetime, once; remember(false) goes back to a session cookie", async () => {
    const { browser, clock } = setup({ idleTimeout: '2h', absoluteTimeout: '12h' })
    const b = browser()
    await started(b)
    clock.advance('1h')
    const remembered = await b.request((s) => s.remember('7d'))
    const attrs = parseSetCookie(remembered.plan.setCookies[0] as string).attributes
    assert.equal(attrs.get('max-age'), String(11 * 3600))
    const quiet = await b.request((s) => s.get('a'))
    assert.deepEqual(quiet.plan.setCookies, [], 'not re-sent on every request')
    const shorter = await b.request((s) => s.remember('1h'))
    assert.equal(
      parseSetCookie(shorter.plan.setCookies[0] as string).attributes.get('max-age'),
      '3600',
    )
    const back = await b.request((s) => s.remember(false))
    const backAttrs = parseSetCookie(back.plan.setCookies[0] as string).attributes
    assert.equal(backAttrs.has('max-age'), false)
    assert.equal(backAttrs.has('expires'), false)
  })
})

describe('timeouts (injected clock)', () => {
  it('an idle session expires after idleTimeout', async () => {
    const { browser, clock } = setup({ idleTimeout: '30m' })
    const b = browser()
    const id = await started(b)
    clock.advance('29m')
    assert.equal((await b.request((s) => s.id)).result, id)
    clock.advance('31m')
    assert.deepEqual((await b.request((s) => [s.id, s.get('a')])).result, [null, undefined])
  })

  it('T-3.3.2/BI-60: a request every (idle − 1) min keeps it alive only until createdAt + absoluteTimeout', async () => {
    const { browser, clock, memory } = setup({ idleTimeout: '30m', absoluteTimeout: '12h' })
    const b = browser()
    const id = await started(b)
    const createdAt = clock.t
    const deadline = createdAt + 12 * 3600_000
    let requests = 0
    for (;;) {
      clock.advance('29m')
      const { result } = await b.request((s) => {
        s.touch()
        return [s.id, s.get('a')]
      })
      if (clock.t >= deadline) {
        assert.deepEqual(result, [null, undefined], 'dead at the absolute limit')
        break
      }
      assert.deepEqual(result, [id, 1], `alive at +${clock.t - createdAt} ms`)
      const record = await memory.get(keyOf(id))
      assert.ok((record?.expiresAt ?? 0) <= deadline, 'no store expiry beyond the absolute limit')
      requests++
    }
    assert.equal(requests, 24)
  })

  it('T-3.3.1: the core rejects an expired session even when the store has not expired it yet', async () => {
    const clock = new FakeClock()
    const frozen = clock.t
    const store = createMemoryStore({ now: () => frozen, sweepInterval: 0 })
    const reasons: string[] = []
    const sessions = createSessions({
      store,
      now: clock.now,
      idleTimeout: '30m',
      hooks: { invalidId: (_c, r) => void reasons.push(r) },
    })
    const b = new Browser(sessions)
    const id = (await b.request((s) => s.set('a', 1))).session.id as string
    clock.advance('31m')
    assert.deepEqual((await b.request((s) => [s.id, s.get('a')])).result, [null, undefined])
    assert.deepEqual(reasons, ['expired'])
    assert.equal(await new Browser(sessions, id).request((s) => s.id).then((x) => x.result), null)
  })

  it('T-3.3.2: the absolute timeout survives regenerate', async () => {
    const { browser, clock } = setup({ idleTimeout: '30m', absoluteTimeout: '2h' })
    const b = browser()
    await started(b)
    const deadline = clock.t + 2 * 3600_000
    let regenerated = false
    for (;;) {
      clock.advance('20m')
      const { result } = await b.request(async (s) => {
        if (!regenerated && s.id !== null && clock.t >= deadline - 3600_000) {
          await s.regenerate()
          regenerated = true
        }
        return s.get('a')
      })
      if (clock.t >= deadline) {
        assert.equal(result, undefined)
        break
      }
      assert.equal(result, 1)
    }
    assert.ok(regenerated)
  })
})

describe('ids presented by the client', () => {
  it('BI-13: strict (default): a well-formed unknown id → a fresh session with a different id, invalidId("unknown")', async () => {
    const { browser, reasons, calls } = withHooks()
    const presented = generateId()
    const b = browser(presented)
    const untouched = await b.request((s) => s.id)
    assert.equal(untouched.result, null)
    assert.equal(calls.set ?? 0, 0, 'an unknown id creates no record')
    const { session } = await b.request((s) => s.set('a', 1))
    assert.match(String(session.id), ID)
    assert.notEqual(session.id, presented)
    assert.deepEqual(reasons, ['unknown', 'unknown'])
  })

  it('strict: false adopts a well-formed unknown id the client presents (documented opt-out; fixation risk)', async () => {
    const { browser } = setup({ strict: false })
    const presented = generateId()
    const { session, plan } = await browser(presented).request((s) => s.set('a', 1))
    assert.equal(session.id, presented)
    assert.equal(cookieValue(plan.setCookies[0]), presented)
  })

  it('BI-61: even with strict: false, login() and regenerate() never keep a client-presented id', async () => {
    const { browser } = setup({ strict: false })
    for (const action of ['login', 'regenerate'] as const) {
      const planted = generateId()
      const { session, plan } = await browser(planted).request((s) =>
        action === 'login' ? s.login('alice') : s.regenerate(),
      )
      assert.match(String(session.id), ID)
      assert.notEqual(session.id, planted, action)
      assert.equal(cookieValue(plan.setCookies[0]), session.id)
    }
  })

  const valid = 'A'.repeat(43)
  const malformed: Array<[string, string]> = [
    ['empty', ''],
    ['42 chars', 'A'.repeat(42)],
    ['44 chars', 'A'.repeat(44)],
    ['"+" (base64, not base64url)', `${'A'.repeat(42)}+`],
    ['"/"', `${'A'.repeat(42)}/`],
    ['path traversal %2e%2e%2f', '%2e%2e%2f'],
    ['percent-encoded id', `%41${'A'.repeat(40)}`],
    ['quoted', `"${valid}"`],
    ['leading whitespace', ` ${valid}`],
    ['trailing whitespace', `${valid} `],
    ['inner tab', `${'A'.repeat(21)}\t${'A'.repeat(21)}`],
    ['non-ASCII', 'é'.repeat(43)],
    ['10 KB', 'A'.repeat(10_240)],
    ['NUL', `${'A'.repeat(42)}\u0000`],
  ]
  for (const [label, value] of malformed) {
    it(`BI-09..12: a malformed cookie value (${label}) → fresh session, invalidId("malformed"), no store call`, async () => {
      const { sessions, reasons, totalCalls } = withHooks()
      const rs = await sessions.open(requestContext({ cookie: `sid=${value}` }))
      assert.equal(rs.session.id, null)
      assert.equal(rs.session.get('a'), undefined)
      assert.deepEqual(reasons, ['malformed'])
      assert.equal(totalCalls(), 0)
      rs.session.set('a', 1)
      assert.notEqual(rs.session.id, value)
    })
  }

  it('BI-03: two well-formed unknown duplicates → fresh session, reported as malformed (ambiguous)', async () => {
    const { sessions, reasons } = withHooks()
    const rs = await sessions.open(
      requestContext({ cookie: `sid=${generateId()}; sid=${generateId()}` }),
    )
    assert.equal(rs.session.id, null)
    assert.deepEqual(reasons, ['malformed'])
  })

  it('BI-03: one live + one garbage duplicate → the live session', async () => {
    const { browser, sessions } = setup()
    const live = await started(browser(), { who: 'live' })
    for (const header of [`sid=garbage; sid=${live}`, `sid=${live}; sid=%2e%2e`]) {
      const rs = await sessions.open(requestContext({ cookie: header }))
      assert.deepEqual([rs.session.id, rs.session.get('who')], [live, 'live'])
    }
  })

  it('BI-03: two live duplicates → fresh session (neither is adopted)', async () => {
    const { browser, sessions, reasons } = withHooks()
    const one = await started(browser(), { who: 1 })
    const two = await started(browser(), { who: 2 })
    const rs = await sessions.open(requestContext({ cookie: `sid=${one}; sid=${two}` }))
    assert.deepEqual([rs.session.id, rs.session.get('who')], [null, undefined])
    assert.equal(reasons.length, 1)
  })

  it('BI-03: the same live id twice is that session', async () => {
    const { browser, sessions } = setup()
    const live = await started(browser())
    const rs = await sessions.open(requestContext({ cookie: `sid=${live}; sid=${live}` }))
    assert.equal(rs.session.id, live)
  })

  it('BI-03: a flood of duplicates is refused without store calls', async () => {
    const { browser, sessions, resetCalls, totalCalls } = setup()
    const live = await started(browser())
    resetCalls()
    const header = Array.from({ length: 20 }, () => `sid=${live}`).join('; ')
    const rs = await sessions.open(requestContext({ cookie: header }))
    assert.equal(rs.session.id, null)
    assert.equal(totalCalls(), 0)
  })

  it('BI-04/05: look-alike cookie names are never read as "sid"', async () => {
    const { browser, sessions, resetCalls, totalCalls } = setup()
    const live = await started(browser(), { who: 'live' })
    resetCalls()
    for (const header of [
      `SID=${live}`,
      `Sid=${live}`,
      ` sid =${live}`,
      `sid =${live}`,
      `=sid=${live}`,
      `sid2=${live}`,
      `xsid=${live}`,
      `s%69d=${live}`,
      `__Host-sid=${live}`,
      `a=sid=${live}`,
      `"sid"=${live}`,
    ]) {
      const rs = await sessions.open(requestContext({ cookie: header }))
      assert.equal(rs.session.id, null, header)
    }
    assert.equal(totalCalls(), 0)
    const real = await sessions.open(requestContext({ cookie: `a=1;  sid=${live}; b=2` }))
    assert.equal(real.session.id, live, 'the real pair is read among others')
  })

  it('T-3.3.4: a handle is never a valid cookie', async () => {
    const { browser, sessions } = setup()
    const { session } = await browser().request((s) => s.set('a', 1))
    const rs = await sessions.open(requestContext({ cookie: `sid=${session.handle}` }))
    assert.equal(rs.session.id, null)
  })
})

describe('hostile stored records (BI-31, BI-43)', () => {
  const poisoned: Array<[string, string]> = [
    ['not an envelope', 'garbage'],
    ['empty', ''],
    ['another codec', 'sk1:msgpack:{}'],
    ['another format', 'sk9:json:{}'],
    ['truncated JSON', 'sk1:json:{"v":1,"r":'],
    ['__proto__ payload', envelope({}).replace('{}', '{"__proto__":{"polluted":1}}')],
    [
      'constructor.prototype payload',
      envelope({}).replace('{}', '{"constructor":{"prototype":{"polluted":1}}}'),
    ],
    ['wrong state version', envelope({ v: 2, r: { d: {}, f: {}, x: {} }, s: {} })],
    ['scope with __proto__ only', 'sk1:json:{"v":1,"r":{"__proto__":{"polluted":1}},"s":{}}'],
    ['non-numeric ttl marker', envelope({ v: 1, r: { d: {}, f: {}, x: { a: 'x' } }, s: {} })],
  ]
  for (const [label, data] of poisoned) {
    it(`a record whose data is ${label} → fresh session, invalidId("undecryptable"), no pollution`, async () => {
      const { sessions, memory, clock, reasons } = withHooks()
      const id = generateId()
      await memory.set(keyOf(id), rawRecord(data, clock.t))
      const rs = await sessions.open(requestContext({ cookie: `sid=${id}` }))
      assert.equal(rs.session.id, null)
      assert.deepEqual(rs.session.all(), {})
      assert.deepEqual(reasons, ['undecryptable'])
      assert.equal(({} as Record<string, unknown>).polluted, undefined)
      rs.session.set('a', 1)
      assert.notEqual(rs.session.id, id)
    })
  }

  it('a record without createdAt metadata → undecryptable', async () => {
    const { sessions, memory, clock, reasons } = withHooks()
    const id = generateId()
    const data = envelope({ v: 1, r: { d: { a: 1 }, f: {}, x: {} }, s: {} })
    await memory.set(keyOf(id), { data, version: 1, expiresAt: clock.t + 60_000 })
    const rs = await sessions.open(requestContext({ cookie: `sid=${id}` }))
    assert.equal(rs.session.id, null)
    assert.deepEqual(reasons, ['undecryptable'])
  })

  it('BI-43/BI-50: own __proto__ keys inside valid data are dropped on load; nothing is polluted', async () => {
    const { sessions, memory, clock } = setup()
    const id = generateId()
    const payload =
      '{"v":1,"r":{"d":{"ok":1,"__proto__":{"polluted":1},"nested":{"constructor":{"prototype":{"polluted":1}},"x":2}},"f":{"__proto__":{"polluted":1}},"x":{}},"s":{"__proto__":{"d":{},"f":{},"x":{}}}}'
    await memory.set(keyOf(id), rawRecord(`sk1:json:${payload}`, clock.t))
    const rs = await sessions.open(requestContext({ cookie: `sid=${id}` }))
    const s = rs.session
    assert.equal(s.id, id)
    assert.equal(s.get('ok'), 1)
    assert.equal(s.get('nested.x'), 2)
    assert.equal(s.exists(['nested', 'polluted']), false)
    assert.equal(Object.hasOwn(s.all(), '__proto__'), false)
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    s.set('more', 1)
    rs.finalize()
    await rs.commit()
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  it('a record from an id whose store key does not match (copied under another key) is not that id', async () => {
    const { browser, sessions, memory } = setup()
    const live = await started(browser(), { who: 'victim' })
    const record = await memory.get(keyOf(live))
    const attackerId = generateId()
    await memory.set(keyOf(attackerId), record as NonNullable<typeof record>)
    // Without encryption the payload is plain; the copy is a separate session, never the victim's id.
    const rs = await sessions.open(requestContext({ cookie: `sid=${attackerId}` }))
    assert.notEqual(rs.session.id, live)
  })
})

describe('store failures (BI-32)', () => {
  function failing(mode: 'reject' | 'hang', method = 'get') {
    const clock = new FakeClock()
    const memory = createMemoryStore({ now: clock.now, sweepInterval: 0 })
    let broken = false
    const { store } = countingStore(memory, (m) => {
      if (!broken || m !== method) return undefined
      return mode === 'reject' ? Promise.reject(new Error('ECONNREFUSED')) : new Promise(() => {})
    })
    const errors: Array<[string | null, SessionError]> = []
    const sessions = createSessions({
      store,
      now: clock.now,
      storeTimeout: '40ms',
      hooks: { storeError: (ctx, error) => void errors.push([ctx.handle, error]) },
    })
    const breakStore = (): void => {
      broken = true
    }
    return { sessions, errors, breakStore }
  }

  for (const mode of ['reject', 'hang'] as const) {
    it(`a store whose get ${mode === 'reject' ? 'rejects' : 'hangs past storeTimeout'} → open rejects with StoreUnavailable (503) and storeError fires`, async (t) => {
      const { sessions, errors, breakStore } = failing(mode)
      // The store-call timer is unref()'d (it must never hold a server open); in a test nothing
      // else keeps the event loop alive while a store call hangs, so hold it open here.
      const keepAlive = setInterval(() => {}, 1000)
      t.after(() => clearInterval(keepAlive))
      const b = new Browser(sessions)
      const id = (await b.request((s) => s.set('a', 1))).session.id as string
      breakStore()
      await assert.rejects(b.open(), (error: unknown) => {
        assert.ok(error instanceof StoreUnavailable)
        assert.equal(error.status, 503)
        assert.equal(SessionError.is(error), true)
        assert.equal(String(error.message).includes(id), false, 'the id is not in the message')
        return true
      })
      assert.equal(errors.length, 1)
      assert.equal(errors[0]?.[0], keyOf(id))
      assert.ok(errors[0]?.[1] instanceof StoreUnavailable)
      // a request without a cookie still works: no store I/O
      const fresh = await new Browser(sessions).request((s) => s.get('a'))
      assert.equal(fresh.result, undefined)
    })
  }

  it('a store whose set rejects → commit rejects with StoreUnavailable', async () => {
    const { sessions, errors, breakStore } = failing('reject', 'set')
    breakStore()
    const rs = await sessions.open(requestContext())
    rs.session.set('a', 1)
    rs.finalize()
    await assert.rejects(rs.commit(), StoreUnavailable)
    assert.equal(errors.length, 1)
  })
})

describe('hooks', () => {
  it('a throwing (or rejecting) hook never breaks a request', async () => {
    const calls: string[] = []
    const boom = (name: string) => () => {
      calls.push(name)
      throw new Error(`${name} hook failed`)
    }
    const hooks: SessionHooks = {
      created: boom('created'),
      regenerated: boom('regenerated'),
      destroyed: boom('destroyed'),
      invalidId: boom('invalidId'),
      zombieAccess: () => {
        calls.push('zombieAccess')
        return Promise.reject(new Error('async failure')) as unknown as undefined
      },
    }
    const { browser, clock } = setup({ hooks })
    const b = browser(generateId())
    const first = await b.request((s) => s.set('a', 1))
    const oldId = first.session.id as string
    await b.request((s) => s.regenerate({ grace: '10s' }))
    clock.advance('1s')
    const zombie = await browser(oldId).request((s) => s.get('a'))
    assert.equal(zombie.result, 1)
    await b.request((s) => s.destroy())
    assert.deepEqual(calls.sort(), [
      'created',
      'destroyed',
      'invalidId',
      'regenerated',
      'zombieAccess',
    ])
  })
})

describe('limits and phases', () => {
  it('SessionTooLarge (413) at finalize when over maxSize, and nothing is stored', async () => {
    const { sessions, calls } = setup({ maxSize: 1024 })
    const rs = await sessions.open(requestContext())
    rs.session.set('big', 'x'.repeat(2000))
    assert.throws(
      () => rs.finalize(),
      (error: unknown) => error instanceof SessionTooLarge && error.status === 413,
    )
    assert.equal(calls.set ?? 0, 0)
  })

  it('SessionTooLarge on an existing session keeps the stored data', async () => {
    const { browser, sessions } = setup({ maxSize: 1024 })
    const b = browser()
    await started(b, { a: 1 })
    const rs = await b.open()
    rs.session.set('big', 'x'.repeat(2000))
    assert.throws(() => rs.finalize(), SessionTooLarge)
    const stored = await sessions.load(b.cookieHeader)
    assert.deepEqual([stored.get('a'), stored.get('big')], [1, undefined])
  })

  it('changes after finalize throw HeadersSent', async () => {
    const { browser, sessions } = setup()
    const rs = await sessions.open(requestContext())
    rs.finalize()
    const s = rs.session
    assert.throws(() => s.set('a', 1), HeadersSent)
    assert.throws(() => s.flash('a', 1), HeadersSent)
    assert.throws(() => s.csrfToken(), HeadersSent)
    assert.throws(() => s.bindUser('u'), HeadersSent)
    await assert.rejects(s.regenerate(), HeadersSent)
    await assert.rejects(s.destroy(), HeadersSent)
    assert.equal(s.id, null)

    const b = browser()
    await started(b)
    const existing = await b.open()
    existing.finalize()
    assert.throws(() => existing.session.increment('a'), HeadersSent)
    assert.equal(existing.session.get('a'), 1, 'reads still work')
  })

  it('sessions.load(cookieHeader) gives a read-only session', async () => {
    const { browser, sessions } = setup()
    const b = browser()
    const id = await started(b, { a: 1 })
    const s = await sessions.load(b.cookieHeader)
    assert.deepEqual([s.id, s.get('a')], [id, 1])
    assert.throws(() => s.set('a', 2), ReadOnlySession)
    assert.throws(() => s.flash('m', 1), ReadOnlySession)
    await assert.rejects(s.regenerate(), ReadOnlySession)
    await assert.rejects(s.destroy(), ReadOnlySession)
    assert.equal((await sessions.load(undefined)).id, null)
    assert.equal((await sessions.load(b.cookieHeader)).get('a'), 1)
  })
})

describe('concurrency: merge (default)', () => {
  it('two requests from one cookie, each incrementing views and setting its own key → both kept, views +2', async () => {
    const { browser } = setup()
    const b = browser()
    await started(b, { views: 1 })
    const r1 = await b.open()
    const r2 = await b.open()
    r1.session.increment('views')
    r1.session.set('left', 'L')
    r2.session.increment('views')
    r2.session.set('right', 'R')
    r1.finalize()
    r2.finalize()
    await Promise.all([r1.commit(), r2.commit()])
    const { result } = await b.request((s) => [s.get('views'), s.get('left'), s.get('right')])
    assert.deepEqual(result, [3, 'L', 'R'])
  })

  it('an in-place mutation and a concurrent set under the same object both survive (finest-path merge)', async () => {
    const { browser } = setup()
    const b = browser()
    await started(b, { profile: { name: 'Ada', city: 'London' } })
    const r1 = await b.open()
    const r2 = await b.open()
    const profile = r1.session.get('profile') as { name: string }
    profile.name = 'Ada L.'
    r2.session.set('profile.city', 'Paris')
    r2.finalize()
    await r2.commit()
    r1.finalize()
    await r1.commit()
    const { result } = await b.request((s) => s.get('profile'))
    assert.deepEqual(JSON.parse(JSON.stringify(result)), { name: 'Ada L.', city: 'Paris' })
  })

  it('BI-55: 50 parallel requests each incrementing → 50 (no lost update)', async () => {
    const { browser } = setup()
    const b = browser()
    await started(b, { views: 0 })
    const requests = await Promise.all(Array.from({ length: 50 }, () => b.open()))
    for (const rs of requests) rs.session.increment('views')
    for (const rs of requests) rs.finalize()
    await Promise.all(requests.map((rs) => rs.commit()))
    assert.equal((await b.request((s) => s.get('views'))).result, 50)
  })

  it('conflicts between commits of one process are merged without a backoff timer (parallel requests do not wait in series)', async (t) => {
    const { browser } = setup()
    const b = browser()
    await started(b, { views: 0 })
    const requests = await Promise.all(Array.from({ length: 10 }, () => b.open()))
    for (const rs of requests) rs.session.increment('views')
    for (const rs of requests) rs.finalize()
    // A frozen setTimeout: a commit that sleeps before retrying never settles.
    t.mock.timers.enable({ apis: ['setTimeout'] })
    const commits = Promise.all(requests.map((rs) => rs.commit())).then(() => 'committed')
    const stuck = new Promise<string>((resolve) => {
      let turns = 0
      const spin = () => (++turns > 200 ? resolve('waiting on a timer') : setImmediate(spin))
      setImmediate(spin)
    })
    assert.equal(await Promise.race([commits, stuck]), 'committed')
    t.mock.timers.reset()
    assert.equal((await b.request((s) => s.get('views'))).result, 10)
  })

  it('a late write after destroy does not resurrect the session', async () => {
    const { browser, memory, sessions } = setup()
    const b = browser()
    const id = await started(b)
    const late = await b.open()
    await b.request((s) => s.destroy())
    late.session.set('late', true)
    const plan = late.finalize()
    await late.commit()
    assert.equal(await memory.get(keyOf(id)), null)
    assert.equal((await sessions.load(`sid=${id}`)).id, null)
    assert.deepEqual(plan.setCookies, [])
  })
})

describe('user-level operations', () => {
  it('T-3.3.3/T-3.3.4: listUserSessions, revoke and revokeUserSessions(except) on the memory store', async () => {
    const { browser, sessions, clock } = setup()
    const login = async (user: string, ua: string) => {
      const b = browser()
      await b.request((s) => s.login(user), { headers: { 'user-agent': ua } })
      clock.advance('1s')
      return b
    }
    const a = await login('u1', 'UA-a')
    const bb = await login('u1', 'UA-b')
    const c = await login('u1', 'UA-c')
    const d = await login('u2', 'UA-d')
    const handleOf = async (x: Browser) => (await x.request((s) => s.handle)).result as string
    const [ha, hb, hc] = [await handleOf(a), await handleOf(bb), await handleOf(c)]

    const list = await sessions.listUserSessions('u1', { current: ha })
    assert.deepEqual(new Set(list.map((e) => e.handle)), new Set([ha, hb, hc]))
    assert.deepEqual(
      list.filter((e) => e.current).map((e) => e.handle),
      [ha],
    )
    const entry = list.find((e) => e.handle === hb)
    assert.equal(entry?.userAgent, 'UA-b')
    assert.equal(entry?.ip, '127.0.0.1')
    assert.equal(typeof entry?.createdAt, 'number')
    for (const e of list) assert.equal(Object.values(e).includes(a.cookie), false, 'no raw ids')

    await sessions.revoke(hb)
    assert.equal(
      (await bb.request((s) => s.id)).result,
      null,
      'a revoked cookie gives a fresh session',
    )

    const revoked = await sessions.revokeUserSessions('u1', { except: ha })
    assert.equal(revoked, 1)
    assert.equal((await c.request((s) => s.id)).result, null)
    assert.match(String((await a.request((s) => s.id)).result), ID)
    assert.equal((await d.request((s) => s.meta.userId)).result, 'u2')
    assert.deepEqual(
      (await sessions.listUserSessions('u1')).map((e) => e.handle),
      [ha],
    )
  })

  it('revoke rejects something that is not a handle', async () => {
    const { sessions } = setup()
    await assert.rejects(sessions.revoke('not a handle'), ConfigError)
  })

  it('user-level operations reject with ConfigError on a store without a user index', async () => {
    const memory = createMemoryStore({ sweepInterval: 0 })
    const store: Store = {
      capabilities: { ...memory.capabilities, userIndex: false },
      get: (k) => memory.get(k),
      set: (k, r, o) => memory.set(k, r, o),
      touch: (k, e, l) => memory.touch(k, e, l),
      destroy: (k) => memory.destroy(k),
    }
    const sessions = createSessions({ store })
    await assert.rejects(sessions.listUserSessions('u'), ConfigError)
    await assert.rejects(sessions.revokeUserSessions('u'), ConfigError)
  })
})
