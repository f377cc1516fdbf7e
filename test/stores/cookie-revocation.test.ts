// Revoking sessions that live in cookies (BI-39): a copy of a cookie taken before logout, before
// "log out everywhere", or of an id retired by regenerate is refused once the revocation store
// says so — on the memory store, and on a real Redis, which also shows the check fails closed.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import type { SessionError } from '../../src/core/errors.js'
import type { Store } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createRedisStore } from '../../src/stores/redis.js'
import { waitUntil } from '../harness/process.js'
import { type RedisNode, redisUnavailable, startRedis } from '../harness/redis.js'
import { MINUTE, manualClock } from '../security/helpers.js'
import { Browser, cookieSessions, KEY_A, visit } from './cookie-helpers.js'

function withRevocation(store: Store, clock = manualClock()) {
  return cookieSessions({ keys: KEY_A, revocation: { store } }, {}, clock)
}

describe('cookie store revocation (memory store)', () => {
  it('BI-39: a copy taken before destroy() is refused afterwards', async () => {
    const clock = manualClock()
    const harness = withRevocation(createMemoryStore({ now: clock.now }), clock)
    const browser = new Browser()
    await visit(harness.sessions, browser, (s) => s.set('views', 1))
    const stolen = browser.clone()
    await visit(harness.sessions, browser, (s) => s.destroy())
    const replay = await visit(harness.sessions, stolen, (s) => s.get('views'))
    assert.equal(replay.result, undefined, 'the stolen copy no longer opens a session')
    assert.deepEqual(harness.reasons, ['unknown'])
  })

  it('BI-39 (documented): without a revocation store a copy outlives destroy()', async () => {
    const harness = cookieSessions()
    const browser = new Browser()
    await visit(harness.sessions, browser, (s) => s.set('views', 1))
    const copy = browser.clone()
    await visit(harness.sessions, browser, (s) => s.destroy())
    assert.equal((await visit(harness.sessions, copy, (s) => s.get('views'))).result, 1)
  })

  it('sessions.revoke(handle) refuses that session', async () => {
    const clock = manualClock()
    const harness = withRevocation(createMemoryStore({ now: clock.now }), clock)
    const browser = new Browser()
    const { result: handle } = await visit(harness.sessions, browser, (s) => {
      s.set('views', 1)
      return s.handle as string
    })
    await harness.sessions.revoke(handle)
    assert.equal((await visit(harness.sessions, browser, (s) => s.get('views'))).result, undefined)
  })

  it('BI-39: revokeUserSessions(user, { except }) logs out the other devices; the kept one survives regenerate', async () => {
    const clock = manualClock()
    const harness = withRevocation(createMemoryStore({ now: clock.now }), clock)
    const laptop = new Browser()
    const phone = new Browser()
    await visit(harness.sessions, laptop, (s) => s.login('alice'))
    await visit(harness.sessions, phone, (s) => s.login('alice'))
    const { result: laptopHandle } = await visit(harness.sessions, laptop, (s) => s.handle)
    clock.advance(MINUTE)
    await harness.sessions.revokeUserSessions('alice', { except: laptopHandle as string })
    const onPhone = await visit(harness.sessions, phone, (s) => s.meta.userId)
    assert.equal(onPhone.result, null, 'the phone is logged out')
    const onLaptop = await visit(harness.sessions, laptop, (s) => s.meta.userId)
    assert.equal(onLaptop.result, 'alice', 'the laptop is kept')
    assert.equal(onLaptop.setCookies.length, 1, 'and re-stamped past the epoch')
    await visit(harness.sessions, laptop, (s) => s.regenerate())
    clock.advance(MINUTE)
    const later = await visit(harness.sessions, laptop, (s) => s.meta.userId)
    assert.equal(later.result, 'alice', 'a new handle after the epoch still passes')
    const again = new Browser()
    await visit(harness.sessions, again, (s) => s.login('alice'))
    assert.equal(
      (await visit(harness.sessions, again, (s) => s.meta.userId)).result,
      'alice',
      'logging in after the revocation works',
    )
  })

  it('BI-39: regenerate with grace: the old cookie works inside the window and is refused after', async () => {
    const clock = manualClock()
    const harness = withRevocation(createMemoryStore({ now: clock.now }), clock)
    const browser = new Browser()
    await visit(harness.sessions, browser, (s) => s.set('views', 1))
    const old = browser.clone()
    await visit(harness.sessions, browser, (s) => s.regenerate({ grace: '30s' }))
    assert.equal((await visit(harness.sessions, old.clone(), (s) => s.get('views'))).result, 1)
    clock.advance(31_000)
    assert.equal((await visit(harness.sessions, old, (s) => s.get('views'))).result, undefined)
    assert.equal((await visit(harness.sessions, browser, (s) => s.get('views'))).result, 1)
  })

  it('BI-39: login() retires the pre-login cookie at once', async () => {
    const clock = manualClock()
    const harness = withRevocation(createMemoryStore({ now: clock.now }), clock)
    const browser = new Browser()
    await visit(harness.sessions, browser, (s) => s.set('cart', ['book']))
    const anonymous = browser.clone()
    await visit(harness.sessions, browser, (s) => s.login('bob'))
    assert.equal((await visit(harness.sessions, anonymous, (s) => s.get('cart'))).result, undefined)
    assert.deepEqual(
      (await visit(harness.sessions, browser, (s) => s.get('cart'))).result,
      ['book'],
      'the data moved with the login',
    )
  })
})

describe('cookie store revocation on a real Redis', { skip: redisUnavailable() ?? false }, () => {
  let node: RedisNode
  let client: Redis
  before(async () => {
    node = await startRedis()
    client = new Redis({
      host: '127.0.0.1',
      port: node.port,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
    })
    await waitUntil(async () => client.status === 'ready', 5000, 'ioredis')
  })
  after(async () => {
    client?.disconnect()
    await node?.stop()
  })

  it('BI-39: refuses a copy after logout, and answers 503 instead of trusting the cookie when Redis is down', async () => {
    const errors: SessionError[] = []
    const harness = cookieSessions(
      { keys: KEY_A, revocation: { store: createRedisStore(client, { prefix: 'revoked:' }) } },
      { storeTimeout: '300ms', hooks: { storeError: (_context, error) => errors.push(error) } },
    )
    const browser = new Browser()
    await visit(harness.sessions, browser, (s) => s.login('carol'))
    const copy = browser.clone()
    await visit(harness.sessions, browser, (s) => s.destroy())
    assert.equal((await visit(harness.sessions, copy, (s) => s.meta.userId)).result, null)

    const live = new Browser()
    await visit(harness.sessions, live, (s) => s.login('carol'))
    await node.kill()
    await assert.rejects(
      visit(harness.sessions, live, (s) => s.meta.userId),
      (error: SessionError) => error.code === 'STORE_UNAVAILABLE' && error.status === 503,
    )
    assert.ok(errors.length > 0, 'the storeError hook fired')
    await node.restart()
    await waitUntil(async () => client.status === 'ready', 5000, 'ioredis reconnect')
    assert.equal((await visit(harness.sessions, live, (s) => s.meta.userId)).result, 'carol')
  })
})
