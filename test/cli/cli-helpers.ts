// Running the BUILT `sessionkit` executable (dist/cli/main.js, as npm installs it) and seeding
// stores for it through the public API.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Sessions } from '../../src/core/types.js'
import { type SeededSession, seedSession } from '../../src/testing/seed.js'

const ROOT = resolve(import.meta.dirname, '../..')
const CLI = resolve(ROOT, 'dist/cli/main.js')

/** What one run of the CLI did. */
export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  /** Wall-clock time from spawn to exit. */
  ms: number
}

/**
 * Run `node dist/cli/main.js …args` with a clean environment (no SESSIONKIT_* variables unless
 * given in `env`), killed after 30 s so a process that never exits fails the test.
 */
export function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  assert.ok(existsSync(CLI), `${CLI} is missing: run "npm run build" first`)
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SESSIONKIT_')),
  )
  const start = performance.now()
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise({ code, stdout, stderr, ms: performance.now() - start })
    })
  })
}

/** Parse a run's stdout as JSON, after checking it succeeded. */
export function jsonOf<T>(result: CliResult): T {
  assert.equal(result.code, 0, `exit 0 expected; stderr: ${result.stderr}`)
  return JSON.parse(result.stdout) as T
}

/** `list --json` entries. */
export type { SessionSummary as Summary } from '../../src/cli/summary.js'

/** Sessions seeded by {@link seedUsers}. */
export interface SeededUsers {
  u1: SeededSession[]
  u2: SeededSession[]
  anonymous: SeededSession
  all: SeededSession[]
}

/** Three sessions of user u1 (one with a cart), one of u2, one without a user. */
export async function seedUsers(sessions: Sessions): Promise<SeededUsers> {
  const u1 = [
    await seedSession(sessions, { cart: ['secret-cart-item'] }, { userId: 'u1' }),
    await seedSession(sessions, { n: 2 }, { userId: 'u1' }),
    await seedSession(sessions, { n: 3 }, { userId: 'u1' }),
  ]
  const u2 = [await seedSession(sessions, { n: 4 }, { userId: 'u2' })]
  const anonymous = await seedSession(sessions, { n: 5 })
  return { u1, u2, anonymous, all: [...u1, ...u2, anonymous] }
}

/** Sorted handles. */
export const handlesOf = (list: ReadonlyArray<{ handle: string }>) =>
  list.map((s) => s.handle).sort()

/** The next cursor printed on stderr, or undefined. */
export function nextCursor(result: CliResult): string | undefined {
  return /^next cursor: (\S+)$/m.exec(result.stderr)?.[1]
}
