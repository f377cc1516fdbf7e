// SECURITY-CHECKLIST F applied to what sessionkit seals today — the encrypted record envelope
// (`encryption`), the signed cookie value (`secret`) and the sealed `movedTo` of a retired id —
// plus T-6.2.x. The cookie store's sealed sessions have their own file (cookie-store.test.ts).
import assert from 'node:assert/strict'
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
} from 'node:crypto'
import { describe, it } from 'node:test'
import { importKeyRing, type KeyRing } from '../../src/core/keys.js'
import { sealPayload } from '../../src/core/record-crypto.js'
import { generateKey, type SessionRecord } from '../../src/index.js'
import { bitFlips, exchange, type Harness, harness, pairValue, truncations } from './helpers.js'

const keyId = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 8)

function ring(...keys: string[]): KeyRing {
  const found = importKeyRing(keys, 'keys', [])
  if (found === null) throw new Error('bad test keys')
  return found
}

/** An encrypted session and its stored record. */
async function sealedSession(h: Harness, data: Record<string, unknown> = { role: 'user' }) {
  const live = await h.seed(data)
  const record = (await h.memory.get(live.handle)) as SessionRecord
  assert.match(record.data, /^sk1e:json:[A-Za-z0-9_-]{8}~[A-Za-z0-9_-]+$/)
  return { ...live, record }
}

/** Replace the stored data of `handle` with `data` and present the cookie: the outcome. */
async function presentData(
  h: Harness,
  live: { cookie: string; handle: string },
  record: SessionRecord,
  data: string,
) {
  await h.memory.set(live.handle, { ...record, data })
  const { session, result } = await exchange(h.sessions, live.cookie, (s) => s.get('role'))
  return { id: session.id, role: result }
}

/** The record-encryption key HKDF derives from `key`. */
function recordEncryptionKey(key: string): Buffer {
  return Buffer.from(
    hkdfSync(
      'sha256',
      Buffer.from(key, 'base64url'),
      Buffer.alloc(0),
      'sessionkit/v1/record-encryption',
      32,
    ),
  )
}

/** Open a sealed record with node:crypto alone, following the documented layout. */
function openIndependently(key: string, live: { handle: string; record: SessionRecord }): Buffer {
  const raw = Buffer.from(live.record.data.split('~')[1] as string, 'base64url')
  const aesKey = createHmac('sha256', recordEncryptionKey(key)).update(raw.subarray(0, 16)).digest()
  const decipher = createDecipheriv('aes-256-gcm', aesKey, raw.subarray(16, 28))
  decipher.setAAD(Buffer.from(JSON.stringify(boundFields(live))))
  decipher.setAuthTag(raw.subarray(raw.length - 16))
  return Buffer.concat([decipher.update(raw.subarray(28, raw.length - 16)), decipher.final()])
}

/** The associated data of a sealed record: purpose, store key, user, creation time. */
function boundFields(live: { handle: string; record: SessionRecord }): unknown[] {
  return [
    'sessionkit/v1/record',
    live.handle,
    live.record.userId ?? null,
    live.record.meta?.createdAt ?? null,
  ]
}

const encrypted = (extra: { acceptPlaintext?: boolean } = {}) =>
  harness({ encryption: { keys: generateKey(), ...extra } })

describe('F. the encrypted record envelope (sk1e)', () => {
  it('BI-34 / T-3.5.3a / T-6.2.1: every single-bit flip of the envelope → no session, always "undecryptable", never a throw', async () => {
    const h = encrypted({ acceptPlaintext: false })
    const live = await sealedSession(h)
    let tried = 0
    for (const [bit, data] of bitFlips(live.record.data)) {
      const outcome = await presentData(h, live, live.record, data)
      if (outcome.id !== null) assert.fail(`bit ${bit} was accepted`)
      tried++
    }
    assert.equal(tried, live.record.data.length * 8)
    assert.deepEqual(
      new Set(h.reasons),
      new Set(['undecryptable']),
      'one outcome for every failure',
    )
    assert.equal((await presentData(h, live, live.record, live.record.data)).role, 'user')
  })

  it('BI-35 / T-3.5.3b: every truncation, and missing or extra separators → no session', async () => {
    const h = encrypted()
    const live = await sealedSession(h)
    const data = live.record.data
    const [, kid = '', body = ''] = /^sk1e:json:([^~]+)~(.+)$/.exec(data) ?? []
    const variants = [
      ...truncations(data),
      `sk1e:json:${kid}${body}`,
      `sk1e:json:${kid}~~${body}`,
      `sk1e:json:${kid}~${body}~`,
      `sk1e:json:${kid}~${body}~${body}`,
      `sk1e:json:${kid}.${body}`, // the older separator: read as a record without a salt
      `sk1e::json:${kid}~${body}`,
      `sk1ejson:${kid}~${body}`,
      `sk1e:json:${kid}~${body.slice(0, 50)}`, // shorter than salt + nonce + tag
    ]
    for (const variant of variants) {
      assert.equal(
        (await presentData(h, live, live.record, variant)).id,
        null,
        variant.slice(0, 40),
      )
    }
  })

  it('BI-36: base64 games (standard alphabet, padding, whitespace, non-canonical last character) → no session', async () => {
    const h = encrypted()
    const live = await sealedSession(h)
    const [, kid = '', body = ''] = /^sk1e:json:([^~]+)~(.+)$/.exec(live.record.data) ?? []
    const raw = Buffer.from(body, 'base64url')
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const variants = [
      raw.toString('base64'),
      `${body}=`,
      `${body}==`,
      `${body.slice(0, 10)} ${body.slice(10)}`,
      `${body.slice(0, 10)}\n${body.slice(10)}`,
      ` ${body}`,
    ]
    if (body.length % 4 !== 0) {
      // The last character has unused low bits: another spelling of the same bytes.
      const last = alphabet.indexOf(body.slice(-1))
      const other = `${body.slice(0, -1)}${alphabet[last ^ 1]}`
      assert.deepEqual(Buffer.from(other, 'base64url'), raw)
      variants.push(other)
    }
    for (const variant of variants) {
      assert.equal(
        (await presentData(h, live, live.record, `sk1e:json:${kid}~${variant}`)).id,
        null,
      )
    }
  })

  it('BI-37: a record sealed under k1 opens while k1 is in the ring, is resealed under k2 on write, and is refused once k1 is retired', async () => {
    const [k1, k2] = [generateKey(), generateKey()]
    const old = harness({ encryption: { keys: k1 } })
    const live = await sealedSession(old)
    const other = await sealedSession(old)
    assert.ok(live.record.data.startsWith(`sk1e:json:${keyId(k1)}~`))
    const rotated = harness({ encryption: { keys: [k2, k1] } }, old)
    const { result } = await exchange(rotated.sessions, live.cookie, (s) => {
      s.set('seen', true)
      return s.get('role')
    })
    assert.equal(result, 'user', 'the old key still opens it')
    const resealed = (await old.memory.get(live.handle)) as SessionRecord
    assert.ok(resealed.data.startsWith(`sk1e:json:${keyId(k2)}~`), 'new writes use the newest key')
    const retired = harness({ encryption: { keys: k2 } }, old)
    assert.equal(
      (await exchange(retired.sessions, live.cookie, (s) => s.get('role'))).result,
      'user',
    )
    assert.equal((await exchange(retired.sessions, other.cookie, () => {})).session.id, null)
    assert.deepEqual(retired.reasons, ['undecryptable'])
  })

  it('BI-38 / T-3.5.3d: a key id that names no key of the ring (unknown, __proto__, -1, huge, empty) → no session', async () => {
    const h = encrypted()
    const live = await sealedSession(h)
    const body = live.record.data.split('~')[1] as string
    for (const kid of [
      'AAAAAAAA',
      keyId(generateKey()),
      '__proto__',
      '-1',
      '99999999999',
      '',
      'constructor',
    ]) {
      assert.equal(
        (await presentData(h, live, live.record, `sk1e:json:${kid}~${body}`)).id,
        null,
        kid,
      )
    }
    assert.deepEqual(new Set(h.reasons), new Set(['undecryptable']))
  })

  it('BI-42 / T-3.5.3c: unknown or downgraded formats are refused; a plaintext record is refused with acceptPlaintext: false', async () => {
    const h = encrypted({ acceptPlaintext: false })
    const live = await sealedSession(h)
    const tail = live.record.data.slice('sk1e:json:'.length)
    const plaintext = 'sk1:json:{"v":1,"r":{"d":{"role":"admin"},"f":{},"x":{}},"s":{}}'
    for (const data of [
      plaintext,
      `sk0e:json:${tail}`,
      `sk2e:json:${tail}`,
      `sk1e:none:${tail}`,
      `sk1:json:${tail}`,
      `none:${tail}`,
    ]) {
      const outcome = await presentData(h, live, live.record, data)
      assert.equal(outcome.id, null, data.slice(0, 20))
      assert.notEqual(outcome.role, 'admin')
    }
  })

  it('BI-42 (migration, documented): with acceptPlaintext: true a record written before encryption opens and is sealed at its next write', async () => {
    const plain = harness()
    const live = await plain.seed({ role: 'user' })
    const h = harness({ encryption: { keys: generateKey(), acceptPlaintext: true } }, plain)
    await exchange(h.sessions, live.cookie, (s) => s.set('role', 'still user'))
    const record = (await h.memory.get(live.handle)) as SessionRecord
    assert.match(record.data, /^sk1e:/, 'sealed on its next write')
  })

  it('BI-43: a sealed payload carrying __proto__ / constructor.prototype keys opens as plain data; nothing is polluted', async () => {
    const key = generateKey()
    const h = harness({ encryption: { keys: key } })
    const live = await sealedSession(h)
    const hostile =
      '{"v":1,"r":{"d":{"role":"user","__proto__":{"isAdmin":true},"c":{"constructor":{"prototype":{"isAdmin":true}}}},"f":{},"x":{}},"s":{}}'
    const binding = { userId: live.record.userId, createdAt: live.record.meta?.createdAt }
    const data = `sk1e:json:${sealPayload(ring(key), live.handle, binding, hostile)}`
    const { role } = await presentData(h, live, live.record, data)
    assert.equal(role, 'user')
    assert.equal(({} as { isAdmin?: boolean }).isAdmin, undefined)
    assert.equal(Object.hasOwn(Object.prototype, 'isAdmin'), false)
  })

  it('BI-33: without encryption, a record returned for another key fails to load (the payload names its key); an untagged older record still loads', async () => {
    const h = harness()
    const victim = await h.seed({ role: 'admin' })
    const attacker = await h.seed({ role: 'user' })
    const victimRecord = (await h.memory.get(victim.handle)) as SessionRecord
    const attackerRecord = (await h.memory.get(attacker.handle)) as SessionRecord
    assert.match(victimRecord.data, new RegExp(`"o":"${victim.handle.slice(0, 16)}"`))
    const copied = await presentData(h, attacker, attackerRecord, victimRecord.data)
    assert.equal(copied.id, null, 'the copy does not load as the attacker session')
    assert.deepEqual(h.reasons.at(-1), 'undecryptable')
    const untagged = victimRecord.data.replace(/,"o":"[^"]+"/, '')
    assert.notEqual(untagged, victimRecord.data)
    const legacy = await presentData(h, victim, victimRecord, untagged)
    assert.equal(legacy.role, 'admin', 'a record written before key tags loads')
  })

  it('BI-44 / BI-33: a record copied under another session key fails to open (the store key is the associated data)', async () => {
    const h = encrypted()
    const victim = await sealedSession(h, { role: 'admin' })
    const attacker = await sealedSession(h, { role: 'user' })
    const outcome = await presentData(h, attacker, attacker.record, victim.record.data)
    assert.equal(outcome.id, null)
    assert.notEqual(outcome.role, 'admin')
  })

  it('BI-31 / BI-33: the user id and createdAt of an encrypted record are bound to the sealed payload', async () => {
    const h = encrypted({ acceptPlaintext: false })
    const { cookie, session } = await exchange(h.sessions, undefined, (s) => s.login('alice'))
    const handle = session.handle as string
    const record = (await h.memory.get(handle)) as SessionRecord
    const meta = record.meta as NonNullable<SessionRecord['meta']>
    await h.memory.set(handle, {
      ...record,
      userId: 'admin',
      meta: { ...meta, createdAt: meta.createdAt + 11 * 3_600_000 },
    })
    const { result } = await exchange(h.sessions, cookie, (s) => s.meta.userId)
    assert.notEqual(result, 'admin', 'a forged user id is never presented as the session user')
  })

  it('T-6.2.5: the envelope is AES-256-GCM (16-byte salt, 12-byte nonce, 16-byte tag) under HMAC-SHA-256(HKDF-SHA-256(key, "sessionkit/v1/record-encryption"), salt), bound to the store key, user and creation time', async () => {
    const key = generateKey()
    const h = harness({ encryption: { keys: key } })
    const live = await sealedSession(h, { role: 'auditor' })
    const text = openIndependently(key, live)
    assert.equal(JSON.parse(text.toString('utf8')).r.d.role, 'auditor')
  })

  it('T-6.2.6: a record sealed before per-record keys (directly under the ring key, `<key id>.`) still opens', async () => {
    const key = generateKey()
    const h = harness({ encryption: { keys: key } })
    const live = await sealedSession(h, { role: 'legacy' })
    const payload = openIndependently(key, live)
    const nonce = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', recordEncryptionKey(key), nonce)
    cipher.setAAD(Buffer.from(JSON.stringify(boundFields(live))))
    const sealed = Buffer.concat([
      nonce,
      cipher.update(payload),
      cipher.final(),
      cipher.getAuthTag(),
    ])
    const legacy = `sk1e:json:${keyId(key)}.${sealed.toString('base64url')}`
    assert.equal((await presentData(h, live, live.record, legacy)).role, 'legacy')
  })

  it('T-6.2.6: 10,000 seals with one key and one payload use 10,000 distinct salts, nonces and ciphertexts', () => {
    const keys = ring(generateKey())
    const salts = new Set<string>()
    const nonces = new Set<string>()
    const bodies = new Set<string>()
    for (let i = 0; i < 10_000; i++) {
      const raw = Buffer.from(
        sealPayload(keys, 'k', { userId: undefined, createdAt: 1 }, '{"same":true}').split(
          '~',
        )[1] as string,
        'base64url',
      )
      salts.add(raw.subarray(0, 16).toString('hex'))
      nonces.add(raw.subarray(16, 28).toString('hex'))
      bodies.add(raw.subarray(28).toString('hex'))
    }
    assert.equal(salts.size, 10_000)
    assert.equal(nonces.size, 10_000)
    assert.equal(bodies.size, 10_000)
  })

  it('BI-83: one secret feeds every purpose through HKDF with distinct labels (signing ≠ encryption ≠ CSRF)', () => {
    const [k] = ring(generateKey())
    const derived = (['cookie-signing', 'record-encryption', 'cookie-store', 'csrf'] as const).map(
      (p) => k?.derive(p).toString('hex'),
    )
    assert.equal(new Set(derived).size, 4)
  })
})

describe('F. the signed cookie value', () => {
  it('BI-34: every single-bit flip of a signed cookie value → no session, never a throw', async () => {
    const h = harness({ secret: generateKey() })
    const live = await h.seed()
    const value = pairValue(live.cookie)
    for (const [bit, flipped] of bitFlips(value)) {
      const { session } = await exchange(h.sessions, `sid=${flipped}`, () => {})
      if (session.id !== null) assert.fail(`bit ${bit} was accepted`)
    }
    assert.ok(
      h.reasons.every((r) => r === 'malformed' || r === 'bad-signature'),
      'typed reasons',
    )
  })

  it('BI-35: every truncation of a signed cookie value → no session', async () => {
    const h = harness({ secret: generateKey() })
    const live = await h.seed()
    for (const cut of truncations(pairValue(live.cookie))) {
      assert.equal((await exchange(h.sessions, `sid=${cut}`, () => {})).session.id, null)
    }
  })

  it('BI-37: a cookie signed with a retired-but-listed secret is accepted and re-signed with the newest one in that response; refused once retired', async () => {
    const [k1, k2] = [generateKey(), generateKey()]
    const old = harness({ secret: k1 })
    const live = await old.seed({ role: 'user' })
    const rotated = harness({ secret: [k2, k1] }, old)
    const { cookie, result } = await exchange(rotated.sessions, live.cookie, (s) => s.get('role'))
    assert.equal(result, 'user')
    assert.ok(cookie && cookie !== live.cookie, 're-signed in this response')
    assert.equal(cookie?.split('.')[0], live.cookie.split('.')[0], 'same id')
    const retired = harness({ secret: k2 }, old)
    assert.equal((await exchange(retired.sessions, cookie, (s) => s.get('role'))).result, 'user')
    assert.equal((await exchange(retired.sessions, live.cookie, () => {})).session.id, null)
    assert.deepEqual(retired.reasons, ['bad-signature'])
  })

  it('BI-44: a cookie signed by another application (another secret) is refused', async () => {
    const appA = harness({ secret: generateKey() })
    const fromA = await appA.seed()
    const appB = harness({ secret: generateKey() }, appA)
    assert.equal((await exchange(appB.sessions, fromA.cookie, () => {})).session.id, null)
    assert.deepEqual(appB.reasons, ['bad-signature'])
  })
})

describe('F. the sealed movedTo of a retired id', () => {
  /** A session regenerated with a grace window: its old cookie and the old key's tombstone. */
  async function retired(h: Harness) {
    const live = await h.seed({ role: 'user' })
    const { cookie } = await exchange(h.sessions, live.cookie, (s) => s.regenerate({ grace: '5m' }))
    const tombstone = (await h.memory.get(live.handle)) as SessionRecord
    assert.ok(tombstone.movedTo, 'the old key holds a sealed move')
    assert.ok(!tombstone.movedTo.includes(pairValue(cookie as string)), 'the new id is not visible')
    return { live, tombstone, newCookie: cookie as string }
  }

  async function follow(
    h: Harness,
    live: { cookie: string; handle: string },
    tombstone: SessionRecord,
    movedTo: string,
  ) {
    await h.memory.set(live.handle, { ...tombstone, movedTo })
    return (await exchange(h.sessions, live.cookie, () => {})).session.id
  }

  it('BI-34: every single-bit flip of movedTo → the old cookie follows nowhere (fresh session, "undecryptable")', async () => {
    const h = harness()
    const { live, tombstone, newCookie } = await retired(h)
    const movedTo = tombstone.movedTo as string
    assert.equal(
      await follow(h, live, tombstone, movedTo),
      pairValue(newCookie),
      'untampered: follows',
    )
    h.reasons.length = 0
    for (const [bit, flipped] of bitFlips(movedTo)) {
      if ((await follow(h, live, tombstone, flipped)) !== null)
        assert.fail(`bit ${bit} was followed`)
    }
    assert.deepEqual(new Set(h.reasons), new Set(['undecryptable']))
  })

  it('BI-35: every truncation of movedTo → no session', async () => {
    const h = harness()
    const { live, tombstone } = await retired(h)
    for (const cut of truncations(tombstone.movedTo as string)) {
      assert.equal(await follow(h, live, tombstone, cut), null)
    }
  })

  it('BI-44: a move sealed for one old id cannot be followed from another id', async () => {
    const h = harness()
    const a = await retired(h)
    const b = await retired(h)
    assert.equal(await follow(h, b.live, b.tombstone, a.tombstone.movedTo as string), null)
  })
})

describe('F. cross-purpose values presented as the session cookie (BI-44)', () => {
  it('BI-44 / T-3.5.3f: a CSRF token, a sealed movedTo, a record envelope or a handle is never a session cookie', async () => {
    const h = harness({ encryption: { keys: generateKey() } })
    const live = await h.seed({ role: 'user' })
    const { result: token } = await exchange(h.sessions, live.cookie, (s) => s.csrfToken())
    const record = (await h.memory.get(live.handle)) as SessionRecord
    const { cookie } = await exchange(h.sessions, live.cookie, (s) => s.regenerate({ grace: '5m' }))
    const tombstone = (await h.memory.get(live.handle)) as SessionRecord
    for (const value of [token, tombstone.movedTo as string, record.data, live.handle]) {
      assert.equal((await exchange(h.sessions, `sid=${value}`, () => {})).session.id, null)
    }
    assert.ok(cookie, 'the regenerated session still works')
  })
})
