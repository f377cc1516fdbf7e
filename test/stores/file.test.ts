// The file store: conformance, the file-system items of SECURITY-CHECKLIST (BI-16..22), leases
// across processes (two store instances on one directory) and no lost update through the core.
import assert from 'node:assert/strict'
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { ConfigError, StoreUnavailable } from '../../src/core/errors.js'
import type { SessionRecord, Store } from '../../src/core/store.js'
import { createSessions } from '../../src/index.js'
import { createFileStore, type FileStoreOptions } from '../../src/stores/file.js'
import { storeKey } from '../../src/testing/conformance-kit.js'
import { describeStoreConformance } from '../../src/testing/index.js'
import { tempDir } from '../harness/process.js'
import { Browser } from '../unit/helpers.js'
import { manualClock } from './clock.js'

const HOUR = 3_600_000
const clock = manualClock()
const root = tempDir('file-store')
after(() => root.cleanup())
let dirs = 0
const freshDir = () => join(root.path, `store-${++dirs}`)
const isRoot = process.geteuid?.() === 0

describeStoreConformance(() => createFileStore({ dir: freshDir(), now: clock.now }), {
  name: 'file store conformance',
  clock,
})
describeStoreConformance(() => createFileStore({ dir: freshDir(), now: clock.now, fsync: true }), {
  name: 'file store conformance (fsync)',
  clock,
  skip: ['userIndex', 'scan', 'gc', 'lock'],
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

const hexOf = (key: string) => Buffer.from(key, 'base64url').toString('hex')
const recordPath = (dir: string, key: string) =>
  join(dir, 'sessions', hexOf(key).slice(0, 2), `${hexOf(key)}.json`)

function setup(options: Partial<FileStoreOptions> = {}): { dir: string; store: Store } {
  const dir = freshDir()
  return { dir, store: createFileStore({ dir, now: clock.now, ...options }) }
}

describe('file store: hostile keys and paths (BI-16..19)', () => {
  const hostile = [
    '../../etc/passwd',
    '..\\..\\windows\\win.ini',
    '/etc/passwd',
    'C:\\x',
    '.',
    '..',
    'sub/dir',
    'abc\u0000.json',
    '%2e%2e%2f',
    '%00',
    'CON',
    'NUL',
    'COM1',
    'x. ',
    'id:stream',
    '',
    `../${'a'.repeat(40)}`,
    'a'.repeat(42),
    'a'.repeat(44),
    `${'a'.repeat(42)}/`,
    // A non-canonical spelling (unused low bits set) of a key that decodes to the same bytes.
    `${storeKey().slice(0, 42)}B`,
  ]

  it('rejects every hostile key without touching the file system', async () => {
    const dir = join(freshDir(), 'never-created')
    const store = createFileStore({ dir, now: clock.now })
    for (const key of hostile) {
      assert.equal(await store.get(key), null, JSON.stringify(key))
      await store.touch(key, clock.now() + HOUR, clock.now())
      await store.destroy(key)
      await assert.rejects(store.set(key, rec()), TypeError)
      await assert.rejects(store.lock?.(key, { ttl: 1000 }) ?? Promise.reject(), TypeError)
    }
    assert.equal(existsSync(dir), false, 'no directory was even created')
  })

  it('names files by the lowercase hex of the key bytes, so case-different keys never merge', async () => {
    const { dir, store } = setup()
    const lower = `a${storeKey().slice(1)}`
    const upper = `A${lower.slice(1)}`
    await store.set(lower, rec({ data: 'lower' }))
    await store.set(upper, rec({ data: 'upper' }))
    const names = readdirSync(join(dir, 'sessions'), { recursive: true }).map(String)
    const files = names.filter((n) => n.endsWith('.json')).map((n) => n.split(/[\\/]/).pop())
    assert.deepEqual(files.sort(), [`${hexOf(lower)}.json`, `${hexOf(upper)}.json`].sort())
    for (const name of files) assert.match(name ?? '', /^[0-9a-f]{64}\.json$/)
  })
})

describe('file store: permissions, symlinks and owners (BI-20)', () => {
  it('creates directories 0700 and files 0600', async (t) => {
    if (process.platform === 'win32') return t.skip('POSIX modes')
    const { dir, store } = setup()
    const key = storeKey()
    await store.set(key, rec({ userId: 'alice' }))
    const file = recordPath(dir, key)
    for (const d of [dir, join(dir, 'sessions'), join(file, '..'), join(dir, 'users')]) {
      assert.equal(statSync(d).mode & 0o777, 0o700, d)
    }
    assert.equal(statSync(file).mode & 0o777, 0o600)
    const [userDir] = readdirSync(join(dir, 'users'))
    const marker = join(dir, 'users', userDir as string, hexOf(key))
    assert.equal(statSync(marker).mode & 0o777, 0o600)
  })

  it('refuses a symlink planted at a record path, and a write replaces the link, not its target', async () => {
    const { dir, store } = setup()
    const key = storeKey()
    await store.set(storeKey(), rec()) // creates the directories
    const target = join(root.path, `outside-${dirs}.json`)
    const planted = JSON.stringify(rec({ data: 'planted' }))
    writeFileSync(target, planted, { mode: 0o600 })
    const file = recordPath(dir, key)
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 })
    symlinkSync(target, file)
    assert.equal(await store.get(key), null)
    assert.equal(await store.set(key, rec({ data: 'mine' })), true)
    assert.equal(readFileSync(target, 'utf8'), planted, 'the target is untouched')
    assert.equal(lstatSync(file).isSymbolicLink(), false)
    assert.equal((await store.get(key))?.data, 'mine')
  })

  it('refuses a record file owned by another uid', async (t) => {
    if (!isRoot) return t.skip('needs root to chown a file to another user')
    const { dir, store } = setup()
    const key = storeKey()
    await store.set(key, rec())
    chownSync(recordPath(dir, key), 65534, 65534)
    assert.equal(await store.get(key), null)
  })

  it('refuses a record file readable by group or others', async (t) => {
    if (process.platform === 'win32') return t.skip('POSIX modes')
    const { dir, store } = setup()
    const key = storeKey()
    await store.set(key, rec())
    chmodSync(recordPath(dir, key), 0o644)
    assert.equal(await store.get(key), null)
  })
})

describe('file store: crashes and write failures (BI-21, BI-22)', () => {
  it('a truncated or corrupt record is "no session" and is removed', async () => {
    const { dir, store } = setup()
    for (const damage of ['truncate', 'garbage', 'empty', 'wrong shape'] as const) {
      const key = storeKey()
      await store.set(key, rec({ data: 'x'.repeat(1000) }))
      const file = recordPath(dir, key)
      if (damage === 'truncate') truncateSync(file, 500)
      if (damage === 'garbage') writeFileSync(file, '\u0000\u00ff{{{')
      if (damage === 'empty') writeFileSync(file, '')
      if (damage === 'wrong shape') writeFileSync(file, '{"data":1,"version":"2"}')
      assert.equal(await store.get(key), null, damage)
      assert.equal(existsSync(file), false, `${damage}: the file is removed`)
      assert.equal(await store.set(key, rec(), { ifVersion: 0 }), true, 'and can be created again')
    }
  })

  it('a write that cannot be completed rejects with StoreUnavailable and leaves no temp file', async () => {
    const { dir, store } = setup()
    const key = storeKey()
    await store.set(storeKey(), rec())
    // A directory where the record file should be: the temp file is written, the rename fails.
    const file = recordPath(dir, key)
    mkdirSync(join(file, 'blocker'), { recursive: true })
    await assert.rejects(store.set(key, rec()), StoreUnavailable)
    const left = readdirSync(join(file, '..')).filter((n) => n.endsWith('.tmp'))
    assert.deepEqual(left, [])
  })

  it('a directory it may not write to → StoreUnavailable, and the record is unchanged', async (t) => {
    if (process.platform === 'win32') return t.skip('POSIX permissions')
    const { dir, store } = setup()
    const key = storeKey()
    const before = rec({ data: 'before' })
    await store.set(key, before)
    const shard = join(recordPath(dir, key), '..')
    // root ignores permission bits, so as root the write runs with another effective uid.
    const asOther = async <T>(fn: () => Promise<T>): Promise<T> => {
      if (!isRoot) return fn()
      for (const d of [dir, join(dir, 'sessions'), shard]) chmodSync(d, 0o711)
      process.seteuid?.(65534)
      try {
        return await fn()
      } finally {
        process.seteuid?.(0)
        for (const d of [dir, join(dir, 'sessions'), shard]) chmodSync(d, 0o700)
      }
    }
    if (!isRoot) chmodSync(shard, 0o500)
    try {
      await asOther(() => assert.rejects(store.set(key, rec({ data: 'after' })), StoreUnavailable))
    } finally {
      chmodSync(shard, 0o700)
    }
    assert.deepEqual(await store.get(key), before)
    assert.deepEqual(readdirSync(shard), [`${hexOf(key)}.json`], 'no stray temp or lease file')
  })
})

describe('file store: leases across processes', () => {
  it('takes over a write lease left by a crashed holder (expiry in the past)', async () => {
    const { dir, store } = setup()
    const key = storeKey()
    await store.set(key, rec({ version: 1 }))
    const lease = join(recordPath(dir, key), '..', `${hexOf(key)}.write`)
    writeFileSync(lease, JSON.stringify({ token: 'crashed', expiresAt: Date.now() - 1 }), {
      mode: 0o600,
    })
    const started = Date.now()
    assert.equal(await store.set(key, rec({ version: 2 }), { ifVersion: 1 }), true)
    assert.ok(Date.now() - started < 2000, 'no wait for the dead holder')
    assert.equal(existsSync(lease), false, 'the lease was released')
  })

  it('takes over a user lock whose holder crashed, once its ttl has passed', async () => {
    const { dir, store } = setup()
    const key = storeKey()
    const lockFile = join(dir, 'locks', hexOf(key).slice(0, 2), `${hexOf(key)}.lock`)
    mkdirSync(join(lockFile, '..'), { recursive: true, mode: 0o700 })
    const expiresAt = clock.now() + 1000
    writeFileSync(lockFile, JSON.stringify({ token: 'dead', expiresAt }), { mode: 0o600 })
    assert.equal(await store.lock?.(key, { ttl: 5000 }), null, 'held until its expiry')
    clock.advance(1000)
    const lock = await store.lock?.(key, { ttl: 5000 })
    assert.ok(lock)
    await lock.release()
  })

  it('no race: two store instances on one directory, 100 parallel CAS writes, exactly one wins', async () => {
    const dir = freshDir()
    const a = createFileStore({ dir, now: clock.now })
    const b = createFileStore({ dir, now: clock.now })
    const key = storeKey()
    await a.set(key, rec({ version: 1 }))
    const writes = Array.from({ length: 100 }, (_, i) => rec({ version: 2, data: `w${i}` }))
    const results = await Promise.all(
      writes.map((r, i) => (i % 2 === 0 ? a : b).set(key, r, { ifVersion: 1 })),
    )
    assert.equal(results.filter(Boolean).length, 1)
    assert.deepEqual(await b.get(key), writes[results.indexOf(true)])
  })

  it('no race: two store instances, 20 parallel lock attempts, exactly one succeeds', async () => {
    const dir = freshDir()
    const stores = [
      createFileStore({ dir, now: clock.now }),
      createFileStore({ dir, now: clock.now }),
    ]
    const key = storeKey()
    const locks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => stores[i % 2]?.lock?.(key, { ttl: 30_000 })),
    )
    assert.equal(locks.filter((l) => l !== null).length, 1)
  })

  it('no lost update: 200 parallel requests each incrementing through createSessions → 200', async () => {
    const store = createFileStore({ dir: freshDir() })
    const sessions = createSessions({ store, mergeTimeout: '60s' })
    const browser = new Browser(sessions)
    await browser.request((s) => s.set('views', 0))
    const requests = await Promise.all(Array.from({ length: 200 }, () => browser.open()))
    for (const rs of requests) rs.session.increment('views')
    for (const rs of requests) rs.finalize()
    await Promise.all(requests.map((rs) => rs.commit()))
    assert.equal((await browser.request((s) => s.get('views'))).result, 200)
  })
})

describe('file store: gc and options', () => {
  it('gc removes stale leases, old temp files and orphan user markers, keeping live ones', async () => {
    const { dir, store } = setup()
    const key = storeKey()
    await store.set(key, rec({ userId: 'alice' }))
    const shard = join(recordPath(dir, key), '..')
    const hex = hexOf(key)
    writeFileSync(join(shard, `${storeHex()}.write`), '{"token":"x","expiresAt":1}', {
      mode: 0o600,
    })
    const oldTemp = join(shard, `.${hex}.json.0123.tmp`)
    writeFileSync(oldTemp, 'partial', { mode: 0o600 })
    const longAgo = new Date(Date.now() - 3_600_000)
    const { utimesSync } = await import('node:fs')
    utimesSync(oldTemp, longAgo, longAgo)
    const freshTemp = join(shard, `.${hex}.json.4567.tmp`)
    writeFileSync(freshTemp, 'in progress', { mode: 0o600 })
    const [userDir] = readdirSync(join(dir, 'users'))
    const orphan = join(dir, 'users', userDir as string, storeHex())
    writeFileSync(orphan, '', { mode: 0o600 })
    assert.equal(await store.gc?.(), 0)
    assert.deepEqual(readdirSync(shard).sort(), [freshTemp.split('/').pop(), `${hex}.json`].sort())
    assert.equal(existsSync(orphan), false)
    assert.deepEqual(
      (await store.listByUser?.('alice'))?.map(([k]) => k),
      [key],
    )
  })

  it('rejects bad options with a ConfigError listing each one', () => {
    const bad = { dir: '', fsync: 'yes', now: 5 } as unknown as FileStoreOptions
    assert.throws(
      () => createFileStore(bad),
      (error: unknown) =>
        error instanceof ConfigError && error.issues.map((i) => i.path).join() === 'dir,fsync,now',
    )
  })

  it('a path that is a file, not a directory → StoreUnavailable', async () => {
    const file = join(root.path, `plain-file-${++dirs}`)
    writeFileSync(file, '')
    const store = createFileStore({ dir: file })
    await assert.rejects(store.get(storeKey()), StoreUnavailable)
  })
})

function storeHex(): string {
  return hexOf(storeKey())
}
