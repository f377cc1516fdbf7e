// Scenarios: hostile or broken input (unknown, malformed and duplicated cookies) and store
// failures; none may crash a request or be taken for "no session".
import assert from 'node:assert/strict'
import { seedSession } from '../../src/testing/seed.js'
import { type Scenario, setup, sidOf, wellFormedId } from './scenario-setup.js'

export const hostileScenarios: Scenario[] = [
  {
    name: 'strict mode: a well-formed unknown id is never adopted (invalidId "unknown")',
    async run(adapter, t) {
      const { client, reasons } = await setup(adapter, t)
      const presented = wellFormedId()
      const res = await client.request('/views', { headers: { cookie: `sid=${presented}` } })
      assert.equal(res.status, 200)
      assert.equal(res.body, '1')
      const issued = sidOf(res.setCookies)
      assert.ok(issued, 'a session cookie was set')
      assert.notEqual(issued, presented)
      assert.deepEqual(reasons, ['unknown'])
    },
  },
  ...[
    { label: 'empty value', cookie: 'sid=' },
    { label: 'oversized (6 KB)', cookie: `sid=${'a'.repeat(6144)}` },
    { label: 'path traversal', cookie: 'sid=../../etc/passwd' },
    { label: 'percent-encoded', cookie: 'sid=%2e%2e' },
    { label: '43 chars with + and /', cookie: `sid=${'ab+/'.repeat(10)}abc` },
  ].map(
    ({ label, cookie }): Scenario => ({
      name: `malformed cookie, ${label}: a fresh session, no crash, invalidId "malformed"`,
      async run(adapter, t) {
        const { client, reasons, calls } = await setup(adapter, t)
        const res = await client.request('/views', { headers: { cookie } })
        assert.equal(res.status, 200)
        assert.equal(res.body, '1')
        assert.ok(sidOf(res.setCookies), 'a session cookie was set')
        assert.deepEqual(reasons, ['malformed'])
        assert.equal(calls.get, 0, 'a malformed id costs no store read')
      },
    }),
  ),
  {
    name: 'duplicated cookie, two well-formed unknown ids: a fresh session, never adopted',
    async run(adapter, t) {
      const { client, reasons } = await setup(adapter, t)
      const [a, b] = [wellFormedId(), wellFormedId()]
      const res = await client.request('/views', { headers: { cookie: `sid=${a}; sid=${b}` } })
      assert.equal(res.body, '1')
      const issued = sidOf(res.setCookies)
      assert.ok(issued && issued !== a && issued !== b, 'a new id was issued')
      assert.equal(reasons.length, 1)
    },
  },
  {
    name: 'duplicated cookie, no live candidate: invalidId "malformed" (decisions/0001, BI-03)',
    async run(adapter, t) {
      const { client, reasons } = await setup(adapter, t)
      const cookie = `sid=${wellFormedId()}; sid=${wellFormedId()}`
      assert.equal((await client.request('/views', { headers: { cookie } })).body, '1')
      assert.deepEqual(reasons, ['malformed'])
    },
  },
  {
    name: 'duplicated cookie, two live sessions: neither is adopted (invalidId "malformed")',
    async run(adapter, t) {
      const { client, reasons, sessions } = await setup(adapter, t)
      const a = await seedSession(sessions, { views: 10 })
      const b = await seedSession(sessions, { views: 20 })
      const res = await client.request('/views', {
        headers: { cookie: `${a.cookie}; ${b.cookie}` },
      })
      assert.equal(res.body, '1')
      assert.deepEqual(reasons, ['malformed'])
    },
  },
  {
    name: 'duplicated cookie, one valid and one garbage (either order): the valid one is used',
    async run(adapter, t) {
      const { client, reasons, sessions } = await setup(adapter, t)
      const seeded = await seedSession(sessions, { views: 5 })
      const orders = [`sid=../x; ${seeded.cookie}`, `${seeded.cookie}; sid=`]
      for (const [index, cookie] of orders.entries()) {
        const res = await client.request('/views', { headers: { cookie } })
        assert.equal(res.status, 200)
        assert.deepEqual(res.setCookies, [])
        assert.equal(res.body, String(6 + index))
      }
      assert.deepEqual(reasons, [])
    },
  },
  {
    name: 'StoreUnavailable on load: 503 from the framework error handler, no Set-Cookie',
    async run(adapter, t) {
      const { client } = await setup(adapter, t, {
        overrides: () => ({ get: () => Promise.reject(new Error('connection refused')) }),
      })
      const res = await client.request('/views', { headers: { cookie: `sid=${wellFormedId()}` } })
      assert.equal(res.status, 503)
      assert.deepEqual(res.setCookies, [])
    },
  },
  {
    name: 'a save that fails before headers were sent answers 503, with no Set-Cookie',
    async run(adapter, t) {
      const { client } = await setup(adapter, t, {
        overrides: () => ({ set: () => Promise.reject(new Error('disk full')) }),
      })
      const res = await client.request('/flash', { method: 'POST' })
      assert.equal(res.status, 503)
      assert.deepEqual(res.setCookies, [])
      assert.equal(res.headers['location'], undefined, 'the redirect is not reported')
    },
  },
  {
    name: 'a save that fails after a streamed response started destroys the connection',
    nodeOnly: 'frameworks that save before the body streams answer 503 instead',
    async run(adapter, t) {
      const { client } = await setup(adapter, t, {
        overrides: () => ({ set: () => Promise.reject(new Error('disk full')) }),
      })
      await assert.rejects(client.request('/stream'))
    },
  },
]
