// The scenario table: express-session behaviours an app relies on, each run against the real
// express-session and the drop-in (same framework, same requests); the runner asserts identical
// observations, and each row also asserts what the behaviour is.
import assert from 'node:assert/strict'
import type { App } from './harness.js'

/** One request of a scenario. */
export interface Step {
  path: string
  headers?: Record<string, string>
  /** Forget every cookie first (a new browser). */
  fresh?: boolean
  /** Re-sign the jar's session cookie with this secret before sending. */
  resignWith?: string
  /** Corrupt the jar's session cookie signature before sending. */
  tamper?: boolean
}

/** What one request showed. */
export interface Observation {
  status: number
  body: unknown
  setCookies: string[]
  calls: string[]
  stored: Record<string, unknown>
}

/** A store event between requests. */
export type Action = { emit: 'connect' | 'disconnect' }

export interface Scenario {
  name: string
  /** Signing secrets (the option); default one secret. */
  secrets?: string[]
  /** express-session options other than `secret` and `store` (a function: fresh per run). */
  options?: Record<string, unknown> | (() => Record<string, unknown>)
  /** App settings (e.g. Express's `trust proxy`). */
  configure?: (app: App) => void
  /** Ids matching this are shown raw rather than as SIDn. */
  keepIds?: RegExp
  steps: Array<Step | Action>
  expect(observations: Observation[]): void
}

const base = { resave: false, saveUninitialized: false }
const minute = { ...base, cookie: { maxAge: 60_000 } }

const body = (o: Observation | undefined) => (o?.body ?? {}) as Record<string, unknown>
const data = (o: Observation | undefined) => body(o)['data'] as Record<string, unknown> | undefined
const writes = (o: Observation | undefined) => (o?.calls ?? []).filter((c) => c.startsWith('set'))

export const scenarios: Scenario[] = [
  {
    name: 'saveUninitialized: false — an untouched new session is neither stored nor sent',
    options: base,
    steps: [{ path: '/info' }, { path: '/info' }],
    expect([a, b]) {
      assert.deepEqual(a?.setCookies, [], 'no cookie for an untouched session')
      assert.deepEqual(writes(a), [], 'nothing stored')
      assert.deepEqual(b?.calls, [], 'no cookie came back: no store read')
    },
  },
  {
    name: 'saveUninitialized: true — a new session is stored and its cookie sent',
    options: { resave: false, saveUninitialized: true },
    steps: [{ path: '/info' }, { path: '/info' }],
    expect([a, b]) {
      assert.deepEqual(a?.setCookies, ['connect.sid=s:SID1.sig(secret#0); Path=/; HttpOnly'])
      assert.deepEqual(a?.calls, ['set SID1'])
      assert.deepEqual(b?.calls, ['get SID1', 'touch SID1'], 'unchanged: touched, not rewritten')
      assert.deepEqual(b?.setCookies, [], 'a browser-session cookie is not re-sent')
    },
  },
  {
    name: 'a counter persists; a browser-session cookie is sent once',
    options: base,
    steps: [{ path: '/views' }, { path: '/views' }, { path: '/views' }],
    expect(obs) {
      assert.deepEqual(
        obs.map((o) => data(o)?.['views']),
        [1, 2, 3],
      )
      assert.deepEqual(
        obs.map((o) => o.setCookies.length),
        [1, 0, 0],
      )
      assert.deepEqual(
        obs[2]?.stored,
        {
          SID1: {
            cookie: { originalMaxAge: null, expires: null, httpOnly: true, path: '/' },
            views: 3,
          },
        },
        "express-session's stored JSON",
      )
    },
  },
  {
    name: 'cookie.maxAge: the cookie is re-sent when the session changes, touched otherwise',
    options: minute,
    steps: [{ path: '/views' }, { path: '/views' }, { path: '/info' }],
    expect([a, b, c]) {
      assert.match(a?.setCookies[0] ?? '', /; Path=\/; Expires=\+1m; HttpOnly$/)
      assert.equal(b?.setCookies.length, 1, 'modified: cookie re-sent with a new expiry')
      assert.deepEqual(c?.setCookies, [], 'unmodified: no cookie (rolling is off)')
      assert.deepEqual(c?.calls, ['get SID1', 'touch SID1'])
      assert.equal(body(c)['maxAgeS'], 60)
    },
  },
  {
    name: 'resave: true writes an unmodified session back',
    options: { resave: true, saveUninitialized: false },
    steps: [{ path: '/views' }, { path: '/info' }],
    expect([, b]) {
      assert.deepEqual(b?.calls, ['get SID1', 'set SID1'])
    },
  },
  {
    name: 'rolling: true sends the cookie on every response',
    options: { ...minute, rolling: true },
    steps: [{ path: '/views' }, { path: '/info' }, { path: '/' }],
    expect(obs) {
      assert.deepEqual(
        obs.map((o) => o.setCookies.length),
        [1, 1, 1],
      )
    },
  },
  {
    name: 'cookie attributes and name are written as configured',
    options: {
      ...base,
      name: 'app.sid',
      cookie: {
        maxAge: 3_600_000,
        domain: 'example.test',
        httpOnly: false,
        sameSite: 'strict',
        priority: 'high',
        partitioned: true,
      },
    },
    steps: [{ path: '/views' }],
    expect([a]) {
      assert.deepEqual(a?.setCookies, [
        'app.sid=s:SID1.sig(secret#0); Domain=example.test; Path=/; Expires=+60m; Partitioned; Priority=High; SameSite=Strict',
      ])
    },
  },
  {
    name: 'cookie.secure over plain http: the session is saved but its cookie not sent',
    options: { ...base, cookie: { secure: true } },
    steps: [{ path: '/views' }],
    expect([a]) {
      assert.deepEqual(a?.setCookies, [])
      assert.deepEqual(a?.calls, ['set SID1'])
    },
  },
  {
    name: 'proxy: true trusts X-Forwarded-Proto for a secure cookie',
    options: { ...base, proxy: true, cookie: { secure: true } },
    steps: [{ path: '/views', headers: { 'x-forwarded-proto': 'https' } }],
    expect([a]) {
      assert.deepEqual(a?.setCookies, [
        'connect.sid=s:SID1.sig(secret#0); Path=/; HttpOnly; Secure',
      ])
    },
  },
  {
    name: "proxy: false ignores X-Forwarded-Proto, even with Express's trust proxy",
    options: { ...base, proxy: false, cookie: { secure: true } },
    configure: (app) => app.set('trust proxy', true),
    steps: [{ path: '/views', headers: { 'x-forwarded-proto': 'https' } }],
    expect([a]) {
      assert.deepEqual(a?.setCookies, [])
    },
  },
  {
    name: "proxy unset defers to Express's trust proxy (req.secure)",
    options: { ...base, cookie: { secure: true } },
    configure: (app) => app.set('trust proxy', true),
    steps: [{ path: '/views', headers: { 'x-forwarded-proto': 'https' } }],
    expect([a]) {
      assert.equal(a?.setCookies.length, 1)
    },
  },
  {
    name: "secure: 'auto' and sameSite: 'auto' follow the request's protocol",
    options: { ...base, proxy: true, cookie: { secure: 'auto', sameSite: 'auto' } },
    steps: [
      { path: '/views' },
      { path: '/views', fresh: true, headers: { 'x-forwarded-proto': 'https' } },
    ],
    expect([a, b]) {
      assert.deepEqual(a?.setCookies, [
        'connect.sid=s:SID1.sig(secret#0); Path=/; HttpOnly; SameSite=Lax',
      ])
      assert.deepEqual(b?.setCookies, [
        'connect.sid=s:SID2.sig(secret#0); Path=/; HttpOnly; Secure; SameSite=None',
      ])
    },
  },
  {
    name: 'secret rotation: the first secret signs, every secret verifies',
    secrets: ['new secret', 'old secret'],
    options: minute,
    steps: [{ path: '/views' }, { path: '/views', resignWith: 'old secret' }],
    expect([a, b]) {
      assert.match(a?.setCookies[0] ?? '', /^connect\.sid=s:SID1\.sig\(secret#0\)/)
      assert.equal(data(b)?.['views'], 2, 'a cookie signed with the old secret still works')
      assert.match(b?.setCookies[0] ?? '', /^connect\.sid=s:SID1\.sig\(secret#0\)/, 're-signed')
    },
  },
  {
    name: 'a tampered signature starts a new session',
    options: base,
    steps: [{ path: '/views' }, { path: '/views', tamper: true }],
    expect([, b]) {
      assert.equal(data(b)?.['views'], 1)
      assert.match(b?.setCookies[0] ?? '', /^connect\.sid=s:SID2\./)
      assert.deepEqual(b?.calls, ['set SID2'], 'the bad cookie is never looked up')
    },
  },
  {
    name: 'regenerate: a new id, the old session destroyed, data reset',
    options: base,
    steps: [{ path: '/views' }, { path: '/regenerate' }, { path: '/info' }],
    expect([, b, c]) {
      assert.deepEqual(b?.calls, ['get SID1', 'destroy SID1', 'set SID2'])
      assert.deepEqual(data(c), { user: 'alice' })
      assert.deepEqual(Object.keys(c?.stored ?? {}), ['SID2'])
    },
  },
  {
    name: 'destroy: the session is removed and req.session is gone',
    options: base,
    steps: [{ path: '/views' }, { path: '/destroy' }, { path: '/info' }],
    expect([, b, c]) {
      assert.deepEqual(b?.calls, ['get SID1', 'destroy SID1'])
      assert.deepEqual(b?.setCookies, [])
      assert.deepEqual(data(c), {}, 'the next request gets a new, empty session')
    },
  },
  {
    name: 'reload: re-reads the stored session, dropping unsaved changes',
    options: base,
    steps: [{ path: '/views' }, { path: '/reload' }],
    expect([, b]) {
      assert.deepEqual(data(b), { views: 1 })
      assert.equal(body(b)['isSession'], true, 'req.session is a Session again after reload')
    },
  },
  {
    name: 'save() inside the handler: written once, not again at the end',
    options: base,
    steps: [{ path: '/views' }, { path: '/save' }],
    expect([, b]) {
      assert.deepEqual(b?.calls, ['get SID1', 'set SID1', 'touch SID1'])
    },
  },
  {
    name: 'cookie.maxAge set by a handler moves expires and originalMaxAge; touch() restores it',
    options: minute,
    steps: [{ path: '/views' }, { path: '/max-age?ms=120000' }, { path: '/touch' }],
    expect([a, b, c]) {
      assert.equal(body(a)['originalMaxAge'], 60_000)
      assert.equal(body(b)['maxAgeS'], 120)
      assert.equal(body(c)['originalMaxAge'], 120_000)
    },
  },
  {
    name: "unset: 'destroy' removes the session when req.session is set to null",
    options: { ...base, unset: 'destroy' },
    steps: [{ path: '/views' }, { path: '/unset' }, { path: '/info' }],
    expect([, b, c]) {
      assert.deepEqual(b?.calls, ['get SID1', 'destroy SID1'])
      assert.deepEqual(data(c), {})
    },
  },
  {
    name: "unset: 'keep' (the default) leaves it in the store",
    options: base,
    steps: [{ path: '/views' }, { path: '/unset' }, { path: '/info' }],
    expect([, b, c]) {
      assert.deepEqual(b?.calls, ['get SID1'])
      assert.deepEqual(data(c), { views: 1 })
    },
  },
  {
    name: 'genid: ids come from the option; req.sessionID is req.session.id',
    options: () => ({ ...base, genid: counterGenid() }),
    keepIds: /^custom-/,
    steps: [{ path: '/views' }, { path: '/views' }],
    expect([a, b]) {
      assert.match(a?.setCookies[0] ?? '', /^connect\.sid=s:custom-1\./)
      assert.equal(body(b)['idMatches'], true)
    },
  },
  {
    name: 'no secret (and no cookie-parser secret): the error reaches the error handler',
    secrets: [],
    options: base,
    steps: [{ path: '/info' }],
    expect([a]) {
      assert.equal(a?.status, 500)
      assert.deepEqual(a?.setCookies, [])
    },
  },
  {
    name: 'a request outside the cookie path gets no session',
    options: { ...base, cookie: { path: '/admin' } },
    steps: [{ path: '/info' }],
    expect([a]) {
      assert.deepEqual(a?.body, { session: null, hasSessionID: false })
    },
  },
  {
    name: 'the cookie option may be a function of the request',
    options: { ...base, cookie: () => ({ maxAge: 120_000, sameSite: 'lax' }) },
    steps: [{ path: '/views' }],
    expect([a]) {
      assert.match(a?.setCookies[0] ?? '', /Expires=\+2m; HttpOnly; SameSite=Lax$/)
    },
  },
  {
    name: 'a disconnected store: requests run without a session until it reconnects',
    options: base,
    steps: [
      { path: '/views' },
      { emit: 'disconnect' },
      { path: '/info' },
      { emit: 'connect' },
      { path: '/views' },
    ],
    expect([, b, c]) {
      assert.equal(body(b)['session'], null)
      assert.equal(data(c)?.['views'], 2)
    },
  },
]

function counterGenid(): () => string {
  let n = 0
  return () => `custom-${++n}`
}
