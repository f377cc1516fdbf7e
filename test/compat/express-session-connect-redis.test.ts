// An express-session application on connect-redis and a real redis-server, written once and run
// unchanged with the real express-session and with sessionkit/express-session: a passport-style
// sign-in, a counter, sign-out, rotated secrets; sessions survive switching implementations over
// the same Redis data; `rolling`, `saveUninitialized` and `resave` act alike on cookies and Redis.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createClient } from 'redis'
import {
  createTestClient,
  type TestClient,
  type TestResponse,
} from '../../src/testing/test-client.js'
import { type RedisNode, redisUnavailable, startRedis } from '../harness/redis.js'
import { type AppConfig, defineApp } from './express-session/connect-redis-app.js'
import { type Impl, impls, Normalizer, signature } from './express-session/harness.js'

const skip = redisUnavailable() ?? false
const SECRETS = ['new-secret', 'old-secret']
const COOKIE = 'connect.sid'

let server: RedisNode
let client: ReturnType<typeof createClient>
let runs = 0

before(async () => {
  if (skip) return
  server = await startRedis()
  client = createClient({
    socket: { host: '127.0.0.1', port: server.port, reconnectStrategy: false },
  })
  await client.connect()
})

after(async () => {
  if (skip) return
  await client?.close()
  await server?.stop()
})

/** A fresh Redis key prefix, so no run sees another's sessions. */
function config(extra: Partial<AppConfig> = {}): AppConfig {
  return { client, prefix: `cr${process.pid}-${++runs}:`, ...extra }
}

/** Serve the app built with `impl`'s session module; `run` gets a cookie-jar client. */
async function withApp<T>(impl: Impl, cfg: AppConfig, run: (c: TestClient) => Promise<T>) {
  const c = await createTestClient(defineApp(cfg)(impl.session))
  try {
    return await run(c)
  } finally {
    await c.close()
  }
}

/** The session id in the jar, checked to be an `s:` cookie signed with `secret`. */
function sidOf(c: TestClient, secret = 'new-secret'): string {
  const value = decodeURIComponent(c.jar.get(COOKIE) ?? '')
  assert.ok(value.startsWith('s:'), `the cookie is signed (s: prefix): ${value}`)
  const sid = signature.unsign(value.slice(2), secret)
  assert.ok(sid !== false, `the cookie verifies with ${secret}`)
  return sid
}

/** The stored JSON of `sid` and its PTTL (-2: no key). */
async function stored(cfg: AppConfig, sid: string) {
  const key = cfg.prefix + sid
  const json = await client.get(key)
  return {
    data: json === null ? null : (JSON.parse(json) as Record<string, unknown>),
    pttl: await client.pTTL(key),
  }
}

/** The JSON body of a response. */
const body = (reply: TestResponse) => JSON.parse(reply.body) as Record<string, unknown>
const post = { method: 'POST', body: { name: 'ada' } }
const POST = { method: 'POST' }
const nobody = { user: null, count: null }

/** What a user sees of one response, ids and times normalised, to compare implementations. */
function seen(norm: Normalizer, step: string, reply: TestResponse) {
  const { status, headers, setCookies } = reply
  return {
    step,
    status,
    location: headers.location ?? null,
    body: norm.text(reply.body),
    setCookies: setCookies.map((header) => norm.setCookie(header)),
  }
}

/** The sign-in flow, asserting what a user relies on; returns what was seen, to compare. */
async function signInFlow(impl: Impl): Promise<unknown[]> {
  const cfg = config()
  const norm = new Normalizer(SECRETS)
  const log: unknown[] = []
  await withApp(impl, cfg, async (c) => {
    const send = async (step: string, path: string, init = {}) => {
      const reply = await c.request(path, init)
      log.push(seen(norm, step, reply))
      return reply
    }
    assert.deepEqual(body(await send('anonymous count', '/count', POST)), { count: 1 })
    const anonymous = sidOf(c)

    const signIn = await send('sign in', '/sign-in', post)
    assert.equal(signIn.status, 303)
    assert.equal(signIn.headers.location, '/me')
    assert.equal(signIn.setCookies.length, 1, 'sign-in sets the session cookie')
    const sid = sidOf(c)
    assert.notEqual(sid, anonymous, 'regenerate gives a new session id (no fixation)')
    assert.equal((await stored(cfg, anonymous)).pttl, -2, 'the pre-sign-in session left Redis')
    const record = await stored(cfg, sid)
    assert.ok(record.pttl > 0 && record.pttl <= 60_000, `a TTL like the cookie's: ${record.pttl}`)
    assert.deepEqual(Object.keys(record.data ?? {}).sort(), ['cookie', 'user'])
    assert.deepEqual(record.data?.['user'], { name: 'ada' })
    const cookie = record.data?.['cookie'] as Record<string, unknown>
    const seconds = Math.round(Number(cookie['originalMaxAge']) / 1000)
    log.push({ stored: { ...cookie, expires: typeof cookie['expires'], originalMaxAge: seconds } })

    assert.deepEqual(body(await send('count', '/count', POST)), { count: 1 })
    assert.deepEqual(body(await send('count', '/count', POST)), { count: 2 })
    await client.pExpire(cfg.prefix + sid, 5_000)
    assert.deepEqual(body(await send('me', '/me')), { user: { name: 'ada' }, count: 2 })
    const touched = (await stored(cfg, sid)).pttl
    assert.ok(touched > 5_000, `reading the session refreshes its Redis TTL (touch): ${touched}`)

    // A cookie signed before the secret was rotated still loads; the next write re-signs it.
    c.jar.set(COOKIE, encodeURIComponent(`s:${signature.sign(sid, 'old-secret')}`))
    assert.deepEqual(body(await send('me, old secret', '/me')), { user: { name: 'ada' }, count: 2 })
    assert.deepEqual(body(await send('count, old secret', '/count', POST)), { count: 3 })
    assert.equal(sidOf(c, 'new-secret'), sid, 'the cookie is re-signed with the new secret')
    const forged = `${COOKIE}=${encodeURIComponent(`s:${signature.sign(sid, 'unknown')}`)}`
    const other = await send('me, unknown secret', '/me', { headers: { cookie: forged } })
    assert.deepEqual(body(other), nobody, 'a cookie signed with another secret loads nothing')

    assert.equal((await send('sign out', '/sign-out', POST)).status, 303)
    assert.equal((await stored(cfg, sid)).data, null, 'sign-out deletes the Redis key')
    const out = await send('me after sign out', '/me')
    assert.deepEqual(body(out), nobody, 'the old cookie loads no user')
    assert.deepEqual(out.setCookies, [], 'an empty session is not sent back')
  })
  return log
}

/** Run `run` on each implementation's app (fresh prefix); both must observe the same. */
async function sameForBoth<T>(
  extra: Partial<AppConfig>,
  run: (c: TestClient, cfg: AppConfig, norm: Normalizer) => Promise<T>,
): Promise<T> {
  const results: T[] = []
  for (const impl of impls) {
    const cfg = config(extra)
    results.push(await withApp(impl, cfg, (c) => run(c, cfg, new Normalizer(SECRETS))))
  }
  assert.deepEqual(results[1], results[0], `the drop-in differs with ${JSON.stringify(extra)}`)
  return results[0] as T
}

describe('an express-session app over connect-redis and a real Redis server', { skip }, () => {
  for (const impl of impls) {
    it(`${impl.name}: passport-style sign-in, counter, TTL, rotated secret, sign-out`, async () => {
      await signInFlow(impl)
    })
  }

  it('the drop-in answers that flow as express-session does (cookies, bodies, Redis data)', async () => {
    const [real, dropIn] = impls as [Impl, Impl]
    assert.deepEqual(await signInFlow(dropIn), await signInFlow(real))
  })

  for (const [from, to] of [impls, [...impls].reverse()] as Array<[Impl, Impl]>) {
    it(`sessions made by ${from.name} keep working under ${to.name} on the same Redis, and back`, async () => {
      const cfg = config()
      await withApp(from, cfg, (a) =>
        withApp(to, cfg, async (b) => {
          await a.request('/sign-in', { method: 'POST', body: { name: 'grace' } })
          assert.deepEqual(body(await a.request('/count', POST)), { count: 1 })
          const sid = sidOf(a)
          b.jar.set(COOKIE, a.jar.get(COOKIE) as string)
          assert.deepEqual(body(await b.request('/me')), { user: { name: 'grace' }, count: 1 })
          assert.deepEqual(body(await b.request('/count', POST)), { count: 2 })
          a.jar.set(COOKIE, b.jar.get(COOKIE) as string)
          assert.deepEqual(body(await a.request('/count', POST)), { count: 3 })
          assert.equal(sidOf(a), sid, 'one session throughout')
          await b.request('/sign-out', POST)
          assert.equal((await stored(cfg, sid)).data, null, `${to.name}'s sign-out deletes the key`)
          assert.deepEqual(body(await a.request('/me')), nobody)
        }),
      )
    })
  }

  const set = 'connect.sid=s:SID1.sig(secret#0); Path=/; Expires=+1m; HttpOnly'

  it('rolling: true sends a fresh cookie on every response; rolling: false only on changes', async () => {
    const steps = [
      ['/sign-in', post],
      ['/me', {}],
      ['/count', POST],
      ['/me', {}],
    ] as const
    const cookies = (rolling: boolean) =>
      sameForBoth({ rolling }, async (c, _cfg, norm) => {
        const sent: string[][] = []
        for (const [path, init] of steps) {
          sent.push((await c.request(path, init)).setCookies.map((h) => norm.setCookie(h)))
        }
        return sent
      })
    assert.deepEqual(await cookies(true), [[set], [set], [set], [set]])
    assert.deepEqual(await cookies(false), [[set], [], [set], []])
  })

  it('saveUninitialized: true stores and sends an untouched session; false does neither', async () => {
    const untouched = (saveUninitialized: boolean) =>
      sameForBoth({ saveUninitialized }, async (c, cfg, norm) => {
        const replies = [await c.request('/me'), await c.request('/me')]
        const keys = await client.keys(`${cfg.prefix}*`)
        const fields = async (key: string) =>
          Object.keys(JSON.parse((await client.get(key)) ?? '{}'))
        return {
          cookies: replies.map((reply) => reply.setCookies.map((h) => norm.setCookie(h))),
          stored: await Promise.all(keys.map(fields)),
        }
      })
    assert.deepEqual(await untouched(true), { cookies: [[set], []], stored: [['cookie']] })
    assert.deepEqual(await untouched(false), { cookies: [[], []], stored: [] })
  })

  it('resave: true writes an unmodified session back to Redis; resave: false only touches it', async () => {
    const reread = (resave: boolean) =>
      sameForBoth({ resave }, async (c, cfg) => {
        await c.request('/sign-in', post)
        const key = cfg.prefix + sidOf(c)
        // Mark the stored copy: only a rewrite (store.set) replaces the marked expiry.
        const data = JSON.parse((await client.get(key)) ?? 'null') as {
          cookie: { expires: string }
        }
        const marker = new Date(Date.now() + 30_000).toISOString()
        data.cookie.expires = marker
        await client.set(key, JSON.stringify(data))
        await client.pExpire(key, 30_000)
        const reply = await c.request('/me')
        const after = JSON.parse((await client.get(key)) ?? 'null') as typeof data
        return {
          user: body(reply)['user'],
          rewritten: after.cookie.expires !== marker,
          ttlRefreshed: (await client.pTTL(key)) > 30_000,
        }
      })
    const user = { name: 'ada' }
    assert.deepEqual(await reread(true), { user, rewritten: true, ttlRefreshed: true })
    assert.deepEqual(await reread(false), { user, rewritten: false, ttlRefreshed: true })
  })
})
