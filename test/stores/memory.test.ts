import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import fc from 'fast-check'
import { ConfigError } from '../../src/core/errors.js'
import type { SessionRecord } from '../../src/core/store.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { storeKey } from '../../src/testing/conformance-kit.js'
import { describeStoreConformance } from '../../src/testing/index.js'
import { manualClock } from './clock.js'

const HOUR = 3_600_000
const clock = manualClock()

describeStoreConformance(() => createMemoryStore({ now: clock.now }), {
  name: 'memory store conformance',
  clock,
})

function rec(fields: Partial<SessionRecord> = {}): SessionRecord {
  const at = clock.now()
  return {
    data: 'd',
    version: 1,
    expiresAt: at + HOUR,
    meta: { createdAt: at, lastSeenAt: at },
    ...fields,
  }
}

describe('memory store', () => {
  it('evicts the least recently used record beyond max, and the user index follows', async () => {
    const store = createMemoryStore({ max: 3, now: clock.now, sweepInterval: 0 })
    const [a, b, c, d] = [storeKey(), storeKey(), storeKey(), storeKey()]
    await store.set(a, rec({ userId: 'alice' }))
    await store.set(b, rec({ userId: 'alice' }))
    await store.set(c, rec())
    assert.notEqual(await store.get(a), null) // a is now the most recently used
    await store.set(d, rec())
    assert.equal(await store.get(b), null)
    for (const key of [a, c, d]) assert.notEqual(await store.get(key), null)
    assert.deepEqual(
      (await store.listByUser?.('alice'))?.map(([key]) => key),
      [a],
    )
    assert.equal(await store.destroyByUser?.('alice'), 1)
    await store.close?.()
  })

  it('collects expired records before evicting live ones', async () => {
    const store = createMemoryStore({ max: 3, now: clock.now, sweepInterval: 0 })
    const soon = storeKey()
    const live = [storeKey(), storeKey(), storeKey()]
    await store.set(soon, rec({ expiresAt: clock.now() + 1000 }))
    await store.set(live[0] as string, rec())
    await store.set(live[1] as string, rec())
    clock.advance(1000)
    await store.set(live[2] as string, rec())
    for (const key of live) assert.notEqual(await store.get(key), null)
    await store.close?.()
  })

  it('records from listByUser and scan are copies too', async () => {
    const store = createMemoryStore({ now: clock.now })
    const key = storeKey()
    const written = rec({ userId: 'u' })
    await store.set(key, written)
    for (const [, listed] of (await store.listByUser?.('u')) ?? []) listed.data = 'mutated'
    for await (const [, scanned] of store.scan?.() ?? []) scanned.version = 42
    assert.deepEqual(await store.get(key), written)
    await store.close?.()
  })

  it('gc cost follows the expired count: 100k live + 10 expired resolves 10, keeps 100k', async () => {
    const store = createMemoryStore({ max: 200_000, now: clock.now, sweepInterval: 0 })
    const record = rec({ expiresAt: clock.now() + HOUR })
    for (let i = 0; i < 100_000; i++) await store.set(`live-${i}`, record)
    for (let i = 0; i < 10; i++) {
      await store.set(`old-${i}`, rec({ expiresAt: clock.now() + 10 + i }))
    }
    clock.advance(100)
    assert.equal(await store.gc?.(), 10)
    assert.equal(await store.gc?.(), 0)
    let live = 0
    for await (const _ of store.scan?.() ?? []) live++
    assert.equal(live, 100_000)
    await store.close?.()
  })

  it('gc stays exact under expiry churn (filings of expiries moved earlier are rebuilt away)', async () => {
    const store = createMemoryStore({ now: clock.now, sweepInterval: 0 })
    const keys = [storeKey(), storeKey(), storeKey()]
    // Each write moves the expiry earlier, which files the key again and leaves a stale filing.
    for (let i = 5000; i > 0; i--) {
      for (const key of keys) await store.set(key, rec({ expiresAt: clock.now() + 1000 + i }))
    }
    await store.destroy(keys[0] as string)
    clock.advance(1000)
    assert.equal(await store.gc?.(), 0, 'nothing has expired yet')
    clock.advance(1)
    assert.equal(
      await store.gc?.(),
      2,
      'the two live records expire, the destroyed one is not counted',
    )
    await store.close?.()
  })

  it('gc stays exact after churn of destroyed records (their stale filings are rebuilt away)', async () => {
    const store = createMemoryStore({ now: clock.now, sweepInterval: 0 })
    const live = [storeKey(), storeKey()]
    for (const key of live) await store.set(key, rec({ expiresAt: clock.now() + 5000 }))
    // Each create + destroy leaves a filing behind; 5,000 of them outnumber the records.
    for (let i = 0; i < 5000; i++) {
      const key = storeKey()
      await store.set(key, rec({ expiresAt: clock.now() + 4000 }))
      await store.destroy(key)
    }
    const late = storeKey()
    await store.set(late, rec({ expiresAt: clock.now() + 7000 }))
    clock.advance(4999)
    assert.equal(await store.gc?.(), 0, 'destroyed records are not counted')
    clock.advance(1)
    assert.equal(await store.gc?.(), 2)
    assert.notEqual(await store.get(late), null, 'the later record stays filed')
    clock.advance(2000)
    assert.equal(await store.gc?.(), 1)
    await store.close?.()
  })

  it('sweeps expired records on its interval, and close() stops the sweep', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] })
    const make = async () => {
      const store = createMemoryStore({ now: clock.now, sweepInterval: '1m' })
      for (let i = 0; i < 3; i++) await store.set(storeKey(), rec({ expiresAt: clock.now() + 10 }))
      return store
    }
    const swept = await make()
    const closed = await make()
    await closed.close?.()
    clock.advance(10)
    t.mock.timers.tick(60_000)
    assert.equal(await swept.gc?.(), 0, 'the interval already collected them')
    assert.equal(await closed.gc?.(), 3, 'a closed store no longer sweeps')
    await swept.close?.()
  })

  it('its sweep timer does not keep the process alive', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
    const url = pathToFileURL(resolve(root, 'src/stores/memory.ts')).href
    const script = `import { createMemoryStore } from ${JSON.stringify(url)}
      const store = createMemoryStore({ sweepInterval: '1s' })
      await store.set('k', { data: 'd', version: 1, expiresAt: Date.now() + 60000 })`
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { cwd: root, timeout: 30_000, encoding: 'utf8' },
    )
    assert.equal(child.signal, null, 'the child exited by itself instead of timing out')
    assert.equal(child.status, 0, child.stderr)
  })

  it('rejects bad options with a ConfigError listing each one', () => {
    assert.throws(
      // @ts-expect-error: wrong types on purpose
      () => createMemoryStore({ max: 0, now: 5, sweepInterval: '1 minute' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.map((i) => i.path).join() === 'max,now,sweepInterval',
    )
    assert.throws(() => createMemoryStore({ max: 1.5 }), ConfigError)
  })

  it('matches a reference model under random operation sequences', async () => {
    const keys = [storeKey(), storeKey(), storeKey(), storeKey()]
    const users = ['u1', 'u2', undefined]
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        key: fc.constantFrom(...keys),
        version: fc.integer({ min: 0, max: 3 }),
        ttl: fc.integer({ min: -5, max: 20 }),
        user: fc.constantFrom(...users),
        ifVersion: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      }),
      fc.record({
        kind: fc.constant('touch' as const),
        key: fc.constantFrom(...keys),
        ttl: fc.integer({ min: -5, max: 20 }),
      }),
      fc.record({
        kind: fc.constantFrom('get' as const, 'destroy' as const),
        key: fc.constantFrom(...keys),
      }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 15 }) }),
      fc.record({ kind: fc.constant('gc' as const) }),
      fc.record({ kind: fc.constant('list' as const), user: fc.constantFrom('u1', 'u2') }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const time = manualClock(0)
        const store = createMemoryStore({ now: time.now, sweepInterval: 0 })
        const model = new Map<string, SessionRecord>()
        const live = (key: string) => {
          const r = model.get(key)
          if (r !== undefined && r.expiresAt <= time.now()) model.delete(key)
          return model.get(key)
        }
        for (const o of ops) {
          if (o.kind === 'set') {
            const r: SessionRecord = {
              data: `d${o.version}`,
              version: o.version,
              expiresAt: time.now() + o.ttl,
              meta: { createdAt: 0, lastSeenAt: time.now() },
              ...(o.user === undefined ? {} : { userId: o.user }),
            }
            const cur = live(o.key)
            const ok =
              o.ifVersion === undefined ||
              (o.ifVersion === 0 ? cur === undefined : cur?.version === o.ifVersion)
            if (ok) model.set(o.key, r)
            const opts = o.ifVersion === undefined ? {} : { ifVersion: o.ifVersion }
            assert.equal(await store.set(o.key, r, opts), ok)
          } else if (o.kind === 'touch') {
            const cur = live(o.key)
            if (cur !== undefined) {
              cur.expiresAt = time.now() + o.ttl
              cur.meta = { createdAt: 0, lastSeenAt: time.now() }
            }
            await store.touch(o.key, time.now() + o.ttl, time.now())
          } else if (o.kind === 'get') {
            assert.deepEqual(await store.get(o.key), live(o.key) ?? null)
          } else if (o.kind === 'destroy') {
            model.delete(o.key)
            await store.destroy(o.key)
          } else if (o.kind === 'advance') {
            time.advance(o.ms)
          } else if (o.kind === 'gc') {
            const expired = [...model].filter(([, r]) => r.expiresAt <= time.now())
            for (const [key] of expired) model.delete(key)
            assert.equal(await store.gc?.(), expired.length)
          } else if (o.kind === 'list') {
            // Like the store, look only at this user's records (expired ones are dropped on sight).
            const mine = [...model]
              .filter(([k, r]) => r.userId === o.user && live(k) !== undefined)
              .map(([k]) => k)
              .sort()
            const listed = (await store.listByUser?.(o.user)) ?? []
            assert.deepEqual(listed.map(([k]) => k).sort(), mine)
          }
        }
        await store.close?.()
      }),
      { numRuns: 300 },
    )
  })
})
