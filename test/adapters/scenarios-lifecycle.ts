// Scenarios: the session's life across requests (start, read/write, flash, regenerate, destroy,
// expiry), mounting options and two session systems on one app.
import assert from 'node:assert/strict'
import { sessionOf } from '../../src/adapters/express.js'
import { createSessions } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import {
  type Adapter,
  cookieValue,
  delayedSet,
  type Handler,
  handleOf,
  manualClock,
  records,
} from './harness.js'
import { type Scenario, setup, sidOf } from './scenario-setup.js'
import type { WebHandler } from './web-harness.js'

export const lifecycleScenarios: Scenario[] = [
  {
    name: 'lazy start: a request that never touches the session sends no cookie and stores nothing',
    async run(adapter, t) {
      const { client, memory, calls } = await setup(adapter, t)
      const res = await client.request('/plain')
      assert.equal(res.status, 200)
      assert.equal(res.body, 'plain')
      assert.deepEqual(res.setCookies, [])
      assert.equal(res.headers['vary'], undefined)
      const id = await client.request('/id')
      assert.equal(id.body, 'none', 'reading the id does not start a session')
      assert.deepEqual(id.setCookies, [])
      assert.deepEqual(calls, { get: 0, set: 0, touch: 0, destroy: 0 })
      assert.deepEqual(await records(memory), [])
    },
  },
  {
    name: 'write then read across requests: views counts 1, 2',
    async run(adapter, t) {
      const { client, memory } = await setup(adapter, t)
      const first = await client.request('/views')
      assert.equal(first.body, '1')
      const sid = sidOf(first.setCookies)
      assert.ok(sid, 'the first write sets the session cookie')
      const second = await client.request('/views')
      assert.equal(second.body, '2')
      assert.deepEqual(second.setCookies, [], 'an unchanged id sends no cookie again')
      assert.deepEqual(
        (await records(memory)).map(([key]) => key),
        [handleOf(sid)],
      )
    },
  },
  {
    name: 'flash after redirect: shown once on the page redirected to, gone on the next',
    async run(adapter, t) {
      const { client } = await setup(adapter, t)
      const post = await client.request('/flash', { method: 'POST' })
      assert.equal(post.status, 302)
      assert.equal(post.headers['location'], '/message')
      assert.equal((await client.request('/message')).body, 'Saved')
      assert.equal((await client.request('/message')).body, '')
    },
  },
  {
    name: 'the save completes before the redirect response does (store set delayed 50 ms)',
    async run(adapter, t) {
      const { client, memory, calls } = await setup(adapter, t, {
        overrides: (inner) => ({ set: delayedSet(inner, 50) }),
      })
      const post = await client.request('/flash', { method: 'POST' })
      assert.equal(post.status, 302)
      const sid = sidOf(post.setCookies)
      assert.ok(sid, 'a session cookie was set')
      // No await between receiving the 302 and looking: the record must already be there.
      assert.ok(await memory.get(handleOf(sid)), 'the session was stored before the 302 completed')
      assert.equal(calls.set, 1)
      assert.equal((await client.request('/message')).body, 'Saved')
    },
  },
  {
    name: 'regenerate: a new cookie value, data kept under it, the old id loads nothing',
    async run(adapter, t) {
      const { client } = await setup(adapter, t)
      const oldSid = sidOf((await client.request('/user', { method: 'POST' })).setCookies)
      assert.ok(oldSid, 'a session cookie was set')
      const regen = await client.request('/regenerate', { method: 'POST' })
      const newSid = sidOf(regen.setCookies)
      assert.ok(newSid, 'a session cookie was set')
      assert.notEqual(newSid, oldSid)
      assert.deepEqual(JSON.parse((await client.request('/data')).body), { user: 'ann' })
      const stale = await client.request('/data', { headers: { cookie: `sid=${oldSid}` } })
      assert.deepEqual(JSON.parse(stale.body), {})
    },
  },
  {
    name: 'destroy (logout): the cookie is expired and the old id no longer loads',
    async run(adapter, t) {
      const { client, memory } = await setup(adapter, t)
      const sid = sidOf((await client.request('/user', { method: 'POST' })).setCookies)
      assert.ok(sid, 'a session cookie was set')
      const out = await client.request('/logout', { method: 'POST' })
      assert.equal(out.body, 'bye')
      const cleared = out.setCookies.find((c) => c.startsWith('sid='))
      assert.ok(cleared, 'a clearing cookie is sent')
      assert.match(cleared, /^sid=;/)
      assert.match(cleared, /Max-Age=0/)
      assert.match(cleared, /Expires=Thu, 01 Jan 1970 00:00:00 GMT/)
      assert.equal(client.jar.get('sid'), undefined)
      const stale = await client.request('/data', { headers: { cookie: `sid=${sid}` } })
      assert.deepEqual(JSON.parse(stale.body), {})
      assert.deepEqual(await records(memory), [])
    },
  },
  {
    name: 'idle expiry with an injected clock: alive at 29 min, gone after 30 min idle',
    async run(adapter, t) {
      const clock = manualClock()
      const { client } = await setup(adapter, t, {
        clock,
        options: { idleTimeout: '30m', absoluteTimeout: '12h' },
      })
      assert.equal((await client.request('/views')).body, '1')
      clock.advance(29 * 60_000)
      assert.equal((await client.request('/views')).body, '2')
      clock.advance(30 * 60_000 + 1)
      const expired = await client.request('/views')
      assert.equal(expired.body, '1', 'a fresh session')
      assert.ok(sidOf(expired.setCookies), 'with a new cookie')
    },
  },
  {
    name: 'absolute expiry with an injected clock: active use cannot outlive absoluteTimeout',
    async run(adapter, t) {
      const clock = manualClock()
      const { client } = await setup(adapter, t, {
        clock,
        options: { idleTimeout: '30m', absoluteTimeout: '1h' },
      })
      for (const expected of ['1', '2', '3']) {
        assert.equal((await client.request('/views')).body, expected)
        clock.advance(25 * 60_000)
      }
      assert.equal((await client.request('/views')).body, '1', '75 min after creation')
    },
  },
  {
    name: 'two session systems with their own property and cookie name on one app',
    async run(adapter, t) {
      const admin = createSessions({
        store: createMemoryStore(),
        cookie: { name: 'admin_sid' },
      })
      t.after(() => admin.close())
      const routes: Record<string, Handler> = {
        'GET /both': (req, res) => {
          const a = req.session.increment('n')
          const other = (req as unknown as Record<string, unknown>)['admin']
          const typed = ((adapter as Adapter).sessionOf ?? sessionOf)(req, admin)
          assert.equal(other, typed)
          const b = typed.increment('n', 10)
          res.end(`${a},${b}`)
        },
      }
      const webRoutes: Record<string, WebHandler> = {
        'GET /both': (_request, ctx) => {
          const a = ctx.session.increment('n')
          const b = ctx.get('admin')?.increment('n', 10)
          return new Response(`${a},${b}`)
        },
      }
      const { client } = await setup(adapter, t, {
        routes,
        webRoutes,
        extraMounts: [{ sessions: admin, options: { property: 'admin' } }],
      })
      const first = await client.request('/both')
      assert.equal(first.body, '1,10')
      assert.ok(sidOf(first.setCookies), 'a session cookie was set')
      assert.ok(cookieValue(first.setCookies, 'admin_sid'), 'the admin session cookie was set')
      const second = await client.request('/both')
      assert.equal(second.body, '2,20')
    },
  },
  {
    name: 'keys named then, save or id are plain data; await req.session is not hijacked (BI-47)',
    async run(adapter, t) {
      const { client } = await setup(adapter, t)
      assert.equal((await client.request('/reserved-keys')).body, 'true')
      const data = JSON.parse((await client.request('/data')).body)
      assert.deepEqual(
        ['then', 'save', 'id'].map((key) => data[key]),
        ['not a thenable', 'data', 'data too'],
      )
    },
  },
  {
    name: 'trustProxy set on the middleware decides Secure and the recorded ip',
    async run(adapter, t) {
      const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' }
      const trusting = await setup(adapter, t, { mountOptions: { trustProxy: true } })
      const first = await trusting.client.request('/views', { headers: forwarded })
      assert.match(first.setCookies[0] ?? '', /; Secure/)
      const meta = await trusting.client.request('/meta', { headers: forwarded })
      assert.equal(JSON.parse(meta.body).ip, '203.0.113.9')

      const plain = await setup(adapter, t, { options: { trustProxy: true } })
      const over = await setup(adapter, t, {
        options: { trustProxy: true },
        mountOptions: { trustProxy: false },
      })
      assert.match(
        (await plain.client.request('/views', { headers: forwarded })).setCookies[0] ?? '',
        /; Secure/,
      )
      const untrusted = await over.client.request('/views', { headers: forwarded })
      assert.doesNotMatch(untrusted.setCookies[0] ?? '', /Secure/)
      const ip = JSON.parse((await over.client.request('/meta', { headers: forwarded })).body).ip
      assert.equal(ip, '127.0.0.1')
    },
  },
]
