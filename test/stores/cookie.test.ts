import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, createSessions, SessionTooLarge } from '../../src/index.js'
import { createCookieStore } from '../../src/stores/cookie.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { ctx, MINUTE } from '../security/helpers.js'
import { Browser, cookieSessions, KEY_A, KEY_B, noise, visit } from './cookie-helpers.js'

describe('cookie store: the session lives in the cookie', () => {
  it('keeps data across requests with nothing on the server, and across a restart', async () => {
    const { sessions } = cookieSessions()
    const browser = new Browser()
    for (let i = 1; i <= 3; i++) {
      const { result } = await visit(sessions, browser, (s) => s.increment('views'))
      assert.equal(result, i, 'each request sees the previous count')
    }
    assert.deepEqual([...browser.cookies.keys()], ['sid'], 'one cookie for a small session')
    const restarted = cookieSessions()
    const { result } = await visit(restarted.sessions, browser, (s) => s.get('views'))
    assert.equal(result, 3, 'a new process with the same key reads the cookie')
  })

  it('a read-only request inside touchAfter sends no cookie; after touchAfter it re-seals', async () => {
    const harness = cookieSessions()
    const browser = new Browser()
    await visit(harness.sessions, browser, (s) => s.set('views', 1))
    const quiet = await visit(harness.sessions, browser, (s) => s.get('views'))
    assert.deepEqual(quiet.setCookies, [], 'no write, no touch: nothing to send')
    harness.clock.advance(2 * MINUTE)
    const touched = await visit(harness.sessions, browser, (s) => s.get('views'))
    assert.equal(touched.setCookies.length, 1, 'the touch extends the idle expiry in the cookie')
    harness.clock.advance(25 * MINUTE)
    const still = await visit(harness.sessions, browser, (s) => s.get('views'))
    assert.equal(still.result, 1, 'the touch moved the idle deadline (27 min after the write)')
  })

  it('session.meta reads the same as on a server-side store, also after a touch', async () => {
    const harness = cookieSessions()
    const browser = new Browser()
    const request = { remoteAddress: '203.0.113.9', headers: { 'user-agent': 'TestAgent/1' } }
    const seen = async () => {
      const cookie = browser.header()
      const rs = await harness.sessions.open(ctx({ ...request, ...(cookie ? { cookie } : {}) }))
      const { ip, userAgent, createdAt } = rs.session.meta
      if (rs.session.id === null) rs.session.set('views', 1)
      browser.apply(rs.finalize().setCookies)
      await rs.commit()
      return { ip, userAgent, createdAt }
    }
    await seen()
    harness.clock.advance(2 * MINUTE)
    const touched = await seen()
    assert.deepEqual(touched, {
      ip: '203.0.113.9',
      userAgent: 'TestAgent/1',
      createdAt: harness.clock.now() - 2 * MINUTE,
    })
    assert.deepEqual(await seen(), touched, 'the touch kept ip and user agent in the cookie')
  })

  it('enforces the idle timeout from the sealed lastSeenAt', async () => {
    const harness = cookieSessions()
    const browser = new Browser()
    await visit(harness.sessions, browser, (s) => s.set('views', 1))
    harness.clock.advance(31 * MINUTE)
    const { result } = await visit(harness.sessions, browser, (s) => s.get('views'))
    assert.equal(result, undefined, 'past the 30 min idle timeout the cookie is not honoured')
    assert.deepEqual(harness.reasons, ['expired'])
  })

  it('splits a large session across sid, sid.1 … and expires leftover chunks when it shrinks', async () => {
    const { sessions } = cookieSessions()
    const browser = new Browser()
    await visit(sessions, browser, (s) => s.set('blob', noise(5000)))
    assert.deepEqual([...browser.cookies.keys()], ['sid', 'sid.1'], 'two chunks')
    for (const [name, value] of browser.cookies) {
      assert.ok(name.length + 1 + value.length <= 4000, `${name} stays under 4000 bytes`)
    }
    const read = await visit(sessions, browser, (s) => (s.get('blob') as string).length)
    assert.equal(read.result, 5000, 'reassembled')
    const shrink = await visit(sessions, browser, (s) => s.forget('blob'))
    assert.ok(
      shrink.setCookies.some((line) => line.startsWith('sid.1=;') && /Max-Age=0/.test(line)),
      'the now unused chunk is expired',
    )
    assert.deepEqual([...browser.cookies.keys()], ['sid'])
  })

  it('a leftover chunk from an older, longer value is ignored (the count is in the first chunk)', async () => {
    const { sessions } = cookieSessions()
    const browser = new Browser()
    await visit(sessions, browser, (s) => s.set('views', 7))
    browser.cookies.set('sid.1', 'leftover-from-an-earlier-response')
    const { result } = await visit(sessions, browser, (s) => s.get('views'))
    assert.equal(result, 7)
  })

  it('beyond maxCookieBytes finalize throws SessionTooLarge and nothing is sent', async () => {
    const { sessions } = cookieSessions({ keys: KEY_A, maxCookieBytes: 4096 })
    const rs = await sessions.open({
      cookieHeader: undefined,
      method: 'POST',
      url: '/',
      header: () => undefined,
      remoteAddress: '127.0.0.1',
      encrypted: false,
    })
    rs.session.set('blob', noise(6000))
    assert.throws(() => rs.finalize(), SessionTooLarge)
    await rs.abort()
  })

  it('compresses: a repetitive 20 KB session fits in one cookie', async () => {
    const { sessions } = cookieSessions()
    const browser = new Browser()
    await visit(sessions, browser, (s) => s.set('blob', 'abc'.repeat(7000)))
    assert.deepEqual([...browser.cookies.keys()], ['sid'])
    const { result } = await visit(sessions, browser, (s) => (s.get('blob') as string).length)
    assert.equal(result, 21_000)
  })

  it('BI-37: key rotation: an old-key cookie opens and is re-sealed under the newest key at once', async () => {
    const clock = cookieSessions().clock
    const old = cookieSessions({ keys: KEY_A }, {}, clock)
    const browser = new Browser()
    await visit(old.sessions, browser, (s) => s.set('views', 4))
    const sealedUnderA = browser.cookies.get('sid')
    const rotated = cookieSessions({ keys: [KEY_B, KEY_A] }, {}, clock)
    const read = await visit(rotated.sessions, browser, (s) => s.get('views'))
    assert.equal(read.result, 4, 'the old key still opens')
    assert.equal(read.setCookies.length, 1, 'even a read-only request re-seals under the new key')
    assert.notEqual(browser.cookies.get('sid'), sealedUnderA)
    const onlyB = cookieSessions({ keys: KEY_B }, {}, clock)
    assert.equal((await visit(onlyB.sessions, browser, (s) => s.get('views'))).result, 4)
    const retired = cookieSessions({ keys: KEY_B }, {}, clock)
    const stale = new Browser()
    stale.cookies.set('sid', sealedUnderA as string)
    assert.equal((await visit(retired.sessions, stale, (s) => s.get('views'))).result, undefined)
    assert.deepEqual(retired.reasons, ['undecryptable'], 'once A is retired its cookies fail')
  })

  it('derives its key from secret when keys are not given; another secret cannot open it', async () => {
    const clock = cookieSessions().clock
    const withSecret = cookieSessions({}, { secret: KEY_A }, clock)
    const browser = new Browser()
    await visit(withSecret.sessions, browser, (s) => s.set('views', 2))
    const sameKeyAsSealingKey = cookieSessions({ keys: KEY_A }, {}, clock)
    assert.equal(
      (await visit(sameKeyAsSealingKey.sessions, browser.clone(), (s) => s.get('views'))).result,
      2,
      'keys and secret derive the same cookie-store key',
    )
    const other = cookieSessions({}, { secret: KEY_B }, clock)
    assert.equal((await visit(other.sessions, browser, (s) => s.get('views'))).result, undefined)
  })

  it('regenerate issues a new id in a new cookie and keeps the data', async () => {
    const { sessions } = cookieSessions()
    const browser = new Browser()
    const first = await visit(sessions, browser, (s) => {
      s.set('views', 1)
      return s.handle
    })
    const second = await visit(sessions, browser, async (s) => {
      await s.regenerate()
      return { handle: s.handle, views: s.get('views') }
    })
    assert.notEqual(second.result.handle, first.result, 'a new handle')
    assert.equal(second.result.views, 1)
  })

  it('destroy clears every chunk the browser holds', async () => {
    const { sessions } = cookieSessions()
    const browser = new Browser()
    await visit(sessions, browser, (s) => s.set('blob', noise(5000)))
    await visit(sessions, browser, (s) => s.destroy())
    assert.equal(browser.cookies.size, 0, 'sid and sid.1 cleared')
  })

  it('concurrent requests: the browser keeps the last response (documented last write wins)', async () => {
    const { sessions } = cookieSessions()
    const browser = new Browser()
    await visit(sessions, browser, (s) => s.set('views', 0))
    const a = browser.clone()
    const b = browser.clone()
    await visit(sessions, a, (s) => s.set('a', 1))
    await visit(sessions, b, (s) => s.set('b', 1))
    browser.apply([`sid=${a.cookies.get('sid')}`])
    browser.apply([`sid=${b.cookies.get('sid')}`])
    const { result } = await visit(sessions, browser, (s) => [s.get('a'), s.get('b')])
    assert.deepEqual(result, [undefined, 1], "the later cookie replaces the earlier one's change")
  })
})

describe('cookie store: configuration', () => {
  it('needs keys or a secret', () => {
    assert.throws(
      () => createSessions({ store: createCookieStore() }),
      (error: unknown) =>
        error instanceof ConfigError && error.issues.some((issue) => issue.path === 'store'),
    )
  })

  it('refuses weak keys, a bad maxCookieBytes and a client-side revocation store', () => {
    assert.throws(() => createCookieStore({ keys: 'secret' }), ConfigError)
    assert.throws(() => createCookieStore({ keys: [] }), ConfigError)
    assert.throws(() => createCookieStore({ keys: KEY_A, maxCookieBytes: 100 }), ConfigError)
    assert.throws(() => createCookieStore({ keys: KEY_A, maxCookieBytes: 1.5e6 }), ConfigError)
    assert.throws(
      () => createCookieStore({ revocation: { store: createCookieStore({ keys: KEY_A }) } }),
      ConfigError,
    )
  })

  it("refuses concurrency 'lock' (nothing to lock) and needs no warning for 'merge'", () => {
    assert.throws(
      () => createSessions({ secret: KEY_A, store: createCookieStore(), concurrency: 'lock' }),
      ConfigError,
    )
    const warnings: string[] = []
    const onWarning = (warning: Error): void => void warnings.push(warning.message)
    process.on('warning', onWarning)
    createSessions({ secret: KEY_A, store: createCookieStore() })
    process.off('warning', onWarning)
    assert.deepEqual(warnings, [])
  })

  it('has no user index: listUserSessions is a ConfigError; its methods refuse direct calls', async () => {
    const { sessions } = cookieSessions()
    await assert.rejects(sessions.listUserSessions('alice'), ConfigError)
    await assert.rejects(sessions.revoke('a'.repeat(43)), ConfigError, 'revoke needs revocation')
    await assert.rejects(sessions.revokeUserSessions('alice'), ConfigError)
    await assert.rejects(sessions.store.get('a'.repeat(43)), ConfigError)
  })

  it('close() closes the revocation store', async () => {
    const revocation = createMemoryStore()
    let closed = false
    const original = revocation.close?.bind(revocation)
    revocation.close = async () => {
      closed = true
      await original?.()
    }
    const sessions = createSessions({
      secret: KEY_A,
      store: createCookieStore({ revocation: { store: revocation } }),
    })
    await sessions.close()
    assert.ok(closed, 'the revocation store was closed')
  })
})
