// SECURITY-CHECKLIST J (responses, configuration, logging), the cookie attributes of ASVS 3.4.x
// and T-3.1.1b / T-3.2.3 through real servers: Express 5 over http and over TLS.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import express, { type Express } from 'express'
import { type SessionMiddlewareOptions, session } from '../../src/adapters/express.js'
import { ConfigError, createSessions, generateKey, type SessionsOptions } from '../../src/index.js'
import { createTestClient } from '../../src/testing/test-client.js'
import './helpers.js'
import { send } from './http.js'
import { selfSignedCertificate } from './tls.js'

const run = promisify(execFile)

/** An Express app with session() and routes that start, read and flash the session. */
function appWith(options: SessionsOptions = {}, mount: SessionMiddlewareOptions = {}, prefix = '') {
  const sessions = createSessions(options)
  const app = express()
  const routes = express.Router()
  routes.get('/start', (req, res) => {
    req.session.set('n', 1)
    res.json({ started: true })
  })
  routes.get('/has', (req, res) => {
    res.json({ has: req.session.has('n') })
  })
  routes.get('/x', (req, res) => {
    res.json({ loaded: req.session?.get('n') ?? null })
  })
  if (prefix) app.use(prefix, session(sessions, mount), routes)
  else app.use(session(sessions, mount), routes)
  app.get('/application', (req, res) => {
    res.json({ hasSession: req.session !== undefined })
  })
  app.get('/app-evil', (req, res) => {
    res.json({ hasSession: req.session !== undefined })
  })
  after(() => sessions.close())
  return { app, sessions }
}

async function client(app: Express) {
  const c = await createTestClient(app)
  after(() => c.close())
  return c
}

async function httpsGet(app: Express, path: string): Promise<string[]> {
  const server = createHttpsServer(selfSignedCertificate(), app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  after(() => server.close())
  const { port } = server.address() as AddressInfo
  return new Promise((resolve, reject) => {
    httpsRequest(
      { host: '127.0.0.1', port, path, rejectUnauthorized: false, agent: false },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.headers['set-cookie'] ?? []))
      },
    )
      .on('error', reject)
      .end()
  })
}

const sid = (cookies: readonly string[], name = 'sid') =>
  cookies.find((c) => c.startsWith(`${name}=`)) ?? ''

describe('J. cookie attributes (T-3.4.x) through Express', () => {
  it('T-3.4.1: secure "auto" sets Secure over real TLS, never over plain http', async () => {
    const { app } = appWith()
    assert.match(sid(await httpsGet(app, '/start')), /;\s*Secure/i)
    const plain = await send(await client(app), '/start')
    assert.doesNotMatch(sid(plain.setCookies), /Secure/i)
  })

  it('BI-63 / T-3.4.1: X-Forwarded-Proto: https counts only with trustProxy', async () => {
    const spoofed = await send(await client(appWith().app), '/start', {
      headers: { 'x-forwarded-proto': 'https' },
    })
    assert.doesNotMatch(sid(spoofed.setCookies), /Secure/i, 'ignored without trustProxy')
    const proxied = await send(await client(appWith({}, { trustProxy: true }).app), '/start', {
      headers: { 'x-forwarded-proto': 'https' },
    })
    assert.match(sid(proxied.setCookies), /;\s*Secure/i)
    const byHops = await send(await client(appWith({ trustProxy: 1 }).app), '/start', {
      headers: { 'x-forwarded-proto': 'https' },
    })
    assert.match(sid(byHops.setCookies), /;\s*Secure/i)
  })

  it('T-3.4.2 / T-3.4.3: the default cookie is HttpOnly and SameSite=Lax, explicitly; turning HttpOnly off warns', async () => {
    const res = await send(await client(appWith().app), '/start')
    const header = sid(res.setCookies)
    assert.match(header, /;\s*HttpOnly/i)
    assert.match(header, /;\s*SameSite=Lax/i)
    assert.match(header, /;\s*Path=\//)
    assert.doesNotMatch(header, /Domain=|Max-Age=|Expires=/i, 'host-only browser-session cookie')
    const warnings: string[] = []
    const onWarning = (warning: Error) => void warnings.push(warning.message)
    process.on('warning', onWarning)
    createSessions({ cookie: { httpOnly: false } })
    await new Promise((resolve) => setImmediate(resolve))
    process.off('warning', onWarning)
    assert.ok(
      warnings.some((w) => /HttpOnly/.test(w)),
      'a warning names HttpOnly',
    )
    assert.throws(() => createSessions({ cookie: { sameSite: 'none' } }), ConfigError)
  })

  it('T-3.4.4: a __Host- cookie over TLS is Secure, Path=/, without Domain', async () => {
    const { app } = appWith({ cookie: { name: '__Host-sid', secure: true } })
    const header = sid(await httpsGet(app, '/start'), '__Host-sid')
    assert.match(header, /^__Host-sid=[A-Za-z0-9_-]{43};/)
    assert.match(header, /;\s*Secure/i)
    assert.match(header, /;\s*Path=\/(;|$)/)
    assert.doesNotMatch(header, /Domain=/i)
  })

  it('T-3.4.5 / BI-64: with Path=/app and session() mounted at /app, /app/x loads the session; /application and /app-evil do not', async () => {
    const { app } = appWith({ cookie: { path: '/app' } }, {}, '/app')
    const c = await client(app)
    const start = await send(c, '/app/start')
    assert.match(sid(start.setCookies), /;\s*Path=\/app(;|$)/)
    assert.equal((await send(c, '/app/x')).json?.loaded, 1)
    for (const path of ['/application', '/app-evil']) {
      assert.equal((await send(c, path)).json?.hasSession, false, path)
    }
  })
})

describe('J. responses', () => {
  it('BI-79: a response that sets the session cookie is no-store (over an app-set public cache header); one that read session state varies on Cookie', async () => {
    const { app } = appWith()
    const wrapped = express()
    wrapped.use((_req, res, next) => {
      res.setHeader('Cache-Control', 'public, max-age=600')
      next()
    })
    wrapped.use(app)
    const c = await client(wrapped)
    const started = await send(c, '/start')
    assert.match(String(started.headers['cache-control']), /no-store/)
    assert.match(String(started.headers.vary), /Cookie/i)
    const read = await send(c, '/has')
    assert.deepEqual(read.setCookies, [])
    assert.match(
      String(read.headers.vary),
      /Cookie/i,
      'a has() read with a cookie varies on Cookie',
    )
    const untouched = await send(c, '/x', { jar: false })
    assert.deepEqual(untouched.setCookies, [])
    assert.doesNotMatch(String(untouched.headers.vary ?? ''), /Cookie/i)
  })

  it('BI-80: cookie names, paths and domains carrying ; = CR LF spaces or non-ASCII are refused at construction', () => {
    const bad: NonNullable<SessionsOptions['cookie']>[] = [
      { name: 'sid;Domain=evil.example' },
      { name: 'sid=x' },
      { name: 'sid\r\nSet-Cookie: a=b' },
      { name: 's id' },
      { name: 'sïd' },
      { name: '' },
      { path: '/;Domain=evil.example' },
      { path: 'app' },
      { path: '/a\r\nX: y' },
      { path: '/a b' },
      { domain: 'evil.example;Secure' },
      { domain: 'exa mple.com' },
      { domain: 'exämple.com' },
    ]
    for (const cookie of bad)
      assert.throws(() => createSessions({ cookie }), ConfigError, JSON.stringify(cookie))
  })

  it("BI-81: other middleware's Set-Cookie (string, array, writeHead with array headers) is preserved next to ours", async () => {
    const sessions = createSessions()
    after(() => sessions.close())
    const app = express()
    app.use((_req, res, next) => {
      res.setHeader('Set-Cookie', 'first=1; Path=/')
      next()
    })
    app.use(session(sessions))
    app.get('/array', (req, res) => {
      res.append('Set-Cookie', ['second=2', 'third=3'])
      req.session.set('a', 1)
      res.end('ok')
    })
    app.get('/writehead', (req, res) => {
      req.session.set('a', 1)
      res.writeHead(200, [
        'Set-Cookie',
        'fourth=4',
        'Set-Cookie',
        'fifth=5',
        'Content-Type',
        'text/plain',
      ])
      res.end('ok')
    })
    const c = await client(app)
    const names = (cookies: string[]) => cookies.map((x) => x.split('=')[0]).sort()
    assert.deepEqual(names((await send(c, '/array', { jar: false })).setCookies), [
      'first',
      'second',
      'sid',
      'third',
    ])
    assert.deepEqual(names((await send(c, '/writehead', { jar: false })).setCookies), [
      'fifth',
      'fourth',
      'sid',
    ])
  })

  it('BI-83: weak secrets — short, empty ring, sample, passphrase, non-random — are refused, and the error never echoes them', () => {
    const weak = [
      'keyboard cat',
      'secret',
      'changeme',
      'A'.repeat(43),
      Buffer.alloc(32, 7).toString('base64url'),
      generateKey().slice(0, 30),
      '',
      [],
      [generateKey(), 'keyboard cat'],
    ]
    for (const secret of weak) {
      assert.throws(
        () => createSessions({ secret: secret as string }),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, 'a ConfigError')
          for (const s of [secret].flat())
            if (s.length >= 8)
              assert.equal(e.message.includes(s), false, 'no secret in the message')
          return true
        },
      )
    }
    const key = generateKey()
    assert.throws(() => createSessions({ secret: [key, key] }), ConfigError, 'the same key twice')
    assert.throws(() => createSessions({ encryption: { keys: 'keyboard cat' } }), ConfigError)
  })

  it('T-3.1.1b / T-3.2.3: the id and the CSRF secret appear in no Location, body or header other than Set-Cookie (HttpOnly)', async () => {
    const sessions = createSessions()
    after(() => sessions.close())
    const app = express()
    app.use(session(sessions))
    app.get('/page', (req, res) => {
      res.send(`<form><input name="_csrf" value="${req.session.csrfToken()}"></form>`)
    })
    app.get('/login', async (req, res) => {
      await req.session.login('u1')
      res.redirect(303, `/home?handle=${req.session.handle}`)
    })
    app.get('/api', (req, res) => {
      res.json({
        user: req.session.meta.userId,
        handle: req.session.handle,
        token: req.session.csrfToken(),
      })
    })
    app.get('/fail', () => {
      throw new Error('boom')
    })
    const c = await client(app)
    const responses = [
      await send(c, '/page'),
      await send(c, '/login'),
      await send(c, '/api'),
      await send(c, '/fail'),
    ]
    const id = (c.jar.get('sid') as string) ?? ''
    assert.match(id, /^[A-Za-z0-9_-]{43}$/)
    const handle = (await send(c, '/api')).json?.handle as string
    const stored = await sessions.store.get(handle)
    const secret = (JSON.parse((stored?.data ?? '').replace(/^sk1:json:/, '')) as { k?: string })
      .k as string
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/, 'the CSRF secret was found in the store')
    for (const res of responses) {
      const { 'set-cookie': setCookie, ...others } = res.headers
      const visible = `${res.body}\n${JSON.stringify(others)}`
      for (const value of [id, secret])
        assert.equal(visible.includes(value), false, 'not outside Set-Cookie')
      for (const cookie of setCookie ?? [])
        if (cookie.startsWith('sid=')) assert.match(cookie, /HttpOnly/i)
    }
  })

  it('BI-82 / T-7.1.1: NODE_DEBUG=sessionkit output of a scripted scenario holds no id, cookie, token, secret, key or payload', async () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'debug-scenario.ts')
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, NODE_DEBUG: 'sessionkit', NODE_ENV: 'test' },
      timeout: 60_000,
      maxBuffer: 8 * 1024 * 1024,
    })
    const line = stdout.split('\n').find((l) => l.startsWith('SENSITIVE '))
    assert.ok(line, 'the scenario ran to the end')
    const sensitive = JSON.parse(line.slice('SENSITIVE '.length)) as string[]
    assert.ok(sensitive.length >= 10, 'the scenario handled secrets')
    const logged = stderr.split('\n').filter((l) => l.startsWith('SESSIONKIT'))
    assert.ok(logged.length >= 6, `sessionkit logged (${logged.length} lines)`)
    for (const expected of ['configured', 'threw', 'corrupt', '413', 'destroyed concurrently']) {
      assert.ok(
        logged.some((l) => l.includes(expected)),
        `a "${expected}" line was logged`,
      )
    }
    for (const value of sensitive)
      assert.equal(stderr.includes(value), false, `stderr holds ${value.slice(0, 6)}…`)
  })
})
