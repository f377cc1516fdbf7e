// The `sessionkit` CLI, spawned as built (node dist/cli/main.js), on SQLite and file stores
// seeded through the public API: every command's output and exit code, JSON shapes, paging,
// revocation that really ends sessions, decryption only when asked and keyed, and clear errors.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createSessions } from '../../src/index.js'
import { createSqliteStore } from '../../src/stores/sqlite.js'
import { freePort, tempDir } from '../harness/process.js'
import { cli, handlesOf, jsonOf, nextCursor, type Summary, seedUsers } from './cli-helpers.js'

const COMMANDS = ['gc', 'list', 'show', 'revoke', 'revoke-user', 'stats', 'keygen', 'migrate']
const dir = tempDir('cli')
after(() => dir.cleanup())
let files = 0

/** A fresh SQLite file with u1×3, u2×1 and one anonymous session; close `sessions` after. */
async function seededSqlite(options: Parameters<typeof createSessions>[0] = {}) {
  const path = join(dir.path, `s${++files}.db`)
  const sessions = createSessions({ ...options, store: createSqliteStore({ path }) })
  return { url: `sqlite:${path}`, path, sessions, seeded: await seedUsers(sessions) }
}

describe('sessionkit: help, usage and exit codes', () => {
  it('--help lists every command and exits 0; no command prints usage and exits 2', async () => {
    const help = await cli(['--help'])
    assert.equal(help.code, 0)
    for (const name of COMMANDS) assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'))
    const bare = await cli([])
    assert.equal(bare.code, 2)
    assert.match(bare.stderr, /Usage: sessionkit <command>/)
  })

  it('every command answers --help with its usage and exits 0 (also -h and `help <cmd>`)', async () => {
    const runs = [
      ...COMMANDS.map((name) => ({ name, args: [name, '--help'] })),
      { name: 'show', args: ['show', '-h'] },
      { name: 'revoke-user', args: ['help', 'revoke-user'] },
    ]
    const results = await Promise.all(runs.map(({ args }) => cli(args)))
    results.forEach((result, i) => {
      const { name, args } = runs[i] as (typeof runs)[number]
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`)
      assert.ok(result.stdout.startsWith(`Usage: sessionkit ${name}`), `${args.join(' ')} usage`)
      assert.match(result.stdout, /Examples:/, `${args.join(' ')} has examples`)
    })
  })

  it('an unknown command or option, or a missing store, is a usage error (exit 2)', async () => {
    const unknown = await cli(['frobnicate'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /unknown command "frobnicate"/)
    const option = await cli(['list', '--bogus', '--store', 'memory:'])
    assert.equal(option.code, 2)
    assert.match(option.stderr, /--bogus/)
    assert.match(option.stderr, /Usage: sessionkit list/)
    const stray = await cli(['gc', 'sqlite:./x.db'])
    assert.equal(stray.code, 2)
    assert.match(stray.stderr, /this command takes no arguments/)
    const missing = await cli(['show', '--store', 'memory:'])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /missing <handle>/)
    const noStore = await cli(['stats'])
    assert.equal(noStore.code, 2)
    assert.match(noStore.stderr, /pass --store <url> or set SESSIONKIT_STORE/)
  })

  it('a bad store URL exits 2 with the ConfigError, never echoing credentials', async () => {
    const malformed = await cli(['list', '--store', 'postgres://admin:s3cret-pw@[bad'])
    assert.equal(malformed.code, 2)
    assert.match(malformed.stderr, /url: malformed postgres:\/\/ URL/)
    assert.ok(!`${malformed.stdout}${malformed.stderr}`.includes('s3cret-pw'), 'no password')
    const scheme = await cli(['gc', '--store', 'mongodb://x'])
    assert.equal(scheme.code, 2)
    assert.match(scheme.stderr, /unsupported scheme "mongodb:"/)
  })

  it('an unreachable Redis exits 1 within seconds with "store unavailable"', async () => {
    const port = await freePort()
    const result = await cli(['list', '--store', `redis://app:hunter2@127.0.0.1:${port}/0`])
    assert.equal(result.code, 1)
    assert.match(result.stderr, /^sessionkit list: store unavailable: redis: cannot connect/)
    assert.ok(!result.stderr.includes('hunter2'), 'the password is not printed')
    assert.ok(result.ms < 8000, `took ${Math.round(result.ms)} ms`)
  })

  it('keygen prints a fresh 43-character key that createSessions accepts', async () => {
    const [a, b] = await Promise.all([cli(['keygen']), cli(['keygen'])])
    assert.equal(a.code, 0)
    assert.match(a.stdout, /^[A-Za-z0-9_-]{43}\n$/)
    assert.notEqual(a.stdout, b.stdout)
    const sessions = createSessions({ secret: a.stdout.trim() })
    await sessions.close()
  })
})

describe('sessionkit on a SQLite store', () => {
  let fixture: Awaited<ReturnType<typeof seededSqlite>>
  before(async () => {
    fixture = await seededSqlite()
  })
  after(() => fixture.sessions.close())

  it('list --json prints every session summary, metadata only', async () => {
    const result = await cli(['list', '--store', fixture.url, '--json'])
    const list = jsonOf<Summary[]>(result)
    assert.deepEqual(handlesOf(list), handlesOf(fixture.seeded.all))
    const first = list.find((s) => s.handle === fixture.seeded.u1[0]?.handle)
    assert.ok(first, 'the first session is listed')
    assert.deepEqual(Object.keys(first).sort(), [
      'createdAt',
      'expiresAt',
      'handle',
      'ip',
      'lastSeenAt',
      'moved',
      'size',
      'userAgent',
      'userId',
    ])
    assert.equal(first.userId, 'u1')
    assert.equal(first.moved, false)
    assert.ok(first.size > 0 && first.expiresAt > Date.now(), 'size and expiry')
    assert.equal(list.find((s) => s.handle === fixture.seeded.anonymous.handle)?.userId, null)
    assert.ok(!result.stdout.includes('secret-cart-item'), 'no payload in a listing')
    assert.equal(nextCursor(result), undefined)
  })

  it('list pages with --limit/--cursor, the next cursor on stderr while more follow', async () => {
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const args = ['list', '--store', fixture.url, '--json', '--limit', '2']
      const result = await cli(cursor === undefined ? args : [...args, '--cursor', cursor])
      const page = jsonOf<Summary[]>(result)
      assert.ok(page.length <= 2, 'a page holds at most --limit sessions')
      seen.push(...page.map((s) => s.handle))
      cursor = nextCursor(result)
      if (cursor !== undefined) assert.equal(cursor, page.at(-1)?.handle)
      pages++
    } while (cursor !== undefined && pages < 10)
    assert.equal(pages, 3)
    assert.deepEqual(seen.slice().sort(), handlesOf(fixture.seeded.all))
    const exact = await cli(['list', '--store', fixture.url, '--limit', '5'])
    assert.equal(nextCursor(exact), undefined, 'a last page that is exactly full has no cursor')
    assert.equal(exact.stdout.trim().split('\n').length, 6, 'a header and five rows')
  })

  it('list --user shows only that user, paged too; text lists handles', async () => {
    const u1 = jsonOf<Summary[]>(
      await cli(['list', '--store', fixture.url, '--user', 'u1', '--json']),
    )
    assert.deepEqual(handlesOf(u1), handlesOf(fixture.seeded.u1))
    const page = await cli(['list', '--store', fixture.url, '--user', 'u1', '--limit', '2'])
    assert.equal(page.code, 0)
    const cursor = nextCursor(page)
    assert.ok(cursor, 'a cursor after 2 of 3')
    const rest = jsonOf<Summary[]>(
      await cli(['list', '--store', fixture.url, '--user', 'u1', '--json', '--cursor', cursor]),
    )
    assert.equal(rest.length, 1)
    assert.ok(page.stdout.includes(cursor), 'text rows show handles')
    assert.ok(!page.stdout.includes(rest[0]?.handle as string), 'the third is on the next page')
  })

  it('SESSIONKIT_STORE stands in for --store', async () => {
    const stats = jsonOf<{ sessions: number }>(
      await cli(['stats', '--json'], { SESSIONKIT_STORE: fixture.url }),
    )
    assert.equal(stats.sessions, 5)
  })

  it('show prints metadata (text and JSON) and the payload only with --decrypt', async () => {
    const { handle } = fixture.seeded.u1[0] as { handle: string }
    const text = await cli(['show', handle, '--store', fixture.url])
    assert.equal(text.code, 0)
    assert.match(text.stdout, /^user\s+u1$/m)
    assert.match(text.stdout, /^data\s+\d+ B, sk1 \(plaintext\), codec json$/m)
    assert.ok(!text.stdout.includes('secret-cart-item'), 'no payload without --decrypt')
    const info = jsonOf<Record<string, unknown>>(
      await cli(['show', handle, '--store', fixture.url, '--json']),
    )
    assert.equal(info.handle, handle)
    assert.equal(info.format, 'sk1')
    assert.equal(info.encrypted, false)
    assert.equal(info.moved, false)
    assert.ok(typeof info.version === 'number' && info.version >= 1, 'a version')
    assert.equal(info.payload, undefined)
    const decrypted = jsonOf<{ payload: { data: { cart: string[] } } }>(
      await cli(['show', handle, '--store', fixture.url, '--json', '--decrypt']),
    )
    assert.deepEqual(decrypted.payload.data.cart, ['secret-cart-item'])
  })

  it('show: an unknown handle exits 1, a malformed one exits 2', async () => {
    const missing = await cli(['show', 'A'.repeat(43), '--store', fixture.url])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /no live session with this handle/)
    const malformed = await cli(['show', 'not-a-handle', '--store', fixture.url])
    assert.equal(malformed.code, 2)
  })

  it('stats counts sessions, users and sizes consistent with list', async () => {
    const list = jsonOf<Summary[]>(await cli(['list', '--store', fixture.url, '--json']))
    const stats = jsonOf<Record<string, number> & { expiring: Record<string, number> }>(
      await cli(['stats', '--store', fixture.url, '--json']),
    )
    const sizes = list.map((s) => s.size)
    assert.equal(stats.sessions, 5)
    assert.equal(stats.withUser, 4)
    assert.equal(stats.users, 2)
    assert.equal(
      stats.totalSize,
      sizes.reduce((a, b) => a + b, 0),
    )
    assert.equal(stats.maxSize, Math.max(...sizes))
    assert.deepEqual(stats.expiring, { within1h: 5, within1d: 0, within1w: 0, later: 0 })
    const text = await cli(['stats', '--store', fixture.url])
    assert.match(text.stdout, /^sessions\s+5$/m)
    assert.equal(text.stderr, '', 'no progress when stderr is not a terminal')
  })
})
