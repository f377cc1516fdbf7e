// Scenarios only the Fetch-API adapters (fetch, Hono) have: immutable responses, handlers that
// throw, bodies streamed after the session was saved.
import assert from 'node:assert/strict'
import { handleOf, records } from './harness.js'
import { type Scenario, setup, sidOf } from './scenario-setup.js'
import { immutableRedirect } from './web-routes.js'

export const webScenarios: Scenario[] = [
  {
    name: 'flash after Response.redirect() (immutable headers): cookie added to a copy, flash shown once',
    async run(adapter, t) {
      assert.throws(
        () => immutableRedirect('http://127.0.0.1/', 303).headers.append('X-Test', '1'),
        TypeError,
        'premise: the route answers with a response whose headers are immutable',
      )
      const { client } = await setup(adapter, t)
      const post = await client.request('/flash-redirect', { method: 'POST' })
      assert.equal(post.status, 303)
      assert.match(String(post.headers['location']), /^http:\/\/127\.0\.0\.1:\d+\/message$/)
      assert.ok(sidOf(post.setCookies), 'the session cookie was added to the redirect')
      assert.equal(post.headers['cache-control'], 'no-store')
      assert.equal((await client.request('/message')).body, 'Saved')
      assert.equal((await client.request('/message')).body, '')
    },
  },
  {
    name: 'a handler that throws persists nothing and sends no session cookie',
    async run(adapter, t) {
      const { client, memory, calls } = await setup(adapter, t)
      const res = await client.request('/throw', { method: 'POST' })
      assert.equal(res.status, 500)
      assert.deepEqual(res.setCookies, [])
      assert.equal(calls.set, 0)
      assert.deepEqual(await records(memory), [])
    },
  },
  {
    name: 'a streamed body is sent after the save; a session change while streaming is HeadersSent',
    async run(adapter, t) {
      const { client, memory } = await setup(adapter, t)
      const res = await client.request('/web-stream')
      assert.equal(res.body, 'partial:HeadersSent')
      const sid = sidOf(res.setCookies)
      assert.ok(sid, 'a session cookie was set')
      const stored = await memory.get(handleOf(sid))
      assert.ok(stored, 'the session was stored')
      assert.match(stored.data, /views/, 'the record is readable here (no encryption)')
      assert.doesNotMatch(stored.data, /late/, 'the late change was not stored')
    },
  },
]
