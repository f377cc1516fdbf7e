// A real Express 5 server with `session(sessions)` for concurrency tests, an HTTP client whose
// requests really run in parallel (a keep-alive agent with unlimited sockets), a clock shared by
// the core and the store, and the stores these tests run against.
import '../adapters/test-env.js'
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import { session } from '../../src/adapters/express.js'
import type { Store } from '../../src/core/store.js'
import type { Sessions, SessionsOptions } from '../../src/core/types.js'
import { createSessions } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createSqliteStore } from '../../src/stores/sqlite.js'
import { tempDir } from '../harness/process.js'

/** Real time plus an offset that only `advance` moves: lock refresh timers stay real. */
export interface Clock {
  now(): number
  advance(ms: number): void
}

export function offsetClock(): Clock {
  let offset = 0
  return {
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms
    },
  }
}

/** A store under test: `make` builds a fresh, empty one judging time by `now`. */
export interface StoreKit {
  name: string
  make(now: () => number): Store
}

/** The in-process stores: memory, and SQLite on a file in a temp dir. */
export function localStores(): { kits: StoreKit[]; cleanup(): void } {
  const dir = tempDir('concurrency')
  let files = 0
  return {
    kits: [
      { name: 'memory', make: (now) => createMemoryStore({ now }) },
      {
        name: 'SQLite',
        make: (now) => createSqliteStore({ path: join(dir.path, `s${++files}.db`), now }),
      },
    ],
    cleanup: () => dir.cleanup(),
  }
}

/** One response as the parallel client saw it. */
export interface Reply {
  status: number
  body: string
  /** The `sid` value of this response's Set-Cookie, if it set one. */
  sid: string | undefined
}

export interface App {
  url: string
  sessions: Sessions
  store: Store
  clock: Clock
  /** Requests that reached the server and have not finished yet; and the most seen at once. */
  readonly inFlight: number
  readonly peakInFlight: number
  /** Send a request carrying `sid` (none: no cookie). */
  hit(path: string, sid?: string, method?: string): Promise<Reply>
  /**
   * Open `count` keep-alive connections (parallel requests without a cookie), so that a burst
   * after it is written at once instead of waiting for connections to be set up.
   */
  warm(count: number): Promise<void>
  /** Resolves when a request for `path` reaches the server (before the session is opened). */
  arrival(path: string): Promise<void>
  close(): Promise<void>
}

export interface AppOptions {
  store: Store
  clock?: Clock
  options?: Omit<SessionsOptions, 'store' | 'now'>
  routes(app: Express): void
}

/** Start an Express 5 app: arrival tracking, `session(sessions)`, the routes, an error handler. */
export async function startApp(opts: AppOptions): Promise<App> {
  const clock = opts.clock ?? offsetClock()
  const sessions = createSessions({ ...opts.options, store: opts.store, now: clock.now })
  const app = express()
  const waiting = new Map<string, Array<() => void>>()
  let inFlight = 0
  let peak = 0
  app.use((req, res, next) => {
    inFlight++
    peak = Math.max(peak, inFlight)
    res.once('close', () => inFlight--)
    for (const resolve of waiting.get(req.path) ?? []) resolve()
    waiting.delete(req.path)
    next()
  })
  app.use(session(sessions))
  opts.routes(app)
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status = 500, code } = error as { status?: number; code?: string }
    res
      .status(status)
      .type('text')
      .send(code ?? String(error))
  })
  const server = app.listen(0, '127.0.0.1')
  // Idle keep-alive sockets must outlive the slowest scenario, or a reused one may be reset.
  server.keepAliveTimeout = 120_000
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY })
  return {
    url,
    sessions,
    store: opts.store,
    clock,
    get inFlight() {
      return inFlight
    },
    get peakInFlight() {
      return peak
    },
    hit: (path, sid, method = 'GET') => send(agent, url + path, sid, method),
    async warm(count) {
      await Promise.all(
        Array.from({ length: count }, () => send(agent, `${url}/`, undefined, 'HEAD')),
      )
      peak = inFlight
    },
    arrival: (path) =>
      new Promise((resolve) => {
        waiting.set(path, [...(waiting.get(path) ?? []), resolve])
      }),
    async close() {
      agent.destroy()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await sessions.close()
    },
  }
}

function send(agent: Agent, url: string, sid: string | undefined, method: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = sid === undefined ? {} : { cookie: `sid=${sid}` }
    const req = httpRequest(url, { agent, method, headers }, (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          sid: sidOf(res.headers['set-cookie'] ?? []),
        }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

/** The `sid` value among Set-Cookie headers (`''` for a clearing cookie). */
export function sidOf(setCookies: readonly string[]): string | undefined {
  for (const cookie of setCookies) {
    const match = /^sid=([^;]*)/.exec(cookie)
    if (match) return match[1]
  }
  return undefined
}

/** A promise with its resolver, to hold a handler until the test lets it go. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open = (): void => {}
  const promise = new Promise<void>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

/** Poll `check` every few ms until true, failing after `ms`. */
export async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Resolve after a random 0–`max` ms. */
export function jitter(max: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * (max + 1))))
}
