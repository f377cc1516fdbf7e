// Hostile input against the cookie store's sealed sessions (BI-34 … BI-41, T-3.5.3): every
// tampered, truncated, re-encoded, re-keyed, mis-chunked or implausible cookie is one outcome —
// a fresh session and an `invalidId` reason — never a throw, never the session.
import assert from 'node:assert/strict'
import { createCipheriv, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { deflateRawSync } from 'node:zlib'
import express from 'express'
import { session as sessionMiddleware } from '../../src/adapters/express.js'
import { messageKey, openSession } from '../../src/core/cookie-seal.js'
import { importKeyRing } from '../../src/core/keys.js'
import { createSessions } from '../../src/index.js'
import { createCookieStore } from '../../src/stores/cookie.js'
import { createTestClient } from '../../src/testing/index.js'
import { Browser, cookieSessions, KEY_A, KEY_B, noise, visit } from '../stores/cookie-helpers.js'
import { bitFlips, ctx, HOUR, truncations } from './helpers.js'

/** A session sealed under KEY_A holding views = 1; its cookie value and a harness to read with. */
async function sealedCookie() {
  const harness = cookieSessions()
  const browser = new Browser()
  await visit(harness.sessions, browser, (s) => s.set('views', 1))
  const value = browser.cookies.get('sid') as string
  harness.reasons.length = 0
  return { harness, value }
}

/** Open a request presenting `cookie`; what the session reads, and the reasons reported. */
async function present(harness: ReturnType<typeof cookieSessions>, cookie: string) {
  harness.reasons.length = 0
  const rs = await harness.sessions.open(ctx({ cookie }))
  const views = rs.session.get('views')
  await rs.abort()
  return { views, reasons: [...harness.reasons] }
}

/** Seal raw plaintext exactly as the store does, under `key`: for authenticated hostile payloads. */
function sealRaw(secret: string, cookieName: string, plaintext: Buffer): string {
  const ring = importKeyRing(secret, 'key', []) as NonNullable<ReturnType<typeof importKeyRing>>
  const salt = randomBytes(16)
  const nonce = randomBytes(12)
  const key = ring[0] as (typeof ring)[number]
  const cipher = createCipheriv('aes-256-gcm', messageKey(key, salt), nonce)
  cipher.setAAD(Buffer.from(JSON.stringify(['sessionkit/v1/cookie-store', cookieName])))
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
  return `1.${key.id}${Buffer.concat([salt, nonce, body]).toString('base64url')}`
}

describe('cookie store: hostile cookies', () => {
  it('BI-34 / T-3.5.3a: every single-bit flip of the sealed value → fresh session, never a throw', async () => {
    const { harness, value } = await sealedCookie()
    const outcomes = new Set<string>()
    for (const [bit, flipped] of bitFlips(value)) {
      const { views, reasons } = await present(harness, `sid=${flipped}`)
      assert.equal(views, undefined, `bit ${bit} flipped still opened the session`)
      outcomes.add(reasons.join(','))
    }
    assert.deepEqual(
      [...outcomes].sort(),
      ['malformed', 'undecryptable'],
      'only two outcomes: a broken count prefix is malformed, anything else undecryptable',
    )
  })

  it('BI-35: every truncation and an extra separator → fresh session', async () => {
    const { harness, value } = await sealedCookie()
    for (const truncated of truncations(value)) {
      const { views } = await present(harness, `sid=${truncated}`)
      assert.equal(views, undefined, `truncated to ${truncated.length} still opened`)
    }
    assert.equal((await present(harness, `sid=${value}.`)).views, undefined, 'extra separator')
    assert.equal((await present(harness, `sid=${value}${value}`)).views, undefined, 'doubled')
  })

  it('BI-36: standard base64, padding, whitespace and non-canonical encodings are refused', async () => {
    const { harness, value } = await sealedCookie()
    const variants = [
      value.replaceAll('-', '+').replaceAll('_', '/'),
      `${value}=`,
      `${value}==`,
      `${value.slice(0, 20)} ${value.slice(20)}`,
      `${value.slice(0, 20)}%41${value.slice(21)}`,
    ]
    // The last character of unpadded base64url carries unused bits: setting them is the same
    // bytes in a non-canonical spelling.
    const last = value.at(-1) as string
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const lastIndex = alphabet.indexOf(last)
    for (let offset = 1; offset < 4; offset++) {
      variants.push(value.slice(0, -1) + alphabet[(lastIndex & ~3) | ((lastIndex + offset) & 3)])
    }
    for (const variant of variants) {
      if (variant === value) continue
      assert.equal((await present(harness, `sid=${variant}`)).views, undefined, variant)
    }
  })

  it('BI-38: an unknown, prototype-named, negative or huge key id is refused, without trying other keys', async () => {
    const { harness, value } = await sealedCookie()
    const body = value.slice(2 + 8)
    for (const keyId of ['AAAAAAAA', '__proto_', 'constructor', '-1', '99999999999', '']) {
      const { views, reasons } = await present(harness, `sid=1.${keyId}${body}`)
      assert.equal(views, undefined, keyId)
      assert.ok(reasons.length === 1, `one reason for ${keyId}`)
    }
  })

  it('BI-40: authenticated payloads with missing, null, string, negative or far-future timestamps are refused', async () => {
    const { harness, value } = await sealedCookie()
    const ring = importKeyRing(KEY_A, 'key', []) as NonNullable<ReturnType<typeof importKeyRing>>
    const real = openSession(ring, 'sid', value.slice(2), 1e6)
    assert.ok(real !== null, 'the real cookie opens')
    const now = harness.clock.now()
    const base = { i: real.id, d: real.record.data, v: 1 }
    const good = { ...base, e: now + HOUR, c: now, l: now }
    // The control: the hand-sealed payload opens when its fields are sane.
    const control = await present(harness, `sid=${sealRaw(KEY_A, 'sid', plain(good))}`)
    assert.equal(control.views, 1, 'the hand-made payload is well formed')
    const hostile: Array<Record<string, unknown>> = [
      { ...good, e: undefined },
      { ...good, e: null },
      { ...good, e: String(now + HOUR) },
      { ...good, c: undefined },
      { ...good, l: 'now' },
      { ...good, e: -1 },
      { ...good, e: 32_503_680_000_000 }, // year 3000: beyond the absolute timeout from now
      { ...good, c: now + 10 * HOUR, l: now + 10 * HOUR }, // created in the future
      { ...good, l: now - HOUR }, // last seen before it was created
      { ...good, v: 0 },
      { ...good, i: 'short' },
      { ...good, i: 42 },
      { ...good, u: 7 },
    ]
    for (const payload of hostile) {
      const { views } = await present(harness, `sid=${sealRaw(KEY_A, 'sid', plain(payload))}`)
      assert.equal(views, undefined, JSON.stringify(payload))
    }
    const notJson = await present(harness, `sid=${sealRaw(KEY_A, 'sid', Buffer.from('\u0000{'))}`)
    assert.equal(notJson.views, undefined, 'not JSON')
    const badFormat = Buffer.concat([Buffer.of(7), Buffer.from(JSON.stringify(good))])
    assert.equal(
      (await present(harness, `sid=${sealRaw(KEY_A, 'sid', badFormat)}`)).views,
      undefined,
    )
  })

  it('a deflate bomb inside an authenticated payload is refused without inflating it all', async () => {
    const harness = cookieSessions()
    const bomb = Buffer.concat([Buffer.of(1), deflateRawSync(Buffer.alloc(50_000_000, 0x20))])
    const { views, reasons } = await present(harness, `sid=${sealRaw(KEY_A, 'sid', bomb)}`)
    assert.equal(views, undefined)
    assert.deepEqual(reasons, ['undecryptable'])
  })

  it('purpose binding: a value sealed for another cookie name, or under another key, does not open', async () => {
    const { value } = await sealedCookie()
    const renamed = cookieSessions({ keys: KEY_A }, { cookie: { name: 'other' } })
    assert.equal((await present(renamed, `other=${value}`)).views, undefined, 'moved cookie')
    const otherKey = cookieSessions({ keys: KEY_B })
    assert.equal((await present(otherKey, `sid=${value}`)).views, undefined, 'other key')
  })

  it('chunk games: duplicates, bad counts, missing and empty chunks are malformed', async () => {
    const harness = cookieSessions()
    const browser = new Browser()
    await visit(harness.sessions, browser, (s) => {
      s.set('views', 1)
      s.set('blob', noise(5000))
    })
    const first = browser.cookies.get('sid') as string
    const second = browser.cookies.get('sid.1') as string
    const good = await present(harness, `sid=${first}; sid.1=${second}`)
    assert.equal(good.views, 1, 'the control opens')
    const cases = [
      `sid=${first}; sid=${first}; sid.1=${second}`,
      `sid=${first}; sid.1=${second}; sid.1=${second}`,
      `sid=${first}`,
      `sid=${first}; sid.1=`,
      `sid=0.${first.slice(2)}; sid.1=${second}`,
      `sid=02.${first.slice(2)}; sid.1=${second}`,
      `sid=99.${first.slice(2)}; sid.1=${second}`,
      `sid=${second}; sid.1=${first}`,
    ]
    for (const cookie of cases) {
      const { views, reasons } = await present(harness, cookie)
      assert.equal(views, undefined, cookie.slice(0, 40))
      assert.equal(reasons.length, 1, `reported once: ${cookie.slice(0, 40)}`)
    }
  })

  it('BI-41 / T-3.3.5: over maxCookieBytes the response is 413 before headers, with no cookie', async () => {
    const sessions = createSessions({
      secret: KEY_A,
      store: createCookieStore({ maxCookieBytes: 4096 }),
    })
    const app = express()
    app.use(sessionMiddleware(sessions))
    app.get('/big', (req, res) => {
      req.session.set('blob', noise(6000))
      res.send('stored')
    })
    const client = await createTestClient(app)
    try {
      const response = await client.request('/big')
      assert.equal(response.status, 413)
      assert.deepEqual(response.setCookies, [])
      assert.notEqual(response.body, 'stored')
    } finally {
      await client.close()
    }
  })
})

function plain(payload: Record<string, unknown>): Buffer {
  return Buffer.concat([Buffer.of(0), Buffer.from(JSON.stringify(payload))])
}
