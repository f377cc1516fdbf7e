/**
 * sessionkit in a benchmark child: its modules, loaded from the harness's compiled build
 * (`BENCH_SESSIONKIT`, the directory `tsc -p tsconfig.build.json` wrote: the code users run) or,
 * without it, from src/ through tsx; and the `Sessions` on the store the case names.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import type { Store } from '../../src/core/store.js'
import type { Sessions } from '../../src/core/types.js'
import type { RedisLikeClient } from '../../src/stores/redis.js'
import type { ChildEnv } from './child.js'

const build = process.env['BENCH_SESSIONKIT']

/**
 * Import a sessionkit module by its path under src/ (with `.js`), from the build when there is one.
 * @example
 * ```ts
 * const { session } = await sessionkit<typeof import('../../src/adapters/express.js')>('adapters/express.js')
 * ```
 */
export function sessionkit<M>(path: string): Promise<M> {
  const url = build
    ? pathToFileURL(join(build, path)).href
    : new URL(`../../src/${path}`, import.meta.url).href
  return import(url) as Promise<M>
}

const { createSessions } = await sessionkit<typeof import('../../src/index.js')>('index.js')

/** The sessions and how to close their store. */
export interface BenchSessions {
  sessions: Sessions
  close(): Promise<void>
}

/** The Redis store over a connected client (node-redis or ioredis), and how to close both. */
async function redisStore(
  client: RedisLikeClient,
  quit: () => Promise<unknown>,
): Promise<{ store: Store; close(): Promise<void> }> {
  const { createRedisStore } =
    await sessionkit<typeof import('../../src/stores/redis.js')>('stores/redis.js')
  const store = createRedisStore(client, { prefix: `bench:${process.pid}:` })
  return {
    store,
    close: async () => {
      await store.close?.()
      await quit().catch(() => {})
    },
  }
}

async function makeStore(env: ChildEnv): Promise<{ store: Store; close(): Promise<void> }> {
  switch (env.store) {
    case 'memory': {
      const { createMemoryStore } =
        await sessionkit<typeof import('../../src/stores/memory.js')>('stores/memory.js')
      const store = createMemoryStore()
      return { store, close: async () => store.close?.() }
    }
    case 'sqlite': {
      const { createSqliteStore } =
        await sessionkit<typeof import('../../src/stores/sqlite.js')>('stores/sqlite.js')
      const store = createSqliteStore({ path: join(env.dir, 'sessions.db') })
      return { store, close: async () => store.close?.() }
    }
    case 'file': {
      const { createFileStore } =
        await sessionkit<typeof import('../../src/stores/file.js')>('stores/file.js')
      const store = createFileStore({ dir: join(env.dir, 'sessions') })
      return { store, close: async () => store.close?.() }
    }
    case 'redis': {
      const client = createClient({ socket: { host: '127.0.0.1', port: env.redisPort } })
      await client.connect()
      return redisStore(client, () => client.quit())
    }
    case 'ioredis': {
      const client = new Redis({ host: '127.0.0.1', port: env.redisPort, lazyConnect: true })
      await client.connect()
      return redisStore(client, () => client.quit())
    }
    case 'cookie': {
      const { createCookieStore } =
        await sessionkit<typeof import('../../src/stores/cookie.js')>('stores/cookie.js')
      // A fixed bench-only key: the cookie store needs one, and every child must share it.
      const store = createCookieStore({ keys: 'Rg4Qm3bXh2yUf7kLw9sTn1cVp5aJd8eZo6iB0rHxq4M' })
      return { store, close: async () => store.close?.() }
    }
    default:
      throw new Error(`unknown store ${env.store}`)
  }
}

/**
 * Default options (no secret: the cookie is the bare 256-bit id), on the case's store, with the
 * case's `concurrency` when it names one.
 */
export async function benchSessions(env: ChildEnv): Promise<BenchSessions> {
  const { store, close } = await makeStore(env)
  const { concurrency } = env
  return {
    sessions: createSessions(concurrency === undefined ? { store } : { store, concurrency }),
    close,
  }
}
