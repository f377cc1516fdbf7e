// Fingerprint checks, Standard Schema validation with migrations, and scheduled gc.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import type { Store } from '../../src/core/store.js'
import { createSessions } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { type RequestInit, setup } from './helpers.js'

const ua = (agent: string): Omit<RequestInit, 'cookie'> => ({ headers: { 'user-agent': agent } })

function fingerprinted(decision?: 'allow' | 'reject' | 'regenerate') {
  const reasons: string[] = []
  const changes: Array<{ seen: readonly string[]; current: string }> = []
  const ctx = setup({
    fingerprint: (request) => request.header('user-agent') ?? '',
    ...(decision === undefined
      ? {}
      : {
          onFingerprintChange: (_ctx, seen, current) => {
            changes.push({ seen, current })
            return decision
          },
        }),
    hooks: { invalidId: (_ctx, reason) => void reasons.push(reason) },
  })
  return { ...ctx, reasons, changes }
}

describe('fingerprint', () => {
  it('a request from the same profile keeps the session', async () => {
    const { browser } = fingerprinted()
    const b = browser()
    await b.request((s) => s.set('n', 1), ua('Firefox'))
    const { result } = await b.request((s) => s.get('n'), ua('Firefox'))
    assert.equal(result, 1)
  })

  it('by default an unseen profile is rejected: fresh session, invalidId("fingerprint"), session intact for its owner', async () => {
    const { browser, reasons } = fingerprinted()
    const owner = browser()
    await owner.request((s) => s.set('n', 1), ua('Firefox'))
    const thief = browser(owner.cookie)
    const stolen = await thief.request((s) => [s.id, s.get('n')], ua('curl'))
    assert.deepEqual(stolen.result, [null, undefined])
    assert.deepEqual(reasons, ['fingerprint'])
    const { result } = await owner.request((s) => s.get('n'), ua('Firefox'))
    assert.equal(result, 1, 'the owner keeps the session')
  })

  it("'allow' records the new profile and passes the seen ones to the callback", async () => {
    const { browser, changes } = fingerprinted('allow')
    const b = browser()
    await b.request((s) => s.set('n', 1), ua('A'))
    assert.equal((await b.request((s) => s.get('n'), ua('B'))).result, 1)
    assert.equal((await b.request((s) => s.get('n'), ua('B'))).result, 1)
    assert.deepEqual(changes, [{ seen: ['A'], current: 'B' }], 'B is remembered after one allow')
  })

  it("'regenerate' keeps the data under a new id", async () => {
    const { browser } = fingerprinted('regenerate')
    const b = browser()
    await b.request((s) => s.set('n', 1), ua('A'))
    const before = b.cookie
    const { result } = await b.request((s) => s.get('n'), ua('B'))
    assert.equal(result, 1)
    assert.notEqual(b.cookie, before, 'a new id was issued')
  })

  it('onFingerprintChange without fingerprint is a ConfigError', () => {
    assert.throws(
      () => createSessions({ onFingerprintChange: () => 'allow' }),
      (error: Error & { code?: string }) =>
        error.code === 'CONFIG' && /onFingerprintChange/.test(error.message),
    )
  })
})

describe('schema (Standard Schema)', () => {
  const v1 = z.object({ n: z.number() })
  const v2 = z.object({ n: z.number(), m: z.string() })

  it('valid data is handed over; data failing validation gives a fresh session with invalidId("schema")', async () => {
    const reasons: string[] = []
    const clockless = createMemoryStore()
    const writer = createSessions({ store: clockless })
    const rs = await writer.open({
      cookieHeader: undefined,
      method: 'GET',
      url: '/',
      header: () => undefined,
      remoteAddress: '127.0.0.1',
      encrypted: false,
    })
    rs.session.set('n', 'not a number')
    const cookie = (rs.finalize().setCookies[0] as string).split(';')[0]
    await rs.commit()
    const strict = createSessions({
      store: clockless,
      schema: { validator: v1 },
      hooks: { invalidId: (_ctx, reason) => void reasons.push(reason) },
    })
    const loaded = await strict.load(cookie)
    assert.deepEqual([loaded.id, loaded.all()], [null, {}])
    assert.deepEqual(reasons, ['schema'])
  })

  it('an older version is migrated on load, validated, and written back', async () => {
    const { browser, memory, clock } = setup({ schema: { validator: v1 } })
    const b = browser()
    await b.request((s) => s.set('n', 2))
    const upgraded = createSessions({
      store: memory,
      now: clock.now,
      schema: {
        validator: v2,
        version: 2,
        migrate: (data, from) => ({ ...data, m: `from v${from}` }),
      },
    })
    const first = await upgraded.open({
      cookieHeader: b.cookieHeader,
      method: 'GET',
      url: '/',
      header: () => undefined,
      remoteAddress: '127.0.0.1',
      encrypted: false,
    })
    assert.deepEqual(first.session.all(), { n: 2, m: 'from v1' })
    first.finalize()
    await first.commit()
    // Without migrate, version 2 data must already be stored as v2 now.
    const noMigrate = createSessions({
      store: memory,
      now: clock.now,
      schema: { validator: v2, version: 2 },
    })
    assert.deepEqual((await noMigrate.load(b.cookieHeader)).all(), { n: 2, m: 'from v1' })
  })

  it('a migrate that throws, or data newer than the code, is rejected', async () => {
    const { browser, memory, clock } = setup({ schema: { validator: v1, version: 3 } })
    const b = browser()
    await b.request((s) => s.set('n', 1))
    const older = createSessions({
      store: memory,
      now: clock.now,
      schema: { validator: v1, version: 2 },
    })
    assert.equal((await older.load(b.cookieHeader)).id, null, 'v3 data is not read by v2 code')
    const throwing = createSessions({
      store: memory,
      now: clock.now,
      schema: {
        validator: v1,
        version: 4,
        migrate: () => {
          throw new Error('boom')
        },
      },
    })
    assert.equal((await throwing.load(b.cookieHeader)).id, null)
  })

  it('a non-Standard-Schema validator is a ConfigError', () => {
    assert.throws(
      () => createSessions({ schema: { validator: {} as never } }),
      (error: Error & { code?: string }) =>
        error.code === 'CONFIG' && /schema\.validator/.test(error.message),
    )
  })
})

describe('gcInterval', () => {
  it('runs store.gc on its interval and stops on close()', async () => {
    let calls = 0
    const store = createMemoryStore({ sweepInterval: 0 })
    const counting: Store = {
      capabilities: store.capabilities,
      get: (key) => store.get(key),
      set: (key, record, options) => store.set(key, record, options),
      touch: (key, expiresAt, lastSeenAt) => store.touch(key, expiresAt, lastSeenAt),
      destroy: (key) => store.destroy(key),
      gc: async () => {
        calls++
        return 0
      },
    }
    const sessions = createSessions({ store: counting, gcInterval: 20 })
    const deadline = Date.now() + 5000
    while (calls < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10))
    assert.ok(calls >= 2, `gc ran ${calls} times`)
    await sessions.close()
    const after = calls
    await new Promise((resolve) => setTimeout(resolve, 60))
    assert.equal(calls, after, 'no gc after close()')
  })
})
