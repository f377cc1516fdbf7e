// sessionkit/testing helpers: the test client's cookie jar and seedSession.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { session } from '../../src/adapters/express.js'
import { createSessions, generateKey } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createTestClient, seedSession } from '../../src/testing/index.js'

describe('createTestClient', () => {
  it('keeps cookies from Set-Cookie, drops expired ones, and sends them back', async (t) => {
    const seen: Array<string | undefined> = []
    const client = await createTestClient((req, res) => {
      seen.push(req.headers.cookie)
      const url = new URL(req.url ?? '/', 'http://x')
      res.setHeader('Set-Cookie', url.searchParams.getAll('set'))
      res.end(`${req.method} ${req.headers['content-type'] ?? ''} `)
    })
    t.after(() => client.close())
    assert.match(client.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    await client.request(`/?set=${encodeURIComponent('a=1; Path=/x; HttpOnly')}&set=b=2=3`)
    assert.equal(client.jar.header(), 'a=1; b=2=3')
    await client.request(`/?set=${encodeURIComponent('a=; Max-Age=0')}`)
    await client.request(`/?set=${encodeURIComponent('b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT')}`)
    assert.equal(client.jar.header(), '')
    client.jar.set('c', '4')
    const posted = await client.request('/', { method: 'POST', body: { x: 1 } })
    assert.equal(posted.body, 'POST application/json ')
    await client.request('/', { headers: { Cookie: 'handmade=1' } })
    await client.request('/', { jar: false })
    assert.deepEqual(seen.slice(-3), ['c=4', 'handmade=1', undefined])
  })

  it('never follows redirects and closes idempotently', async () => {
    const client = await createTestClient((_req, res) => {
      res.writeHead(302, { Location: '/elsewhere' }).end()
    })
    const res = await client.request('/')
    assert.equal(res.status, 302)
    assert.equal(res.headers['location'], '/elsewhere')
    await Promise.all([client.close(), client.close()])
  })
})

describe('seedSession', () => {
  for (const secret of [undefined, generateKey()]) {
    it(`stores a session the app then loads (${secret ? 'signed' : 'bare'} cookie)`, async (t) => {
      const sessions = createSessions(
        secret ? { store: createMemoryStore(), secret } : { store: createMemoryStore() },
      )
      const middleware = session(sessions)
      const client = await createTestClient((req, res) =>
        middleware(req, res, () => res.end(JSON.stringify(req.session.all()))),
      )
      t.after(() => client.close())
      const seeded = await seedSession(sessions, { cart: ['sku-1'] }, { userId: 'u1' })
      assert.match(seeded.cookie, secret ? /^sid=[\w-]{43}\.[\w-]+$/ : /^sid=[\w-]{43}$/)
      assert.equal(seeded.cookie.slice(4, 47), seeded.id)
      assert.ok(await sessions.store.get(seeded.handle), 'stored under its handle')
      const res = await client.request('/', { headers: { cookie: seeded.cookie } })
      assert.deepEqual(JSON.parse(res.body), { cart: ['sku-1'] })
      const empty = await seedSession(sessions, {})
      assert.ok(await sessions.store.get(empty.handle), 'an empty session is stored too')
    })
  }
})
