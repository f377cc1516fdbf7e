// The adapters under test (Express 5, Express 4, Connect, plain node:http), each mounting the
// session middleware(s) and one router, with errors going to the framework's own error handler;
// plus the store spies and helpers the scenario table uses.
import './test-env.js'
import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import connect from 'connect'
import express from 'express'
import express4 from 'express4'
import { type SessionMiddlewareOptions, session } from '../../src/adapters/express.js'
import type { SessionRecord, Store } from '../../src/core/store.js'
import type { Session, Sessions, SessionsOptions } from '../../src/core/types.js'
import { createSessions } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>
export type Next = (error?: unknown) => void
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void

/** One session system to mount. */
export interface Mount {
  sessions: Sessions
  options?: SessionMiddlewareOptions
}

/**
 * A framework: builds a node:http handler from session mounts and a router. An adapter whose
 * routes get another request object than node's (a Fastify request, a Koa context) passes that
 * object as `req` and a node-like response facade as `res` (see framework-response.ts).
 */
export interface Adapter {
  name: string
  app(mounts: Mount[], router: Middleware): (req: IncomingMessage, res: ServerResponse) => void
  /** The adapter's typed session lookup, given the `req` its routes receive. @default express's sessionOf */
  sessionOf?(req: IncomingMessage, sessions: Sessions): Session
  /** The routes see a response facade over the framework's own API, not node's response. */
  facade?: boolean
}

/** Routes as `'METHOD /path'` → handler; an unmatched request goes on to the framework's 404. */
export function router(routes: Record<string, Handler>): Middleware {
  return (req, res, next) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const handler = routes[`${req.method} ${path}`]
    if (!handler) {
      next()
      return
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .catch(next)
  }
}

function expressApp(factory: typeof express): Adapter['app'] {
  return (mounts, routes) => {
    const app = factory()
    for (const { sessions, options } of mounts) app.use(session(sessions, options))
    app.use(routes)
    return app
  }
}

export const adapters: Adapter[] = [
  { name: 'Express 5', app: expressApp(express) },
  { name: 'Express 4', app: expressApp(express4) },
  {
    name: 'Connect',
    app: (mounts, routes) => {
      const app = connect()
      for (const { sessions, options } of mounts) app.use(session(sessions, options))
      app.use(routes)
      return app
    },
  },
  {
    name: 'node:http',
    app: (mounts, routes) => {
      const stack = [...mounts.map(({ sessions, options }) => session(sessions, options)), routes]
      return (req, res) => {
        let index = 0
        const next: Next = (error) => {
          if (error !== undefined) {
            res.statusCode = (error as { status?: number }).status ?? 500
            res.end(`error: ${(error as Error).name}`)
            return
          }
          const middleware = stack[index++]
          if (middleware) middleware(req, res, next)
          else {
            res.statusCode = 404
            res.end('not found')
          }
        }
        next()
      }
    },
  },
]

/** Counts of store calls, by method. */
export type Calls = Record<'get' | 'set' | 'touch' | 'destroy', number>

/** A store that delegates to `inner`, counting calls; `overrides` replace single methods. */
export function spyStore(
  inner: Store,
  overrides: Partial<Pick<Store, 'get' | 'set' | 'touch' | 'destroy'>> = {},
): Store & { calls: Calls } {
  const calls: Calls = { get: 0, set: 0, touch: 0, destroy: 0 }
  const store: Store & { calls: Calls } = {
    calls,
    capabilities: inner.capabilities,
    get(key) {
      calls.get++
      return (overrides.get ?? inner.get.bind(inner))(key)
    },
    set(key, record, options) {
      calls.set++
      return (overrides.set ?? inner.set.bind(inner))(key, record, options)
    },
    touch(key, expiresAt, lastSeenAt) {
      calls.touch++
      return (overrides.touch ?? inner.touch.bind(inner))(key, expiresAt, lastSeenAt)
    },
    destroy(key) {
      calls.destroy++
      return (overrides.destroy ?? inner.destroy.bind(inner))(key)
    },
  }
  if (inner.scan) store.scan = inner.scan.bind(inner)
  if (inner.lock) store.lock = inner.lock.bind(inner)
  if (inner.close) store.close = inner.close.bind(inner)
  return store
}

/** Sessions on a spied memory store: the memory, the spy over it, and the sessions. */
export function spiedSessions(
  options: Omit<SessionsOptions, 'store'> = {},
  overrides: (memory: Store) => Parameters<typeof spyStore>[1] = () => ({}),
): { memory: Store; store: ReturnType<typeof spyStore>; sessions: Sessions } {
  const memory = createMemoryStore()
  const store = spyStore(memory, overrides(memory))
  return { memory, store, sessions: createSessions({ ...options, store }) }
}

/** A `set` that waits `ms` before writing: a slow store. */
export function delayedSet(inner: Store, ms: number): Store['set'] {
  return async (key, record, options) => {
    await sleep(ms)
    return inner.set(key, record, options)
  }
}

/** Every live record of a store with `scan`. */
export async function records(store: Store): Promise<Array<[string, SessionRecord]>> {
  const found: Array<[string, SessionRecord]> = []
  if (!store.scan) throw new Error('the store under test has no scan')
  for await (const entry of store.scan()) found.push(entry)
  return found
}

/** The handle (store key) of a session id. */
export function handleOf(id: string): string {
  return createHash('sha256').update(id).digest('base64url')
}

/** The value of cookie `name` in a list of Set-Cookie headers. */
export function cookieValue(setCookies: readonly string[], name: string): string | undefined {
  for (const header of setCookies) {
    const pair = header.split(';', 1)[0] ?? ''
    if (pair.startsWith(`${name}=`)) return pair.slice(name.length + 1)
  }
  return undefined
}

/** A settable clock for `now` options. */
export function manualClock(start = Date.UTC(2030, 0, 1)): {
  now: () => number
  advance: (ms: number) => void
} {
  let time = start
  return {
    now: () => time,
    advance: (ms) => {
      time += ms
    },
  }
}
