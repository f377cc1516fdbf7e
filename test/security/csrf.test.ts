// SECURITY-CHECKLIST I and ASVS 4.2.2 / 13.2.3 / 14.5.x, through a real Express 5 server:
// express.urlencoded + express.json + session() + csrf(), errors answered by the app's handler.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import express, { type ErrorRequestHandler } from 'express'
import {
  type CsrfMiddlewareOptions,
  csrf,
  type SessionMiddlewareOptions,
  session,
} from '../../src/adapters/express.js'
import { ConfigError, createSessions } from '../../src/index.js'
import { createTestClient, type TestClient } from '../../src/testing/test-client.js'
import './helpers.js'
import { form, json, type RawInit, send } from './http.js'

interface AppOptions {
  csrf?: CsrfMiddlewareOptions
  session?: SessionMiddlewareOptions
}

/** A fresh app and client; `origin` is the server's own origin. */
async function app(options: AppOptions = {}) {
  const sessions = createSessions()
  const server = express()
  server.use(express.urlencoded({ extended: true, limit: '2mb' }))
  server.use(express.json({ limit: '2mb' }))
  server.use(session(sessions, options.session))
  server.use(csrf(options.csrf))
  server.get('/token', (req, res) => {
    res.json({ token: req.session.csrfToken() })
  })
  server.post('/login', async (req, res) => {
    await req.session.login('user-1')
    res.json({ token: req.session.csrfToken() })
  })
  server.post('/regenerate', async (req, res) => {
    await req.session.regenerate()
    res.json({ token: req.session.csrfToken() })
  })
  server.all('/action', (req, res) => {
    res.json({ ok: true, method: req.method })
  })
  server.use(((error, _req, res, _next) => {
    res.status(error.status ?? 500).json({ reason: error.reason ?? error.code ?? 'error' })
  }) satisfies ErrorRequestHandler)
  const client = await createTestClient(server)
  after(async () => {
    await client.close()
    await sessions.close()
  })
  return { client, origin: client.url, sessions }
}

async function tokenOf(client: TestClient): Promise<string> {
  const res = await send(client, '/token')
  assert.equal(res.status, 200)
  return res.json?.token as string
}

/** Send, and return `status reason` (reason empty on success). */
async function outcome(client: TestClient, path: string, init: RawInit): Promise<string> {
  const res = await send(client, path, init)
  return `${res.status}${res.json?.reason ? ` ${res.json.reason}` : ''}`
}

const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' }
const UNSAFE = ['POST', 'PUT', 'PATCH', 'DELETE']
const SAFE = ['GET', 'HEAD', 'OPTIONS']

describe('I. CSRF through Express', () => {
  it('T-4.2.2: a same-origin form post with a valid token → 200 (Origin or Sec-Fetch-Site)', async () => {
    const { client, origin } = await app()
    const token = await tokenOf(client)
    const body = form([['_csrf', token]])
    assert.equal(
      await outcome(client, '/action', {
        method: 'POST',
        ...body,
        headers: { ...body.headers, origin },
      }),
      '200',
    )
    assert.equal(
      await outcome(client, '/action', {
        method: 'POST',
        ...body,
        headers: { ...body.headers, ...SAME_ORIGIN },
      }),
      '200',
    )
  })

  it('BI-72: the Sec-Fetch-Site × method matrix (with a valid token); Vary: Origin, Sec-Fetch-Site', async () => {
    const { client, origin } = await app()
    const token = await tokenOf(client)
    const evil = 'https://evil.example'
    const expected: Record<string, string> = {
      'cross-site': '403 cross-site',
      'same-site': '403 cross-site',
      'same-origin': '200',
      none: '200',
      absent: '403 origin-mismatch',
      bogus: '403 origin-mismatch',
    }
    for (const [site, unsafe] of Object.entries(expected)) {
      for (const method of [...SAFE, ...UNSAFE]) {
        const headers: Record<string, string> = {
          'x-csrf-token': token,
          origin: site === 'absent' || site === 'bogus' ? evil : origin,
        }
        if (site !== 'absent')
          headers['sec-fetch-site'] = site === 'bogus' ? 'cross-origin-ish' : site
        const res = await send(client, '/action', { method, headers })
        const got = `${res.status}${res.json?.reason ? ` ${res.json.reason}` : ''}`
        const want = SAFE.includes(method) ? '200' : unsafe
        assert.equal(
          method === 'HEAD' ? `${res.status}` : got,
          method === 'HEAD' ? want.split(' ')[0] : want,
          `${site} × ${method}`,
        )
        if (UNSAFE.includes(method)) assert.match(String(res.headers.vary), /Origin/i)
        if (UNSAFE.includes(method)) assert.match(String(res.headers.vary), /Sec-Fetch-Site/i)
      }
    }
    // Absent or unknown fetch metadata falls back to Origin: the own origin passes.
    for (const site of [undefined, 'bogus']) {
      const headers: Record<string, string> = { 'x-csrf-token': token, origin }
      if (site) headers['sec-fetch-site'] = site
      assert.equal(await outcome(client, '/action', { method: 'POST', headers }), '200')
    }
  })

  it('BI-72: same-site passes only with trustSameSite', async () => {
    const { client } = await app({ csrf: { trustSameSite: true } })
    const token = await tokenOf(client)
    assert.equal(
      await outcome(client, '/action', {
        method: 'POST',
        headers: { 'sec-fetch-site': 'same-site', 'x-csrf-token': token },
      }),
      '200',
    )
  })

  it('BI-73 / T-14.5.3: spoofed Origin shapes never match the allowlist; null and lists are refused', async () => {
    const { client } = await app({ csrf: { origins: ['https://example.com'] } })
    const token = await tokenOf(client)
    const post = (headers: Record<string, string>) =>
      outcome(client, '/action', { method: 'POST', headers: { 'x-csrf-token': token, ...headers } })
    for (const origin of [
      'https://example.com.attacker.com',
      'https://attacker.com/https://example.com',
      'https://example.com:8443',
      'http://example.com',
      'https://example.com.',
      'null',
      'https://example.com, https://evil.example',
      'https://example.com https://evil.example',
      'https://exa mple.com',
      '',
      'example.com',
      'javascript://example.com',
    ]) {
      assert.equal(await post({ origin }), '403 origin-mismatch', origin)
    }
    for (const origin of [
      'https://example.com',
      'https://EXAMPLE.COM',
      'https://example.com:443',
    ]) {
      assert.equal(await post({ origin }), '200', `${origin} is the same origin tuple`)
    }
    assert.equal(await post({ referer: 'https://example.com/form?x=1' }), '200', 'Referer fallback')
    assert.equal(
      await post({ referer: 'https://example.com.evil.example/' }),
      '403 origin-mismatch',
    )
  })

  it('BI-74: an unsafe request with neither Origin nor Referer is blocked; allowMissingOrigin falls back to the token', async () => {
    const strict = await app()
    const token = await tokenOf(strict.client)
    assert.equal(
      await outcome(strict.client, '/action', {
        method: 'POST',
        headers: { 'x-csrf-token': token },
      }),
      '403 no-origin',
    )
    const lenient = await app({ csrf: { allowMissingOrigin: true } })
    const other = await tokenOf(lenient.client)
    assert.equal(
      await outcome(lenient.client, '/action', {
        method: 'POST',
        headers: { 'x-csrf-token': other },
      }),
      '200',
    )
    assert.equal(await outcome(lenient.client, '/action', { method: 'POST' }), '403 missing-token')
  })

  it('BI-75: X-Forwarded-Host counts only with trustProxy; a spoofed Host cannot pass configured origins', async () => {
    const evil = 'http://evil.example'
    const plain = await app()
    const token = await tokenOf(plain.client)
    const spoof = { 'x-forwarded-host': 'evil.example', origin: evil, 'x-csrf-token': token }
    assert.equal(
      await outcome(plain.client, '/action', { method: 'POST', headers: spoof }),
      '403 origin-mismatch',
    )
    const proxied = await app({ session: { trustProxy: true } })
    const proxiedToken = await tokenOf(proxied.client)
    assert.equal(
      await outcome(proxied.client, '/action', {
        method: 'POST',
        headers: { ...spoof, 'x-csrf-token': proxiedToken },
      }),
      '200',
      'a trusted proxy decides the public host',
    )
    const pinned = await app({ csrf: { origins: ['https://app.example'] } })
    const pinnedToken = await tokenOf(pinned.client)
    const hostSpoof = { host: 'evil.example', origin: evil, 'x-csrf-token': pinnedToken }
    assert.equal(
      await outcome(pinned.client, '/action', { method: 'POST', headers: hostSpoof }),
      '403 origin-mismatch',
    )
  })

  it('BI-76 / T-13.2.3: a text/plain body is never parsed for a token; a cross-origin JSON call is refused', async () => {
    const { client, origin } = await app()
    const token = await tokenOf(client)
    const res = await outcome(client, '/action', {
      method: 'POST',
      headers: { ...SAME_ORIGIN, 'content-type': 'text/plain' },
      body: JSON.stringify({ _csrf: token }),
    })
    assert.equal(res, '403 missing-token')
    const body = json({ _csrf: token })
    assert.equal(
      await outcome(client, '/action', {
        method: 'POST',
        ...body,
        headers: { ...body.headers, origin: 'https://evil.example' },
      }),
      '403 origin-mismatch',
    )
    assert.equal(
      await outcome(client, '/action', {
        method: 'POST',
        ...body,
        headers: { ...body.headers, origin },
      }),
      '200',
    )
  })

  it('BI-77: method override (header or _method field) on a GET is checked as the unsafe method', async () => {
    const { client, origin } = await app()
    const token = await tokenOf(client)
    const cross = { 'sec-fetch-site': 'cross-site' }
    for (const headers of [
      { 'x-http-method-override': 'DELETE' },
      { 'x-http-method-override': ' delete ' },
      { 'x-method-override': 'PUT' },
    ]) {
      assert.equal(
        await outcome(client, '/action', { method: 'GET', headers: { ...cross, ...headers } }),
        '403 cross-site',
      )
      assert.equal(
        await outcome(client, '/action', { method: 'GET', headers: { origin, ...headers } }),
        '403 missing-token',
      )
    }
    const body = form([['_method', 'PATCH']])
    assert.equal(
      await outcome(client, '/action', {
        method: 'GET',
        ...body,
        headers: { ...body.headers, origin },
      }),
      '403 missing-token',
    )
    assert.equal(
      await outcome(client, '/action', {
        method: 'GET',
        headers: { origin, 'x-http-method-override': 'DELETE', 'x-csrf-token': token },
      }),
      '200',
    )
  })

  it('BI-65: a missing, empty, whitespace, "null" or "undefined" token → 403 (header and body)', async () => {
    const { client } = await app()
    await tokenOf(client)
    assert.equal(
      await outcome(client, '/action', { method: 'POST', headers: SAME_ORIGIN }),
      '403 missing-token',
    )
    for (const value of ['', ' ', '\t', 'null', 'undefined']) {
      assert.match(
        await outcome(client, '/action', {
          method: 'POST',
          headers: { ...SAME_ORIGIN, 'x-csrf-token': value },
        }),
        /^403 (missing|invalid)-token$/,
      )
      const body = form([['_csrf', encodeURIComponent(value)]])
      assert.match(
        await outcome(client, '/action', {
          method: 'POST',
          ...body,
          headers: { ...body.headers, ...SAME_ORIGIN },
        }),
        /^403 (missing|invalid)-token$/,
      )
    }
  })

  it('BI-66 / T-5.1.1: array or object tokens, repeated fields or headers, and header ≠ body → 403', async () => {
    const { client } = await app()
    const token = await tokenOf(client)
    const other = await tokenOf(client)
    const post = (init: { headers: Record<string, string | string[]>; body?: string }) =>
      outcome(client, '/action', {
        method: 'POST',
        ...init,
        headers: { ...SAME_ORIGIN, ...init.headers },
      })
    for (const body of [
      form([
        ['_csrf[]', token],
        ['_csrf[]', token],
      ]),
      form([
        ['_csrf', token],
        ['_csrf', token],
      ]),
      form([['_csrf[$ne]', '']]),
      json({ _csrf: [token] }),
      json({ _csrf: { $ne: '' } }),
      json({ _csrf: 1 }),
    ]) {
      assert.equal(await post(body), '403 invalid-token', body.body.slice(0, 30))
    }
    assert.equal(
      await post({ headers: { 'x-csrf-token': [token, token] } }),
      '403 invalid-token',
      'repeated header',
    )
    const both = form([['_csrf', other]])
    assert.equal(
      await post({ ...both, headers: { ...both.headers, 'x-csrf-token': token } }),
      '403 token-mismatch',
    )
    const same = form([['_csrf', token]])
    assert.equal(
      await post({ ...same, headers: { ...same.headers, 'x-csrf-token': token } }),
      '200',
    )
  })

  it('BI-67 / T-3.1.1c: a token only in the query string is ignored', async () => {
    const { client } = await app()
    const token = await tokenOf(client)
    assert.equal(
      await outcome(client, `/action?_csrf=${token}`, { method: 'POST', headers: SAME_ORIGIN }),
      '403 missing-token',
    )
  })

  it('BI-68: reading the token from the Cookie header is refused at configuration; the SPA cookie alone is no token', async () => {
    assert.throws(() => csrf({ headerNames: ['Cookie'] }), ConfigError)
    const { client } = await app({ csrf: { spa: true } })
    await send(client, '/token')
    assert.ok(client.jar.get('XSRF-TOKEN'), 'the SPA cookie is set')
    assert.equal(
      await outcome(client, '/action', { method: 'POST', headers: SAME_ORIGIN }),
      '403 missing-token',
    )
  })

  it('BI-69 / T-4.2.2: tokens of another session, from before login, or from before regenerate → 403', async () => {
    const { client } = await app()
    const victim = await app()
    const mine = await tokenOf(client)
    const theirs = await tokenOf(victim.client)
    const post = (token: string) =>
      outcome(client, '/action', {
        method: 'POST',
        headers: { ...SAME_ORIGIN, 'x-csrf-token': token },
      })
    assert.equal(await post(theirs), '403 invalid-token', 'another session')
    assert.equal(
      await outcome(client, '/login', { method: 'POST', headers: SAME_ORIGIN }),
      '403 missing-token',
      'login CSRF: login needs a token',
    )
    const login = await send(client, '/login', {
      method: 'POST',
      headers: { ...SAME_ORIGIN, 'x-csrf-token': mine },
    })
    assert.equal(login.status, 200)
    assert.equal(await post(mine), '403 invalid-token', 'pre-login token')
    const fresh = login.json?.token as string
    assert.equal(await post(fresh), '200')
    const regenerated = await send(client, '/regenerate', {
      method: 'POST',
      headers: { ...SAME_ORIGIN, 'x-csrf-token': fresh },
    })
    assert.equal(await post(fresh), '403 invalid-token', 'pre-regenerate token')
    assert.equal(await post(regenerated.json?.token as string), '200')
    for (const method of UNSAFE) {
      assert.equal(
        await outcome(client, '/action', { method, headers: SAME_ORIGIN }),
        '403 missing-token',
        method,
      )
    }
  })

  it('BI-70: cookie tossing — an attacker-set XSRF-TOKEN cookie and matching header from their own session → 403', async () => {
    const victim = await app({ csrf: { spa: true } })
    await tokenOf(victim.client)
    const attacker = await createTestClient(victim.client.url)
    await send(attacker, '/token')
    const tossed = attacker.jar.get('XSRF-TOKEN') as string
    victim.client.jar.set('XSRF-TOKEN', tossed)
    const res = await outcome(victim.client, '/action', {
      method: 'POST',
      headers: { ...SAME_ORIGIN, 'x-xsrf-token': tossed },
    })
    assert.equal(res, '403 invalid-token')
  })

  it('BI-71 / T-6.2.8: wrong length, non-base64url, 1 MB and invalid UTF-8 tokens → 403, never a 500', async () => {
    const { client } = await app()
    const token = await tokenOf(client)
    const post = (init: RawInit) =>
      outcome(client, '/action', {
        method: 'POST',
        ...init,
        headers: { ...SAME_ORIGIN, ...init.headers },
      })
    for (const value of [
      token.slice(1),
      `${token}A`,
      `${token.slice(0, 85)}+`,
      '*'.repeat(86),
      'A'.repeat(8000),
      '\u00ff\u00fe'.repeat(43),
    ]) {
      assert.equal(
        await post({ headers: { 'x-csrf-token': value } }),
        '403 invalid-token',
        `${value.length} chars`,
      )
    }
    const big = form([['_csrf', 'A'.repeat(1_048_576)]])
    assert.equal(await post(big), '403 invalid-token', '1 MB')
    const bytes = Buffer.concat([
      Buffer.from('{"_csrf":"'),
      Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff]),
      Buffer.from('"}'),
    ])
    assert.equal(
      await post({ headers: { 'content-type': 'application/json' }, body: bytes }),
      '403 invalid-token',
    )
    const latin = form([['_csrf', '%FF%FE%C3%28']])
    assert.equal(await post(latin), '403 invalid-token')
  })

  it('BI-78: masked tokens differ on every call, have a constant length, and all verify', async () => {
    const { client } = await app()
    await tokenOf(client) // starts the session; the rest share it
    const tokens = await Promise.all(Array.from({ length: 20 }, () => tokenOf(client)))
    assert.equal(new Set(tokens).size, 20)
    for (const token of tokens) {
      assert.match(token, /^[A-Za-z0-9_-]{86}$/)
      assert.equal(
        await outcome(client, '/action', {
          method: 'POST',
          headers: { ...SAME_ORIGIN, 'x-csrf-token': token },
        }),
        '200',
      )
    }
  })

  it('BI-70 / SPA mode: XSRF-TOKEN is readable (no HttpOnly), Path=/, SameSite=Lax, and bound to its session', async () => {
    const { client } = await app({ csrf: { spa: true } })
    const res = await send(client, '/token')
    const header = res.setCookies.find((c) => c.startsWith('XSRF-TOKEN='))
    assert.ok(header, 'set on a safe request')
    assert.doesNotMatch(header, /HttpOnly/i)
    assert.match(header, /Path=\//)
    assert.match(header, /SameSite=Lax/i)
    const value = client.jar.get('XSRF-TOKEN') as string
    assert.equal(
      await outcome(client, '/action', {
        method: 'POST',
        headers: { ...SAME_ORIGIN, 'x-xsrf-token': value },
      }),
      '200',
    )
    const stranger = await createTestClient(client.url)
    await send(stranger, '/token')
    assert.equal(
      await outcome(stranger, '/action', {
        method: 'POST',
        headers: { ...SAME_ORIGIN, 'x-xsrf-token': value },
      }),
      '403 invalid-token',
    )
  })

  it('T-14.5.2: an allowed Origin alone never passes, creates or elevates a session', async () => {
    const { client, origin } = await app()
    const res = await send(client, '/action', { method: 'POST', headers: { origin }, jar: false })
    assert.equal(res.status, 403)
    assert.equal(
      res.setCookies.some((c) => c.startsWith('sid=')),
      false,
      'no session was started',
    )
  })
})
