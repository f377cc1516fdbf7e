// SECURITY-CHECKLIST A (cookie header parsing), B (session id semantics), T-3.1.1a, T-3.2.x and
// the core side of T-3.4.x, through the public API: createSessions + open/finalize/commit.
import assert from 'node:assert/strict'
import crypto, { createHmac, hkdfSync } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, it, mock } from 'node:test'
import { fileURLToPath } from 'node:url'
import { RANDOM_POOL_BYTES, randomBytesPooled } from '../../src/core/random.js'
import { ConfigError, createSessions, generateKey, generateSessionId } from '../../src/index.js'
import { ctx, exchange, freshId, harness, pairValue } from './helpers.js'

const ID = /^[A-Za-z0-9_-]{43}$/

/** Present `cookie` and assert: no session adopted, no store read, nothing written until data. */
async function assertAnonymous(h: ReturnType<typeof harness>, cookie: string | undefined) {
  const before = h.calls.length
  const { session, plan } = await exchange(h.sessions, cookie, (s) => s.get('seeded'))
  assert.equal(session.id, null, `not adopted: ${JSON.stringify(cookie?.slice(0, 80))}`)
  assert.deepEqual(plan.setCookies, [], 'an untouched anonymous session sends no cookie')
  return h.calls.slice(before)
}

describe('A. cookie header parsing', () => {
  it('BI-01: no Cookie header, an empty one, or ";;;" → anonymous, no store I/O until data is set', async () => {
    const h = harness()
    for (const cookie of [undefined, '', ';;;', ' ; ; ']) {
      assert.deepEqual(await assertAnonymous(h, cookie), [], 'no store call')
    }
    const { cookie } = await exchange(h.sessions, ';;;', (s) => s.set('a', 1))
    assert.ok(cookie, 'writing data starts a session')
    assert.deepEqual(
      h.calls.map((c) => c.operation),
      ['set'],
    )
  })

  it('BI-02: a 64 KB header, 10,000 pairs, or a 1 MB value → session absent, no store call', async () => {
    const h = harness()
    const live = await h.seed()
    const headers = [
      `${'x=y; '.repeat(13_000)}${live.cookie}`.slice(0, 65_536 + 40),
      Array.from({ length: 10_000 }, () => live.cookie).join('; '),
      `sid=${'a'.repeat(1_048_576)}`,
      `big=${'a'.repeat(1_048_576)}; ${live.cookie}; ${live.cookie.replace('sid=', 'sid=x')}`,
    ]
    for (const header of headers) {
      h.calls.length = 0
      const { session } = await exchange(h.sessions, header, () => {})
      assert.ok(session.id === null || session.id === live.id, 'never another session')
      assert.ok(
        h.calls.filter((c) => c.operation === 'get').length <= 1,
        'at most one read per request',
      )
    }
    h.calls.length = 0
    assert.equal((await exchange(h.sessions, headers[1], () => {})).session.id, null)
    assert.deepEqual(h.calls, [], '10,000 duplicates are refused without a store call')
  })

  it('BI-03: duplicate names — two live sessions → neither; one live + garbage → the live one; never "first wins"', async () => {
    const h = harness()
    const a = await h.seed({ who: 'a' })
    const b = await h.seed({ who: 'b' })
    h.reasons.length = 0
    for (const header of [`${a.cookie}; ${b.cookie}`, `${b.cookie}; ${a.cookie}`]) {
      const { session } = await exchange(h.sessions, header, () => {})
      assert.equal(session.id, null, 'ambiguous: no session adopted')
    }
    assert.deepEqual(h.reasons, ['malformed', 'malformed'], 'reported through invalidId')
    for (const header of [`sid=../x; ${a.cookie}`, `${a.cookie}; sid=${freshId()}`]) {
      const { result } = await exchange(h.sessions, header, (s) => s.get('who'))
      assert.equal(result, 'a')
    }
  })

  it('BI-04: a nameless pair "=sid=<live id>" is not the session cookie', async () => {
    const h = harness()
    const live = await h.seed()
    await assertAnonymous(h, `=${live.cookie}`)
    await assertAnonymous(h, `=${live.cookie}; other=1`)
  })

  it('BI-05: look-alike names are matched byte for byte (no decoding, no case folding)', async () => {
    const h = harness({ cookie: { name: '__Host-sid', secure: true } })
    const live = await h.seed()
    const value = pairValue(live.cookie)
    for (const name of [
      '__%48ost-sid',
      '..Host-sid',
      '_[Host-sid',
      '._Host-sid',
      '__host-sid',
      '__Host-sid ',
      '__HOST-SID',
      '"__Host-sid"',
      '__Host-sid\t',
      'x__Host-sid',
    ]) {
      await assertAnonymous(h, `${name}=${value}`)
    }
    const { session } = await exchange(h.sessions, `  __Host-sid=${value}`, () => {})
    assert.equal(session.id, live.id, 'the real name (after the optional leading space) is read')
  })

  it('BI-06: pairs are split on ";" only — a comma-joined pair is part of another value', async () => {
    const h = harness()
    const live = await h.seed()
    await assertAnonymous(h, `a=b,${live.cookie}`)
    await assertAnonymous(h, `${live.cookie},a=b`)
  })

  it('BI-07: cookie names __proto__, constructor, prototype, toString… neither crash nor pollute, and work as names', async () => {
    const names = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf']
    const h = harness()
    const live = await h.seed()
    const header = `${names.map((n) => `${n}=${freshId()}`).join('; ')}; ${live.cookie}`
    assert.equal((await exchange(h.sessions, header, () => {})).session.id, live.id)
    for (const name of names) {
      const own = harness({ cookie: { name } })
      const seeded = await own.seed({ n: name })
      assert.ok(seeded.cookie.startsWith(`${name}=`), 'the name is written as is')
      const { result } = await exchange(own.sessions, `${seeded.cookie}; sid=x`, (s) => s.get('n'))
      assert.equal(result, name)
    }
    assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false)
    assert.equal(typeof Object.prototype.toString, 'function')
  })

  it('BI-08: malformed percent-encoding → no exception, invalidId "malformed"', async () => {
    const h = harness()
    for (const value of ['%E0%A4%A', '%', '%zz', '%%', `${'%'.repeat(43)}`]) {
      await assertAnonymous(h, `sid=${value}`)
    }
    assert.deepEqual(new Set(h.reasons), new Set(['malformed']))
  })

  it('BI-09: encoded traversal (and a percent-encoded live id) is never adopted: values are not decoded', async () => {
    const h = harness()
    const live = await h.seed()
    const encoded = [...pairValue(live.cookie)]
      .map((c) => `%${c.charCodeAt(0).toString(16)}`)
      .join('')
    for (const value of [
      '%2e%2e%2f',
      '..%2F',
      '%252e%252e%252f',
      '..%2f..%2fetc%2fpasswd',
      encoded,
    ]) {
      const calls = await assertAnonymous(h, `sid=${value}`)
      assert.deepEqual(calls, [], 'rejected before any store call')
    }
  })

  it('BI-10: quoted, padded, tabbed or CR/LF-carrying values are rejected and never reflected', async () => {
    const h = harness()
    const live = await h.seed()
    const id = pairValue(live.cookie)
    for (const value of [
      `"${id}"`,
      ` ${id}`,
      `${id} `,
      `\t${id}`,
      `${id}\t`,
      `${id}\r\n`,
      `${id.slice(0, 20)}\r\nX-Evil: 1`,
    ]) {
      await assertAnonymous(h, `sid=${value}`)
      const { plan } = await exchange(h.sessions, `sid=${value}`, (s) => s.set('a', 1))
      assert.ok(
        plan.setCookies.every((c) => !c.includes(value) && !/[\r\n]/.test(c)),
        'the hostile value is not reflected',
      )
    }
  })

  it('BI-11: non-ASCII ids (full-width, homoglyphs, NFD, emoji, lone surrogates) of 43 code units are rejected', async () => {
    const h = harness()
    const live = await h.seed()
    const id = pairValue(live.cookie)
    const variants = [
      `\uFF21${id.slice(1)}`, // full-width A
      `\u0430${id.slice(1)}`, // Cyrillic a
      `e\u0301${id.slice(2)}`, // NFD é
      `\u{1F600}${id.slice(2)}`, // emoji (2 code units)
      `\uD800${id.slice(1)}`, // lone surrogate
      `${id.slice(0, 42)}\u00C0`, // Latin-1 letter
    ]
    for (const value of variants) {
      assert.equal(value.length, 43, 'same length in code units')
      assert.deepEqual(await assertAnonymous(h, `sid=${value}`), [], 'no store call')
    }
  })
})

describe('B. session id semantics', () => {
  it('BI-12: wrong lengths ("", 1, 42, 44 chars, 10 KB) are rejected before any store call', async () => {
    const h = harness()
    const id = freshId()
    for (const value of ['', 'a', id.slice(0, 42), `${id}A`, 'A'.repeat(10_240)]) {
      assert.deepEqual(await assertAnonymous(h, `sid=${value}`), [], `length ${value.length}`)
    }
  })

  it('BI-13 / T-3.5.2: a well-formed id that was never issued is not adopted; a new server id is issued', async () => {
    const h = harness()
    const planted = freshId()
    const { session, cookie } = await exchange(h.sessions, `sid=${planted}`, (s) => s.set('a', 1))
    assert.notEqual(session.id, planted)
    assert.ok(cookie && !cookie.includes(planted), 'the response carries a server-chosen id')
    assert.deepEqual(h.reasons, ['unknown'])
  })

  it('BI-14: signature tampering (missing, empty, truncated, extended, base64, non-canonical, retired or foreign secret) is rejected', async () => {
    const [k1, k2] = [generateKey(), generateKey()]
    const old = harness({ secret: k1 })
    const live = await old.seed()
    const h = harness({ secret: k2 }, old)
    const foreign = await harness({ secret: generateKey() }).seed()
    const [id, sig] = pairValue(live.cookie).split('.') as [string, string]
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(sig.slice(-1))
    const nonCanonical = sig.slice(0, -1) + alphabet[last ^ 1]
    assert.deepEqual(
      Buffer.from(nonCanonical, 'base64url'),
      Buffer.from(sig, 'base64url'),
      'decodes to the same bytes',
    )
    const mine = await harness({ secret: k1 }, old).seed()
    const values = [
      id,
      `${id}.`,
      `${id}.${sig.slice(0, -1)}`,
      `${id}.${sig}A`,
      `${id}.${Buffer.from(sig, 'base64url').toString('base64')}`,
      `${id}.${nonCanonical}`,
      `${id}..${sig}`,
      `.${sig}`,
      pairValue(live.cookie), // signed with k1, which h (ring [k2]) has retired
      pairValue(foreign.cookie), // another application's secret
      `${pairValue(mine.cookie).split('.')[0]}.${sig}`, // a valid signature of another id
    ]
    for (const value of values) {
      h.calls.length = 0
      const { session } = await exchange(h.sessions, `sid=${value}`, () => {})
      assert.equal(session.id, null, value)
      assert.deepEqual(h.calls, [], 'no store call for a bad signature')
    }
    assert.ok(
      h.reasons.every((r) => r === 'malformed' || r === 'bad-signature'),
      'typed reasons',
    )
    assert.ok(h.reasons.includes('bad-signature'), 'bad-signature is reported')
  })

  it('BI-15 / T-3.1.1a: an id in ?sid=, a body field, X-Session-Id or Authorization is ignored', async () => {
    const h = harness()
    const live = await h.seed()
    const rs = await h.sessions.open(
      ctx({
        method: 'POST',
        url: `/?sid=${live.id}&_sid=${live.id}`,
        headers: { 'x-session-id': live.id, authorization: `Bearer ${live.id}` },
      }),
    )
    assert.equal(rs.session.id, null)
    assert.equal(rs.session.get('seeded'), undefined)
    rs.session.set('a', 1)
    assert.notEqual(rs.session.id, live.id, 'the new session id differs from the supplied one')
    rs.finalize()
    await rs.commit()
  })

  it('T-3.3.4: a handle (store key) is never accepted as a cookie', async () => {
    const h = harness()
    const live = await h.seed()
    await assertAnonymous(h, `sid=${live.handle}`)
  })
})

describe('T-3.2.2 / T-3.2.4: id entropy and generation', () => {
  it('T-3.2.2a / T-6.3.x: the id and the CSRF secret are each 32 fresh CSPRNG bytes, and each token mask fresh bytes, never shared', async () => {
    // Ids, secrets and masks are slices of a pool filled by randomFillSync (core/random.ts):
    // record every fill, and start from an empty pool so the next draw refills it.
    const original = crypto.randomFillSync
    const fills: Buffer[] = []
    const spy = mock.method(crypto, 'randomFillSync', (buffer: Buffer) => {
      original(buffer)
      fills.push(Buffer.from(buffer))
      return buffer
    })
    syncBuiltinESMExports()
    try {
      randomBytesPooled(RANDOM_POOL_BYTES)
      const h = harness()
      const { session, result: token } = await exchange(h.sessions, undefined, (s) => s.csrfToken())
      const id = session.id as string
      /** Where `bytes` sit in the recorded CSPRNG output, as `fill:offset`; null if not there. */
      const placeOf = (bytes: Buffer): string | null => {
        for (const [i, fill] of fills.entries()) {
          const at = fill.indexOf(bytes)
          if (at >= 0) return `${i}:${at}`
        }
        return null
      }
      const idBytes = Buffer.from(id, 'base64url')
      assert.equal(idBytes.length, 32, 'the id is 32 bytes')
      assert.equal(idBytes.toString('base64url'), id, 'the id is their canonical encoding')
      const record = await h.memory.get(session.handle as string)
      const secret = (JSON.parse((record?.data ?? '').replace(/^sk1:json:/, '')) as { k: string }).k
      const mask = Buffer.from(token, 'base64url').subarray(0, 32)
      const places = [idBytes, Buffer.from(secret, 'base64url'), mask].map(placeOf)
      assert.ok(places[0] !== null, 'the id is CSPRNG output')
      assert.ok(places[1] !== null, 'the CSRF secret is CSPRNG output')
      assert.ok(places[2] !== null, 'the token mask is CSPRNG output')
      assert.equal(new Set(places).size, 3, 'id, secret and mask are different bytes of it')
      assert.ok(spy.mock.callCount() >= 1, 'the CSPRNG was called')
    } finally {
      spy.mock.restore()
      syncBuiltinESMExports()
    }
  })

  it('T-3.2.2b/c/d: 50,000 ids are unique, 43-char base64url, and uniform per position (χ², p > 1e-6)', () => {
    const count = 50_000
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const index = new Int16Array(128).fill(-1)
    for (let i = 0; i < alphabet.length; i++) index[alphabet.charCodeAt(i)] = i
    const counts = Array.from({ length: 43 }, () => new Float64Array(64))
    const ids = new Set<string>()
    for (let n = 0; n < count; n++) {
      const id = generateSessionId()
      if (!ID.test(id)) assert.fail(`malformed id ${id.length}`)
      ids.add(id)
      for (let p = 0; p < 43; p++) {
        const row = counts[p] as Float64Array
        const symbol = index[id.charCodeAt(p)] as number
        row[symbol] = (row[symbol] as number) + 1
      }
    }
    assert.equal(ids.size, count)
    // Wilson–Hilferty upper critical value of χ²(df) at p = 1e-6 (z = 4.7534).
    const critical = (df: number) => df * (1 - 2 / (9 * df) + 4.7534 * Math.sqrt(2 / (9 * df))) ** 3
    for (let p = 0; p < 43; p++) {
      // 32 bytes = 256 bits: the last character carries 4 bits (its 2 low bits are zero), so it
      // takes only the 16 symbols whose index is a multiple of 4.
      const allowed = (s: number) => p < 42 || s % 4 === 0
      const symbols = p < 42 ? 64 : 16
      const row = counts[p] as Float64Array
      const expected = count / symbols
      let chi = 0
      for (let s = 0; s < 64; s++) {
        const seen = row[s] as number
        if (!allowed(s)) assert.equal(seen, 0, `position ${p} never uses symbol ${s}`)
        else chi += (seen - expected) ** 2 / expected
      }
      assert.ok(chi < critical(symbols - 1), `position ${p}: χ² = ${chi.toFixed(1)}`)
    }
  })

  it('T-3.2.2e: no Math.random, uuid or randomUUID anywhere under src/', () => {
    const src = join(dirname(fileURLToPath(import.meta.url)), '../../src')
    const files = readdirSync(src, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => join(e.parentPath ?? e.path, e.name))
    assert.ok(files.length > 20, 'the sources were found')
    for (const file of files) {
      const code = readFileSync(file, 'utf8')
      assert.doesNotMatch(code, /Math\.random|from ['"]uuid['"]|randomUUID/, file)
    }
  })

  it('T-3.2.4: with the CSPRNG failing, starting a session throws (fails closed, no fallback)', async () => {
    const h = harness()
    const rs = await h.sessions.open(ctx())
    // Use up the pool, so the session's id needs a refill from the failing CSPRNG.
    randomBytesPooled(RANDOM_POOL_BYTES)
    const stub = mock.method(crypto, 'randomFillSync', () => {
      throw new Error('entropy source failed')
    })
    syncBuiltinESMExports()
    try {
      assert.throws(() => rs.session.set('a', 1), /entropy source failed/)
      assert.equal(rs.session.id, null, 'no id was made up')
    } finally {
      stub.mock.restore()
      syncBuiltinESMExports()
    }
    await rs.abort()
    const next = await h.sessions.open(ctx())
    next.session.set('a', 1)
    assert.match(next.session.id ?? '', /^[A-Za-z0-9_-]{43}$/, 'with the CSPRNG back, ids resume')
    await next.abort()
  })

  it('T-3.2.4: the cookie signature is HMAC-SHA-256 under an HKDF-SHA-256 key for the purpose "cookie-signing"', async () => {
    const secret = generateKey()
    const { cookie } = await harness({ secret }).seed()
    const [id, sig] = pairValue(cookie).split('.') as [string, string]
    const key = Buffer.from(
      hkdfSync(
        'sha256',
        Buffer.from(secret, 'base64url'),
        Buffer.alloc(0),
        'sessionkit/v1/cookie-signing',
        32,
      ),
    )
    assert.equal(sig, createHmac('sha256', key).update(id).digest('base64url'))
  })

  it('T-3.2.4: a custom genId yielding < 128 bits (< 22 base64url chars) is refused at configuration', () => {
    for (const genId of [
      () => 'a'.repeat(21),
      () => 'not base64url!!!!!!!!!!!',
      () => 42 as unknown as string,
    ]) {
      assert.throws(() => createSessions({ genId }), ConfigError)
    }
    assert.doesNotThrow(() => createSessions({ genId: () => generateSessionId().slice(0, 22) }))
  })
})

describe('T-3.4.x: cookie attributes (core)', () => {
  it('T-3.4.1: secure "auto" (default) marks the cookie Secure on a TLS connection and never over plain http', async () => {
    const h = harness()
    const tls = await exchange(h.sessions, { encrypted: true }, (s) => s.set('a', 1))
    assert.match(tls.plan.setCookies[0] ?? '', /;\s*Secure/i)
    const plain = await exchange(h.sessions, { encrypted: false }, (s) => s.set('a', 1))
    assert.doesNotMatch(plain.plan.setCookies[0] ?? '', /Secure/i)
  })

  it('T-3.4.4: a __Host- name needs secure: true, no Domain and Path=/; a __Secure- name needs secure: true', () => {
    const bad = [
      { name: '__Host-sid' },
      { name: '__Host-sid', secure: 'auto' as const },
      { name: '__Host-sid', secure: true, domain: 'example.com' },
      { name: '__Host-sid', secure: true, path: '/app' },
      { name: '__Secure-sid' },
      { name: '__Secure-sid', secure: false },
    ]
    for (const cookie of bad)
      assert.throws(() => createSessions({ cookie }), ConfigError, JSON.stringify(cookie))
    assert.doesNotThrow(() => createSessions({ cookie: { name: '__Host-sid', secure: true } }))
    assert.doesNotThrow(() =>
      createSessions({ cookie: { name: '__Secure-sid', secure: true, domain: 'example.com' } }),
    )
  })

  it('T-3.4.4: a __Host- cookie is written with Secure, Path=/ and no Domain', async () => {
    const { plan } = await exchange(
      harness({ cookie: { name: '__Host-sid', secure: true } }).sessions,
      undefined,
      (s) => s.set('a', 1),
    )
    const header = plan.setCookies[0] ?? ''
    assert.match(header, /^__Host-sid=[A-Za-z0-9_-]{43};/)
    assert.match(header, /;\s*Secure/i)
    assert.match(header, /;\s*Path=\/(;|$)/)
    assert.doesNotMatch(header, /Domain=/i)
  })
})
