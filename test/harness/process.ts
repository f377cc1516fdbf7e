/**
 * Starting real servers for tests: free loopback ports, temp dirs, readiness by probing (never a
 * fixed sleep), and the CI rule: under CI=true a server that cannot start fails the run; on a
 * developer machine without the server the tests are skipped with the reason.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** A free TCP port on 127.0.0.1, below `max` (Redis Cluster needs port + 10000 ≤ 65535). */
export async function freePort(max = 55_000): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer()
      server.unref()
      server.on('error', reject)
      server.listen(0, '127.0.0.1', () => {
        const address = server.address()
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
      })
    })
    if (port > 0 && port <= max) return port
  }
  throw new Error('no free port found')
}

/** A new temp dir, removed by `cleanup()`. */
export function tempDir(prefix: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), `sessionkit-${prefix}-`))
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) }
}

/** True when a TCP connection to the port succeeds. */
export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    socket.setTimeout(500)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
    socket.connect(port, host)
  })
}

/** Poll `probe` until it resolves true, backing off from 10 ms to 200 ms, for at most `timeoutMs`. */
export async function waitUntil(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let delay = 10
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return
    await sleep(delay)
    delay = Math.min(200, delay * 2)
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`)
}

/** A spawned server process; `stop()` kills it and waits for exit. */
export interface ServerProcess {
  readonly child: ChildProcess
  /** Output so far (for error messages). */
  output(): string
  stop(signal?: NodeJS.Signals): Promise<void>
}

/** Spawn `command` with `args`; output is kept for diagnostics. */
export function spawnServer(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ServerProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve()
    child.once('exit', () => resolve())
    child.once('error', () => resolve())
  })
  return {
    child,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
  }
}

/** The first of `candidates` that exists, else null (Debian puts some servers off PATH). */
export function findExecutable(candidates: string[]): string | null {
  for (const candidate of candidates) {
    if (candidate.includes('/')) {
      if (existsSync(candidate)) return candidate
      continue
    }
    for (const dir of (process.env.PATH ?? '').split(':')) {
      if (dir && existsSync(join(dir, candidate))) return join(dir, candidate)
    }
  }
  return null
}

/**
 * What to do when a server cannot be had: under CI=true throw (the run fails); otherwise return
 * a skip reason for node:test's `{ skip }`.
 */
export function unavailable(what: string, reason: string): string {
  const message = `${what} unavailable: ${reason}`
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a server test never skips)`)
  return message
}
