// SECURITY-CHECKLIST C (and ASVS 12.3.1) through createSessions over createFileStore: hostile
// cookies never name a path, names are safe by construction, planted links and foreign files
// are refused, corrupt files are "no session", failed writes are errors.
import assert from 'node:assert/strict'
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { type SessionRecord, StoreUnavailable } from '../../src/index.js'
import { createFileStore } from '../../src/stores/file.js'
import { ctx, exchange, harness, manualClock } from './helpers.js'

const root = mkdtempSync(join(tmpdir(), 'sessionkit-security-file-'))
after(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0
const isRoot = process.geteuid?.() === 0
const posix = process.platform !== 'win32'

/** Sessions over a fresh file store (its directory not created until the first write). */
function fileSessions() {
  const dir = join(root, `store-${++dirs}`)
  const clock = manualClock()
  const store = createFileStore({ dir, now: clock.now })
  const h = harness({}, { memory: store, clock })
  after(() => h.sessions.close())
  return { h, dir, store }
}

/** The record file of a handle, as docs/stores/file.md lays it out. */
function recordFile(dir: string, handle: string): string {
  const hex = Buffer.from(handle, 'base64url').toString('hex')
  return join(dir, 'sessions', hex.slice(0, 2), `${hex}.json`)
}

const HOSTILE = [
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '/etc/passwd',
  'C:\\x',
  '.',
  '..',
  'sub/dir',
  'abc\u0000.json',
  '%00',
  'CON',
  'NUL',
  'COM1',
  'x. ',
  'id:stream',
  `../${'A'.repeat(40)}`,
  `${'A'.repeat(40)}/..`,
  `..${'/A'.repeat(20)}A`,
]

describe('C. file store', () => {
  it('BI-16/17/18 / T-12.3.1: hostile cookie values never reach the store; no directory is even created', async () => {
    const { h, dir } = fileSessions()
    const sentinel = join(root, `outside-${dirs}`)
    writeFileSync(sentinel, 'untouched')
    for (const value of [...HOSTILE, `../outside-${dirs}`]) {
      const { session } = await exchange(h.sessions, `sid=${value}`, (s) => s.get('x'))
      assert.equal(session.id, null, JSON.stringify(value))
    }
    assert.deepEqual(h.calls, [], 'no store call at all')
    assert.equal(existsSync(dir), false)
    assert.equal(readFileSync(sentinel, 'utf8'), 'untouched')
  })

  it('BI-16/17/18: the store re-validates keys itself — hostile keys are refused without any file-system call', async () => {
    const { dir, store } = fileSessions()
    const record: SessionRecord = { data: 'd', version: 1, expiresAt: Date.UTC(2031, 0, 1) }
    for (const key of HOSTILE) {
      assert.equal(await store.get(key), null)
      await assert.rejects(store.set(key, record), TypeError)
      await store.destroy(key)
      await store.touch(key, record.expiresAt, 0)
    }
    assert.equal(existsSync(dir), false)
  })

  it('BI-19: files are named by 64 lowercase hex characters, so a case-folding file system cannot merge sessions', async () => {
    const { h, dir, store } = fileSessions()
    for (let i = 0; i < 10; i++) await h.seed({ i })
    const names = readdirSync(join(dir, 'sessions'), { recursive: true }).map(String)
    const files = names.filter((n) => n.endsWith('.json'))
    assert.equal(files.length, 10)
    for (const name of files) assert.match(name, /^[0-9a-f]{2}[\\/][0-9a-f]{64}\.json$/)
    // Two store keys that differ only in case are two files.
    const lower = `a${'b'.repeat(41)}A`
    const upper = `A${'b'.repeat(41)}A`
    const record = (data: string): SessionRecord => ({
      data,
      version: 1,
      expiresAt: Date.UTC(2031, 0, 1),
    })
    await store.set(lower, record('lower'))
    await store.set(upper, record('upper'))
    assert.equal((await store.get(lower))?.data, 'lower')
    assert.equal((await store.get(upper))?.data, 'upper')
  })

  it('BI-20: the directory is 0700 and record files 0600', async (t) => {
    if (!posix) return t.skip('POSIX modes')
    const { h, dir } = fileSessions()
    const live = await h.seed()
    assert.equal(statSync(dir).mode & 0o777, 0o700)
    assert.equal(statSync(join(dir, 'sessions')).mode & 0o777, 0o700)
    assert.equal(statSync(recordFile(dir, live.handle)).mode & 0o777, 0o600)
  })

  it('BI-20: a symlink planted at a session path is never followed, and a write replaces the link, not its target', async () => {
    const { h, dir } = fileSessions()
    const live = await h.seed({ role: 'user' })
    const file = recordFile(dir, live.handle)
    const target = join(root, `planted-${dirs}.json`)
    writeFileSync(target, readFileSync(file, 'utf8'), { mode: 0o600 })
    unlinkSync(file)
    symlinkSync(target, file)
    const before = readFileSync(target, 'utf8')
    const { session } = await exchange(h.sessions, live.cookie, (s) => s.get('role'))
    assert.equal(session.id, null, 'the link is not read')
    await h.memory.set(live.handle, JSON.parse(before) as SessionRecord)
    assert.equal(readFileSync(target, 'utf8'), before, 'the target is untouched')
    assert.equal(lstatSync(file).isSymbolicLink(), false)
  })

  it('BI-20: a record file owned by another uid, or readable by others, is refused', async (t) => {
    if (!posix) return t.skip('POSIX modes')
    const { h, dir } = fileSessions()
    const a = await h.seed()
    const b = await h.seed()
    chmodSync(recordFile(dir, a.handle), 0o644)
    assert.equal(
      (await exchange(h.sessions, a.cookie, () => {})).session.id,
      null,
      'group/other-readable',
    )
    if (isRoot) {
      chownSync(recordFile(dir, b.handle), 65534, 65534)
      assert.equal(
        (await exchange(h.sessions, b.cookie, () => {})).session.id,
        null,
        'foreign owner',
      )
    }
  })

  it('BI-21: a truncated or corrupt record is "no session" (not a crash) and is removed; a stale temp file is ignored', async () => {
    const { h, dir } = fileSessions()
    const live = await h.seed({ keep: 'me' })
    const file = recordFile(dir, live.handle)
    // A crash mid-write leaves a temp file next to the record: the committed record still reads.
    writeFileSync(join(file, '..', `.${file.split(/[\\/]/).pop()}.deadbeef.tmp`), '{"data":"half')
    assert.equal((await exchange(h.sessions, live.cookie, (s) => s.get('keep'))).result, 'me')
    for (const damage of [
      '{"data":"sk1:json:{',
      '\u0000\u00ff{{{',
      '',
      '{"data":1,"version":"x"}',
    ]) {
      const victim = await h.seed()
      const path = recordFile(dir, victim.handle)
      writeFileSync(path, damage)
      const { session } = await exchange(h.sessions, victim.cookie, () => {})
      assert.equal(session.id, null)
      assert.equal(existsSync(path), false, 'the corrupt file is removed')
    }
  })

  it('BI-22: a write the file system refuses fails the commit with StoreUnavailable (503), never as success', async () => {
    const { h, dir } = fileSessions()
    await h.seed() // the directories exist
    const rs = await h.sessions.open(ctx())
    rs.session.set('n', 1)
    const file = recordFile(dir, rs.session.handle as string)
    // A non-empty directory where the record goes: the temp file is written, the rename fails.
    mkdirSync(join(file, 'blocker'), { recursive: true })
    rs.finalize()
    await assert.rejects(
      rs.commit(),
      (e: unknown) => e instanceof StoreUnavailable && e.status === 503,
    )
    const left = readdirSync(join(file, '..')).filter((n) => n.endsWith('.tmp'))
    assert.deepEqual(left, [], 'no half-written temp file is left')
  })
})
