// The `sessionkit` commands that change or decrypt stores, spawned as built: revoke and
// revoke-user really end sessions (the cookie no longer loads), show --decrypt needs the right
// keys, gc deletes what expired, stats buckets expiries and reports progress; on SQLite and file.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createSessions, generateKey } from '../../src/index.js'
import { createFileStore } from '../../src/stores/file.js'
import { createSqliteStore } from '../../src/stores/sqlite.js'
import { seedSession } from '../../src/testing/seed.js'
import { tempDir } from '../harness/process.js'
import { cli, handlesOf, jsonOf, type Summary, seedUsers } from './cli-helpers.js'

const DAY = 86_400_000
const dir = tempDir('cli-actions')
after(() => dir.cleanup())
let files = 0
const freshPath = (ext = '.db') => join(dir.path, `s${++files}${ext}`)

describe('sessionkit revoke and revoke-user', () => {
  it('revoke ends the session: its cookie no longer loads it; a second revoke exits 1', async () => {
    const path = freshPath()
    const sessions = createSessions({ store: createSqliteStore({ path }) })
    try {
      const { u1, u2 } = await seedUsers(sessions)
      const target = u1[1] as (typeof u1)[number]
      assert.equal((await sessions.load(target.cookie)).get('n'), 2)
      const result = await cli(['revoke', target.handle, '--store', `sqlite:${path}`])
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout, `revoked ${target.handle}\n`)
      const after = await sessions.load(target.cookie)
      assert.equal(after.get('n'), undefined)
      assert.equal(after.isNew, true)
      assert.equal((await sessions.load(u2[0]?.cookie)).get('n'), 4, 'others untouched')
      const again = await cli(['revoke', target.handle, '--store', `sqlite:${path}`, '--json'])
      assert.equal(again.code, 1)
      assert.deepEqual(JSON.parse(again.stdout), { handle: target.handle, revoked: false })
    } finally {
      await sessions.close()
    }
  })

  it('revoke-user ends all of a user’s sessions but those --except keeps (file store)', async () => {
    const path = join(dir.path, `files${++files}`)
    const sessions = createSessions({ store: createFileStore({ dir: path }) })
    try {
      const { u1, u2 } = await seedUsers(sessions)
      const [keep, gone1, gone2] = u1 as [(typeof u1)[0], (typeof u1)[0], (typeof u1)[0]]
      const url = `file:${path}`
      const result = await cli(['revoke-user', 'u1', '--store', url, '--except', keep.handle])
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout, 'revoked 2 sessions of user u1\n')
      assert.equal((await sessions.load(keep.cookie)).get('cart.0'), 'secret-cart-item')
      for (const gone of [gone1, gone2]) {
        assert.equal((await sessions.load(gone.cookie)).isNew, true, 'revoked cookie is dead')
      }
      const left = jsonOf<Summary[]>(await cli(['list', '--store', url, '--user', 'u1', '--json']))
      assert.deepEqual(handlesOf(left), [keep.handle])
      const json = await cli(['revoke-user', 'u2', '--store', url, '--json'])
      assert.deepEqual(jsonOf(json), { userId: 'u2', revoked: 1 })
      assert.equal((await sessions.load(u2[0]?.cookie)).isNew, true)
      const bad = await cli(['revoke-user', 'u1', '--store', url, '--except', 'nope'])
      assert.equal(bad.code, 2)
    } finally {
      await sessions.close()
    }
  })
})

describe('sessionkit show --decrypt on an encrypted store', () => {
  const key = generateKey()
  const path = freshPath()
  const url = `sqlite:${path}`
  const sessions = createSessions({
    store: createSqliteStore({ path }),
    secret: key,
    encryption: {},
  })
  after(() => sessions.close())

  it('shows sk1e metadata, refuses without keys, decrypts with --key or SESSIONKIT_SECRET', async () => {
    const { handle } = await seedSession(sessions, { note: 'hush-hush' }, { userId: 'u9' })
    const info = jsonOf<Record<string, unknown>>(
      await cli(['show', handle, '--store', url, '--json']),
    )
    assert.equal(info.format, 'sk1e')
    assert.equal(info.encrypted, true)
    assert.equal(info.userId, 'u9')

    const noKeys = await cli(['show', handle, '--store', url, '--decrypt'])
    assert.equal(noKeys.code, 1)
    assert.match(noKeys.stderr, /encrypted: pass --key/)
    assert.ok(!noKeys.stdout.includes('hush-hush'), 'nothing decrypted')

    const withKey = await cli(['show', handle, '--store', url, '--decrypt', '--json', '--key', key])
    const shown = jsonOf<{ payload: Record<string, unknown> & { data: { note: string } } }>(withKey)
    assert.equal(shown.payload.data.note, 'hush-hush')
    assert.ok(!withKey.stdout.includes(key) && !withKey.stderr.includes(key), 'key never printed')
    assert.deepEqual(Object.keys(shown.payload).sort(), [
      'authenticatedAt',
      'data',
      'flash',
      'idIssuedAt',
      'previousUrl',
      'remember',
      'segments',
      'valueExpiry',
    ])

    const ring = await cli(['show', handle, '--store', url, '--decrypt'], {
      SESSIONKIT_SECRET: `${generateKey()}, ${key}`,
    })
    assert.equal(ring.code, 0, ring.stderr)
    assert.match(ring.stdout, /^payload:$/m)
    assert.match(ring.stdout, /"note": "hush-hush"/)
  })

  it('keys and handles starting with "-" are taken as values, not options', async () => {
    let dashKey = generateKey()
    while (!dashKey.startsWith('-')) dashKey = generateKey()
    const dashed = createSessions({
      store: createSqliteStore({ path }),
      secret: dashKey,
      encryption: {},
    })
    try {
      const { handle } = await seedSession(dashed, { note: 'dash' })
      const args = ['show', handle, '--store', url, '--decrypt', '--json', '--key', dashKey]
      const shown = jsonOf<{ payload: { data: { note: string } } }>(await cli(args))
      assert.equal(shown.payload.data.note, 'dash')
    } finally {
      await dashed.close()
    }
    const dashHandle = `-${'A'.repeat(42)}`
    const show = await cli(['show', dashHandle, '--store', url])
    assert.equal(show.code, 1, 'a well-formed handle, just not stored')
    assert.match(show.stderr, /no live session with this handle/)
    const page = await cli(['list', '--store', url, '--cursor', dashHandle, '--json'])
    assert.equal(page.code, 0, page.stderr)
  })

  it('a wrong key exits 1, an invalid key exits 2, neither is echoed', async () => {
    const { handle } = await seedSession(sessions, { note: 'x' })
    const wrong = generateKey()
    const result = await cli(['show', handle, '--store', url, '--decrypt', '--key', wrong])
    assert.equal(result.code, 1)
    assert.match(result.stderr, /cannot decrypt the session with the given keys/)
    assert.ok(!result.stderr.includes(wrong), 'the key is not echoed')
    const invalid = await cli(['show', handle, '--store', url, '--decrypt', '--key', 'tooShortKey'])
    assert.equal(invalid.code, 2)
    assert.ok(!invalid.stderr.includes('tooShortKey'), 'the bad key is not echoed')
    const stray = await cli(['show', handle, '--store', url, '--key', wrong])
    assert.equal(stray.code, 2, '--key without --decrypt is a usage error')
  })
})

describe('sessionkit gc, stats and migrate', () => {
  it('gc deletes expired sessions and says how many and how long (SQLite and file)', async () => {
    const past = () => Date.now() - 2 * DAY
    const sqlitePath = freshPath()
    const filePath = join(dir.path, `files${++files}`)
    const stores = [
      {
        url: `sqlite:${sqlitePath}`,
        make: (now: () => number) => createSqliteStore({ path: sqlitePath, now }),
      },
      {
        url: `file:${filePath}`,
        make: (now: () => number) => createFileStore({ dir: filePath, now }),
      },
    ]
    for (const { url, make } of stores) {
      const old = createSessions({ store: make(past), now: past })
      await seedSession(old, { a: 1 })
      await seedSession(old, { a: 2 })
      await old.close()
      const current = createSessions({ store: make(Date.now) })
      try {
        const live = await seedSession(current, { a: 3 })
        const result = await cli(['gc', '--store', url])
        assert.equal(result.code, 0, result.stderr)
        assert.match(result.stdout, /^deleted 2 expired sessions in \d+ ms\n$/)
        const again = jsonOf<{ deleted: number }>(await cli(['gc', '--store', url, '--json']))
        assert.equal(again.deleted, 0)
        assert.equal((await current.load(live.cookie)).get('a'), 3, 'live sessions stay')
      } finally {
        await current.close()
      }
    }
  })

  it('stats buckets expiries by 1h / 1d / 1w / later', async () => {
    const path = freshPath()
    const store = () => createSqliteStore({ path })
    const timeouts = [
      { idleTimeout: '30m', absoluteTimeout: '12h' },
      { idleTimeout: '2h', absoluteTimeout: '12h' },
      { idleTimeout: '3d', absoluteTimeout: '30d' },
      { idleTimeout: '20d', absoluteTimeout: '30d' },
      { idleTimeout: '20d', absoluteTimeout: '30d' },
    ] as const
    for (const options of timeouts) {
      const sessions = createSessions({ ...options, store: store() })
      await seedSession(sessions, { x: 1 }, { userId: 'same-user' })
      await sessions.close()
    }
    const stats = jsonOf<{ sessions: number; users: number; expiring: Record<string, number> }>(
      await cli(['stats', '--store', `sqlite:${path}`, '--json']),
    )
    assert.equal(stats.sessions, 5)
    assert.equal(stats.users, 1)
    assert.deepEqual(stats.expiring, { within1h: 1, within1d: 1, within1w: 1, later: 2 })
  })

  it('stats --progress reports every 1,000 sessions on stderr, not on stdout', async () => {
    const path = freshPath()
    const store = createSqliteStore({ path })
    const expiresAt = Date.now() + DAY
    for (let i = 0; i < 1001; i++) {
      const key = Buffer.from(`record-${i}`.padEnd(32, '.')).toString('base64url').slice(0, 43)
      await store.set(key, { data: 'sk1:json:{}', version: 1, expiresAt })
    }
    await store.close?.()
    const result = await cli(['stats', '--store', `sqlite:${path}`, '--json', '--progress'])
    assert.equal(jsonOf<{ sessions: number }>(result).sessions, 1001)
    assert.equal(result.stderr, 'scanned 1000 sessions…\n')
  })

  it('migrate creates a SQLite schema, and has nothing to do for a file store', async () => {
    const path = freshPath()
    const sqlite = await cli(['migrate', '--store', `sqlite:${path}`])
    assert.equal(sqlite.code, 0, sqlite.stderr)
    assert.equal(sqlite.stdout, 'sqlite schema is up to date (version 1)\n')
    assert.ok(existsSync(path), 'the database file exists')
    const list = await cli(['list', '--store', `sqlite:${path}`, '--json'])
    assert.deepEqual(jsonOf(list), [])
    const file = await cli(['migrate', '--store', `file:${join(dir.path, 'plain')}`])
    assert.equal(file.code, 0)
    assert.equal(file.stdout, 'nothing to migrate: file: stores have no schema\n')
  })
})
