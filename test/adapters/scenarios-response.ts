// Scenarios: what the session does to the response: merged Set-Cookie, Cache-Control, Vary,
// SessionTooLarge before headers, streaming, and res.end semantics.
import assert from 'node:assert/strict'
import { endCallbacks } from './app-routes.js'
import { handleOf, records } from './harness.js'
import { type Scenario, setup, sidOf } from './scenario-setup.js'

export const responseScenarios: Scenario[] = [
  {
    name: "other middleware's Set-Cookie is preserved (setHeader before the session starts)",
    async run(adapter, t) {
      const { client } = await setup(adapter, t)
      const res = await client.request('/cookies-setheader')
      assert.deepEqual(res.setCookies.slice(0, 2), ['a=1', 'b=2'])
      assert.equal(res.setCookies.length, 3)
      assert.ok(sidOf(res.setCookies), 'a session cookie was set')
    },
  },
  {
    name: "other middleware's Set-Cookie is preserved (writeHead with headers, all forms)",
    async run(adapter, t) {
      const { client } = await setup(adapter, t)
      const object = await client.request('/cookies-writehead')
      assert.equal(object.body, 'ok')
      assert.equal(object.setCookies[0], 'c=3')
      assert.ok(sidOf(object.setCookies), 'a session cookie was set')
      assert.equal(object.headers['content-type'], 'text/plain')
      client.jar.clear()
      const array = await client.request('/cookies-writehead-array')
      assert.deepEqual(array.setCookies.slice(0, 2), ['d=4', 'e=5'])
      assert.ok(sidOf(array.setCookies), 'a session cookie was set')
      assert.equal(array.headers['x-before'], 'kept')
    },
  },
  {
    name: 'Cache-Control: no-store on a response that sets the session cookie, only then',
    async run(adapter, t) {
      const { client } = await setup(adapter, t)
      const first = await client.request('/cacheable')
      assert.ok(sidOf(first.setCookies), 'a session cookie was set')
      assert.equal(first.headers['cache-control'], 'no-store')
      const second = await client.request('/cacheable')
      assert.deepEqual(second.setCookies, [])
      assert.equal(second.headers['cache-control'], 'public, max-age=600')
    },
  },
  {
    name: 'Vary: Cookie when the session was used, appended to an existing Vary',
    async run(adapter, t) {
      const { client } = await setup(adapter, t)
      assert.equal((await client.request('/plain')).headers['vary'], undefined)
      assert.equal((await client.request('/views')).headers['vary'], 'Cookie')
      assert.equal((await client.request('/vary')).headers['vary'], 'Accept-Encoding, Cookie')
      assert.equal((await client.request('/plain')).headers['vary'], 'Cookie', 'a cookie was sent')
    },
  },
  {
    name: 'SessionTooLarge: 413, nothing stored, none of the prepared headers sent',
    async run(adapter, t) {
      const { client, memory, calls } = await setup(adapter, t, { options: { maxSize: 1024 } })
      for (const path of ['/big', '/big-writehead']) {
        const res = await client.request(path, { method: 'POST' })
        assert.equal(res.status, 413, path)
        assert.deepEqual(res.setCookies, [], path)
        assert.equal(res.headers['x-app'], undefined, path)
        assert.doesNotMatch(res.body, /stored/)
      }
      assert.equal(calls.set, 0)
      assert.deepEqual(await records(memory), [])
      assert.equal((await client.request('/views')).body, '1', 'the server still works')
    },
  },
  {
    name: 'streaming with res.write works; starting the session after headers is HeadersSent',
    nodeOnly: 'node response semantics (write before end, a second end)',
    async run(adapter, t) {
      const { client, memory } = await setup(adapter, t)
      const stream = await client.request('/stream')
      assert.equal(stream.body, 'abc')
      const sid = sidOf(stream.setCookies)
      assert.ok(sid, 'a session cookie was set')
      assert.ok(await memory.get(handleOf(sid)), 'the session is stored')
      client.jar.clear()
      const late = await client.request('/late-start')
      assert.equal(late.body, 'partial:HeadersSent')
      assert.deepEqual(late.setCookies, [])
    },
  },
  {
    name: 'res.end is idempotent and its callback fires after the save',
    nodeOnly: 'node response semantics (write before end, a second end)',
    async run(adapter, t) {
      const { client, calls } = await setup(adapter, t)
      const double = await client.request('/double-end')
      assert.equal(double.body, 'first')
      assert.equal(calls.set, 1)
      const fired = new Promise<void>((resolve) => endCallbacks.push(resolve))
      assert.equal((await client.request('/end-callback')).status, 200)
      await fired
    },
  },
]
