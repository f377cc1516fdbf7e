/**
 * The benchmark's cases: baselines, sessionkit on every framework × store × kind, the peers.
 */

/** What a request does with the session. */
export type Kind = 'hello' | 'anon' | 'read' | 'incr' | 'big' | 'regen' | 'contend'

/** sessionkit's `concurrency` option, for the contention cases. */
export type Concurrency = 'merge' | 'lock' | 'none'

/** One server configuration loaded with one route. */
export interface BenchCase {
  /** Unique name, `library · framework · store · kind`; `--only` matches substrings of it. */
  id: string
  library: string
  /** Framework the ratio "×fw" is taken against: `node:http`, `express`, `fastify`, `hono`. */
  framework: string
  store: string
  kind: Kind
  /** File in bench/servers/ (without .ts). */
  server: string
  /** The `concurrency` option the server runs with (contention cases); the default otherwise. */
  concurrency?: Concurrency
}

/** How a kind is loaded. */
export interface KindPlan {
  /** Route loaded. */
  path: string
  /** Seeding route that makes each session of the pool. */
  seed?: string
  /** Follow `Set-Cookie` per session (regenerate). */
  follow?: boolean
  /** Sessions in the pool (default 64: two requests in flight never share one). */
  pool?: number
  /** A route answering `views: N` for the session, read after the load to count lost updates. */
  count?: string
  title: string
}

/** Route, seeding route and cookie following of each kind. */
export const KINDS: Record<Kind, KindPlan> = {
  hello: { path: '/hello', title: 'baselines: hello world without sessions' },
  anon: {
    path: '/hello',
    title: 'anonymous request (no cookie, route never touches the session)',
  },
  read: { path: '/read', seed: '/seed', title: 'read-only request (cookie, `get`)' },
  incr: { path: '/incr', seed: '/seed', title: "`increment('views')` per request" },
  big: { path: '/big', seed: '/seed?big=1', title: '2 KB session (read + small write)' },
  regen: { path: '/regen', seed: '/seed', follow: true, title: 'regenerate per request' },
  contend: {
    path: '/contend',
    seed: '/seed',
    pool: 1,
    count: '/read',
    title: 'contention: one session, 10 connections, `increment` after 1 ms of awaited work',
  },
}

const FRAMEWORKS = [
  ['node:http', 'node'],
  ['express', 'express'],
  ['fastify', 'fastify'],
  ['hono', 'hono'],
] as const
const STORES = ['memory', 'sqlite', 'file', 'redis'] as const
const SESSION_KINDS = ['read', 'incr', 'big', 'regen'] as const
const CONCURRENCY: readonly Concurrency[] = ['none', 'merge', 'lock']
// The stores whose locks and compare-and-set differ: in-process, one SQLite file, Redis.
const CONTENTION_STORES = ['memory', 'sqlite', 'redis'] as const

function make(
  library: string,
  framework: string,
  store: string,
  kind: Kind,
  server: string,
): BenchCase {
  return {
    id: `${library} · ${framework} · ${store} · ${kind}`,
    library,
    framework,
    store,
    kind,
    server,
  }
}

/** Whether a case needs the harness's redis-server. */
export function usesRedis(c: BenchCase): boolean {
  return c.store === 'redis' || c.store === 'ioredis'
}

/** Every case, grouped by kind so that sessionkit and the peers run side by side. */
export function allCases(): BenchCase[] {
  const cases: BenchCase[] = []
  for (const [framework, server] of FRAMEWORKS) {
    cases.push(make('bare', framework, 'none', 'hello', server))
  }
  // The anonymous request never reaches the store: one store is enough.
  for (const [framework, server] of FRAMEWORKS) {
    cases.push(make('sessionkit', framework, 'memory', 'anon', server))
  }
  cases.push(make('express-session', 'express', 'memory', 'anon', 'express-session'))
  cases.push(make('@fastify/session', 'fastify', 'memory', 'anon', 'fastify-session'))
  cases.push(make('iron-session', 'node:http', 'cookie', 'anon', 'iron-session'))
  for (const kind of SESSION_KINDS) {
    for (const store of STORES) {
      for (const [framework, server] of FRAMEWORKS) {
        cases.push(make('sessionkit', framework, store, kind, server))
      }
      if (store !== 'file') {
        cases.push(make('express-session', 'express', store, kind, 'express-session'))
      }
      // The Redis store over ioredis instead of node-redis, on one framework: the client's cost.
      if (store === 'redis') cases.push(make('sessionkit', 'node:http', 'ioredis', kind, 'node'))
      if (store === 'memory') {
        cases.push(make('@fastify/session', 'fastify', store, kind, 'fastify-session'))
        // sessionkit's cookie store next to iron-session, the peer that also keeps the session
        // in a sealed cookie; iron-session has no server-side id to regenerate.
        cases.push(make('sessionkit', 'node:http', 'cookie', kind, 'node'))
        if (kind !== 'regen')
          cases.push(make('iron-session', 'node:http', 'cookie', kind, 'iron-session'))
      }
    }
  }
  // Lock and merge overhead: every request of the 10 connections on one session, per mode.
  for (const store of CONTENTION_STORES) {
    for (const concurrency of CONCURRENCY) {
      const c = make('sessionkit', 'node:http', store, 'contend', 'node')
      cases.push({ ...c, id: `${c.id} · ${concurrency}`, concurrency })
    }
  }
  return cases
}
