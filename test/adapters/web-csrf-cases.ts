// The csrf() cases both Fetch-API adapters run through a real server: forms (urlencoded and
// multipart) and JSON bodies the handler can still read, header tokens, cross-site and foreign
// origins, token mismatches, SPA mode.
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, it, type TestContext } from 'node:test'
import type { AdapterCsrfOptions } from '../../src/adapters/csrf-gate.js'
import type { Sessions, SessionsOptions } from '../../src/core/types.js'
import { createSessions } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createTestClient, type TestClient } from '../../src/testing/test-client.js'
import { cookieValue } from './harness.js'

/**
 * Builds an app with the adapter's session middleware and `csrf(options)`, answering
 * `GET /token` (a fresh token), `GET /plain`, `POST /form` (`saved <title>` from the parsed form)
 * and `POST /json` (`saved <title>` from the parsed JSON body).
 */
export type CsrfAppFactory = (
  sessions: Sessions,
  options: AdapterCsrfOptions,
) => (req: IncomingMessage, res: ServerResponse) => void

interface Context {
  client: TestClient
  token: string
  /** Same-origin request headers. */
  origin: Record<string, string>
}

async function start(
  t: TestContext,
  build: CsrfAppFactory,
  options: AdapterCsrfOptions = {},
  sessionsOptions: Omit<SessionsOptions, 'store'> = {},
): Promise<Context> {
  const sessions = createSessions({ ...sessionsOptions, store: createMemoryStore() })
  const client = await createTestClient(build(sessions, options))
  t.after(async () => {
    await client.close()
    await sessions.close()
  })
  const token = (await client.request('/token')).body
  return { client, token, origin: { origin: client.url } }
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const JSON_TYPE = { 'content-type': 'application/json' }

async function multipart(fields: Record<string, string>): Promise<{ body: string; type: string }> {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  const encoded = new Response(form)
  return { body: await encoded.text(), type: encoded.headers.get('content-type') ?? '' }
}

/** Register the csrf() cases for one adapter. */
export function describeCsrf(name: string, build: CsrfAppFactory): void {
  describe(`${name}: csrf()`, () => {
    it('a form post with a valid _csrf field passes, and the handler still reads the body', async (t) => {
      const { client, token, origin } = await start(t, build)
      const body = `title=hello&_csrf=${encodeURIComponent(token)}`
      const res = await client.request('/form', {
        method: 'POST',
        headers: { ...FORM, ...origin },
        body,
      })
      assert.equal(res.status, 200)
      assert.equal(res.body, 'saved hello')
      assert.match(String(res.headers['vary']), /Origin, Sec-Fetch-Site/)
    })

    it('a multipart form post with a valid _csrf field passes', async (t) => {
      const { client, token, origin } = await start(t, build)
      const { body, type } = await multipart({ title: 'multi', _csrf: token })
      const headers = { 'content-type': type, ...origin }
      const res = await client.request('/form', { method: 'POST', headers, body })
      assert.equal(res.status, 200)
      assert.equal(res.body, 'saved multi')
    })

    it('an unsafe request without a token is refused with 403 missing-token', async (t) => {
      const { client, origin } = await start(t, build)
      const res = await client.request('/form', {
        method: 'POST',
        headers: { ...FORM, ...origin },
        body: 'title=hello',
      })
      assert.equal(res.status, 403)
      assert.match(res.body, /missing-token/)
      assert.doesNotMatch(res.body, /saved/, 'the handler did not run')
    })

    it('judges the origin with the trustProxy of the session opened for the request', async (t) => {
      const { client, token } = await start(t, build, {}, { trustProxy: true })
      const proxied = {
        ...JSON_TYPE,
        origin: 'https://public.example',
        'x-forwarded-host': 'public.example',
        'x-forwarded-proto': 'https',
        'x-csrf-token': token,
      }
      const res = await client.request('/json', { method: 'POST', headers: proxied, body: '{}' })
      assert.equal(res.status, 200, 'the trusted proxy named the origin')
      const { client: direct, token: directToken } = await start(t, build)
      const untrusted = await direct.request('/json', {
        method: 'POST',
        headers: { ...proxied, 'x-csrf-token': directToken },
        body: '{}',
      })
      assert.equal(untrusted.status, 403, 'without trustProxy the forwarded host is ignored')
    })

    it('a JSON post passes with the token in x-csrf-token, or in the body, never in the query', async (t) => {
      const { client, token, origin } = await start(t, build)
      const headers = { ...JSON_TYPE, ...origin }
      const viaHeader = await client.request('/json', {
        method: 'POST',
        headers: { ...headers, 'x-csrf-token': token },
        body: JSON.stringify({ title: 'api' }),
      })
      assert.equal(viaHeader.status, 200)
      assert.equal(viaHeader.body, 'saved api')
      const viaBody = await client.request('/json', {
        method: 'POST',
        headers,
        body: JSON.stringify({ title: 'body', _csrf: token }),
      })
      assert.equal(viaBody.body, 'saved body')
      const viaQuery = await client.request(`/json?_csrf=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ title: 'query' }),
      })
      assert.equal(viaQuery.status, 403)
    })

    it('a cross-site request is refused even with a valid token; so is a foreign Origin', async (t) => {
      const { client, token } = await start(t, build)
      const crossSite = await client.request('/json', {
        method: 'POST',
        headers: { ...JSON_TYPE, 'sec-fetch-site': 'cross-site', 'x-csrf-token': token },
        body: '{}',
      })
      assert.equal(crossSite.status, 403)
      assert.match(crossSite.body, /cross-site/)
      const foreign = await client.request('/json', {
        method: 'POST',
        headers: { ...JSON_TYPE, origin: 'https://evil.example', 'x-csrf-token': token },
        body: '{}',
      })
      assert.equal(foreign.status, 403)
      assert.match(foreign.body, /origin-mismatch/)
    })

    it('tokens that differ between header and body, or a repeated field, are refused', async (t) => {
      const { client, token, origin } = await start(t, build)
      const other = (await client.request('/token')).body
      const mismatch = await client.request('/form', {
        method: 'POST',
        headers: { ...FORM, ...origin, 'x-csrf-token': other },
        body: `title=x&_csrf=${encodeURIComponent(token)}x`,
      })
      assert.equal(mismatch.status, 403)
      assert.match(mismatch.body, /token-mismatch/)
      const repeated = await client.request('/form', {
        method: 'POST',
        headers: { ...FORM, ...origin },
        body: `title=x&_csrf=${encodeURIComponent(token)}&_csrf=${encodeURIComponent(token)}`,
      })
      assert.equal(repeated.status, 403)
      assert.match(repeated.body, /invalid-token/)
    })

    it('a malformed JSON body is no crash: refused without a header token', async (t) => {
      const { client, origin } = await start(t, build)
      const res = await client.request('/json', {
        method: 'POST',
        headers: { ...JSON_TYPE, ...origin },
        body: '{"_csrf": ',
      })
      assert.equal(res.status, 403)
      assert.match(res.body, /missing-token/)
    })

    it('spa: a readable XSRF-TOKEN cookie is kept, and echoing it in X-XSRF-TOKEN passes', async (t) => {
      const { client, origin } = await start(t, build, { spa: true })
      client.jar.clear()
      const first = await client.request('/plain')
      const header = first.setCookies.find((cookie) => cookie.startsWith('XSRF-TOKEN='))
      assert.ok(header, 'the SPA cookie was set')
      assert.doesNotMatch(header, /HttpOnly/i, 'readable by scripts')
      assert.ok(cookieValue(first.setCookies, 'sid'), 'the session started for it')
      const again = await client.request('/plain')
      assert.equal(cookieValue(again.setCookies, 'XSRF-TOKEN'), undefined, 'still valid: not reset')
      const xsrf = decodeURIComponent(client.jar.get('XSRF-TOKEN') ?? '')
      const res = await client.request('/json', {
        method: 'POST',
        headers: { ...JSON_TYPE, ...origin, 'x-xsrf-token': xsrf },
        body: JSON.stringify({ title: 'spa' }),
      })
      assert.equal(res.status, 200)
      assert.equal(res.body, 'saved spa')
    })
  })
}
