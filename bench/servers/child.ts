/**
 * The child side of the benchmark protocol, shared by every server in bench/servers/.
 *
 * The harness starts `node --import tsx bench/servers/<kind>.ts` with the case in the
 * environment and an IPC channel. The child listens on 127.0.0.1 (a free port), prints
 * `listening <port>` on stdout, and answers IPC messages: `cpu` → its `process.cpuUsage()`,
 * `profile-start`/`profile-stop` → a V8 CPU profile of the window between them (what `--cpu-prof`
 * records, without the start-up), written to a `.cpuprofile` file whose path is the reply;
 * `stop` → close and exit.
 */
import { writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { Session } from 'node:inspector'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The case as the harness described it in the environment. */
export interface ChildEnv {
  /** `none` (no sessions: a baseline), `memory`, `sqlite`, `file` or `redis`. */
  store: string
  /** A private temp dir for the SQLite database or the file store. */
  dir: string
  /** Port of the redis-server the harness started. */
  redisPort: number
  /** sessionkit's `concurrency` option (`BENCH_CONCURRENCY`); its default when absent. */
  concurrency: 'merge' | 'lock' | 'none' | undefined
}

/** Read the case from the environment. */
export function childEnv(): ChildEnv {
  return {
    store: process.env['BENCH_STORE'] ?? 'none',
    dir: process.env['BENCH_DIR'] ?? '',
    redisPort: Number(process.env['BENCH_REDIS_PORT'] ?? 0),
    concurrency: concurrencyOf(process.env['BENCH_CONCURRENCY']),
  }
}

function concurrencyOf(value: string | undefined): ChildEnv['concurrency'] {
  if (value === undefined || value === '') return undefined
  if (value === 'merge' || value === 'lock' || value === 'none') return value
  throw new Error(`BENCH_CONCURRENCY: unknown mode ${value}`)
}

/** A 2 KB string, the bulk of the "2 KB session" case. */
export const BLOB = 'x'.repeat(2048)

/** Whether the seeding request asks for the 2 KB session (`/seed?big=1`). */
export function wantsBig(url: string | undefined): boolean {
  return url?.includes('big=1') ?? false
}

const profiler = new Session()

/** Closing work run on `stop`, before exit. */
type Closer = () => Promise<unknown> | unknown

/**
 * Announce the listening port and serve the harness's IPC requests.
 * @example
 * ```ts
 * server.listen(0, '127.0.0.1', () => ready(server, () => store.close?.()))
 * ```
 */
export function ready(server: Server, ...closers: Closer[]): void {
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  process.stdout.write(`listening ${port}\n`)
  process.on('message', (message: unknown) => {
    if (message === 'cpu') {
      process.send?.({ cpu: process.cpuUsage() })
    } else if (message === 'profile-start') {
      profiler.connect()
      profiler.post('Profiler.enable', () =>
        profiler.post('Profiler.start', () => process.send?.({ profiling: true })),
      )
    } else if (message === 'profile-stop') {
      profiler.post('Profiler.stop', (err, result) => {
        const file = join(tmpdir(), `sessionkit-bench-${process.pid}-${Date.now()}.cpuprofile`)
        if (!err) writeFileSync(file, JSON.stringify(result.profile))
        profiler.disconnect()
        process.send?.({ profile: err ? '' : file })
      })
    } else if (message === 'stop') {
      server.closeAllConnections()
      server.close()
      Promise.allSettled(closers.map((close) => close())).then(() => process.exit(0))
    }
  })
  process.on('disconnect', () => process.exit(0))
}

/** Listen on a free loopback port, then {@link ready}. */
export function listen(server: Server, ...closers: Closer[]): void {
  server.listen(0, '127.0.0.1', () => ready(server, ...closers))
}
