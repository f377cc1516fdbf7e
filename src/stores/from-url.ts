/**
 * One function that turns a store URL (from configuration, an environment variable) into a
 * ready store: it builds the driver client with settings that make an outage fail fast, checks
 * that the server answers, and gives the store ownership of the client.
 */
import { debuglog } from 'node:util'
import { ConfigError, MissingDriver } from '../core/errors.js'
import type { Store } from '../core/store.js'
import {
  badUrl,
  connectOrFail,
  decodeUserInfo,
  fsPath,
  type HostPort,
  loadDriver,
  owningClient,
  parseHostList,
  parseUrl,
  SUPPORTED_FORMS,
  splitUrl,
} from './from-url-parts.js'
import type { MemcachedLikeClient } from './memcached-client.js'
import type { PgLikePool } from './postgres-options.js'
import type { RedisLikeClient } from './redis-client.js'

const debug = debuglog('sessionkit')

/** Options of {@link createStoreFromUrl}. Each applies where it means something, else is ignored. */
export interface StoreFromUrlOptions {
  /** Key prefix, for `redis:`, `rediss:`, `redis+cluster:` and `memcached:`. @default 'sessionkit:' */
  prefix?: string
  /** Table name, for `sqlite:`, `postgres:` and `postgresql:`. @default 'sessionkit_sessions' */
  table?: string
}

// The driver surfaces used here, structurally: no driver types leak into the public API.
interface IoredisClient {
  connect(): Promise<void>
  quit(): Promise<unknown>
  disconnect(): void
  on(event: 'error', listener: (error: unknown) => void): unknown
}
interface IoredisModule {
  Redis: new (url: string, options: object) => IoredisClient
  Cluster: new (nodes: HostPort[], options: object) => IoredisClient
}
interface PgPool extends PgLikePool {
  end(): Promise<void>
  on(event: 'error', listener: (error: unknown) => void): unknown
}
interface PgModule {
  Pool: new (config: object) => PgPool
}
type MemcachedWithVersion = MemcachedLikeClient & {
  version?(callback: (error: unknown, versions: unknown) => void): void
}

const CONNECT_TIMEOUT_MS = 2000

/**
 * Open a store from a URL. The store owns the client built here: `store.close()` closes it.
 * Clients are built to fail fast during an outage (no offline queue, one retry per command, a
 * 2-second connect timeout), and the returned promise settles only once the server answered.
 *
 * | URL | store |
 * |---|---|
 * | `memory:` | `createMemoryStore()` |
 * | `file:<path>` | `createFileStore({ dir: path })` |
 * | `sqlite:<path>`, `sqlite::memory:` | `createSqliteStore({ path })` |
 * | `postgres://…`, `postgresql://…` | `createPostgresStore(new pg.Pool(…), { closePool: true })` |
 * | `redis://…`, `rediss://…` | `createRedisStore(new Redis(url, …))` (ioredis) |
 * | `redis+cluster://[user:pass@]h1:p1,h2:p2` | `createRedisStore(new Redis.Cluster(…))` |
 * | `memcached://h1:p1[,h2:p2]` | `createMemcachedStore(createMemcachedClient(…))` |
 *
 * After `file:` and `sqlite:` comes a file-system path as written (relative to the working
 * directory, or absolute), not a URL: no percent-decoding, and `//host` forms are refused.
 *
 * @example
 * ```ts
 * const store = await createStoreFromUrl(process.env.SESSION_STORE ?? 'sqlite:./sessions.db', {
 *   prefix: 'myapp:sess:',
 * })
 * const sessions = createSessions({ store })
 * process.on('SIGTERM', () => sessions.close()) // also closes the store's client
 * ```
 * @throws {ConfigError} for a malformed URL or an unknown scheme (path `url`); messages never
 *   repeat the URL, so credentials in it are not echoed.
 * @throws {MissingDriver} when `pg`, `ioredis` or `memcached` is needed and not installed.
 * @throws {StoreUnavailable} when the server does not answer within a few seconds.
 */
export async function createStoreFromUrl(
  url: string,
  options: StoreFromUrlOptions = {},
): Promise<Store> {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError([{ path: 'options', message: 'expected an options object' }])
  }
  const { scheme, rest } = splitUrl(url)
  const { prefix, table } = options
  switch (scheme) {
    case 'memory': {
      if (rest !== '') throw badUrl('memory: takes nothing after the colon')
      const { createMemoryStore } = await import('./memory.js')
      return createMemoryStore()
    }
    case 'file': {
      const { createFileStore } = await import('./file.js')
      return createFileStore({ dir: fsPath(rest, scheme) })
    }
    case 'sqlite': {
      const { createSqliteStore } = await import('./sqlite.js')
      const path = fsPath(rest, scheme)
      return createSqliteStore(table === undefined ? { path } : { path, table })
    }
    case 'postgres':
    case 'postgresql':
      return openPostgres(url, scheme, table)
    case 'redis':
    case 'rediss':
      return openRedis(url, scheme, prefix)
    case 'redis+cluster':
      return openRedisCluster(rest, scheme, prefix)
    case 'memcached':
      return openMemcached(rest, scheme, prefix)
    default:
      throw badUrl(`unsupported scheme "${scheme}:"; supported: ${SUPPORTED_FORMS.join(', ')}`)
  }
}

async function openPostgres(url: string, scheme: string, table: string | undefined) {
  parseUrl(url, scheme)
  const { Pool } = loadDriver<PgModule>('pg')
  const { createPostgresStore } = await import('./postgres.js')
  const pool = new Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS })
  // An idle connection dropped by a database restart emits 'error' on the pool; unhandled,
  // that would crash the process. The next query simply opens a new connection.
  pool.on('error', (error) => debug('postgres pool: idle connection error: %s', String(error)))
  let store: Store
  try {
    store = createPostgresStore(pool, {
      closePool: true,
      ...(table === undefined ? {} : { table }),
    })
  } catch (error) {
    await pool.end().catch(() => {})
    throw error
  }
  await connectOrFail('postgres', pool.query('SELECT 1'), () => store.close?.())
  return store
}

function ioredis(): IoredisModule {
  type RedisClass = IoredisModule['Redis'] & { Cluster?: IoredisModule['Cluster'] }
  const driver = loadDriver<Partial<IoredisModule> & { default?: RedisClass }>('ioredis')
  const Redis = driver.Redis ?? driver.default
  const Cluster = driver.Cluster ?? driver.default?.Cluster
  if (Redis === undefined || Cluster === undefined) throw new MissingDriver('ioredis')
  return { Redis, Cluster }
}

// ioredis emits 'error' for every failed (re)connection; unhandled, it prints to the console.
const logRedisError = (error: unknown) => debug('redis client: %s', String(error))

const FAIL_FAST = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: CONNECT_TIMEOUT_MS,
  // ioredis arms a timer of this length on disconnect and never clears it when the socket had
  // already failed, keeping a CLI or test process alive 2 s after a failed connect.
  disconnectTimeout: 200,
}

async function openRedis(url: string, scheme: string, prefix: string | undefined) {
  const parsed = parseUrl(url, scheme)
  if (!/^\/?\d*$/.test(parsed.pathname)) {
    throw badUrl(`${scheme}:// URL: the path must be a database number, e.g. /0`)
  }
  const { Redis } = ioredis()
  const { createRedisStore } = await import('./redis.js')
  const client = new Redis(url, { lazyConnect: true, ...FAIL_FAST })
  client.on('error', logRedisError)
  return ownRedis(client, prefix, createRedisStore)
}

async function openRedisCluster(rest: string, scheme: string, prefix: string | undefined) {
  const { userInfo, hosts } = parseHostList(rest, scheme, 6379)
  const credentials = userInfo === undefined ? {} : decodeUserInfo(userInfo, scheme)
  const { Cluster } = ioredis()
  const { createRedisStore } = await import('./redis.js')
  const client = new Cluster(hosts, {
    lazyConnect: true,
    enableOfflineQueue: false,
    redisOptions: { ...FAIL_FAST, ...credentials },
  })
  client.on('error', logRedisError)
  return ownRedis(client, prefix, createRedisStore)
}

async function ownRedis(
  client: IoredisClient,
  prefix: string | undefined,
  create: typeof import('./redis.js').createRedisStore,
): Promise<Store> {
  let store: Store
  try {
    store = create(client as unknown as RedisLikeClient, prefix === undefined ? {} : { prefix })
  } catch (error) {
    client.disconnect()
    throw error
  }
  await connectOrFail('redis', client.connect(), () => client.disconnect())
  return owningClient(store, () => client.quit().catch(() => client.disconnect()))
}

async function openMemcached(rest: string, scheme: string, prefix: string | undefined) {
  const { userInfo, hosts } = parseHostList(rest, scheme, 11211)
  if (userInfo !== undefined) throw badUrl('memcached:// URLs take no credentials')
  const { createMemcachedClient, createMemcachedStore } = await import('./memcached.js')
  const locations = hosts.map(({ host, port }) =>
    host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
  )
  const client: MemcachedWithVersion = createMemcachedClient(locations)
  let store: Store
  try {
    store = createMemcachedStore(client, {
      closeClient: true,
      ...(prefix === undefined ? {} : { prefix }),
    })
  } catch (error) {
    client.end()
    throw error
  }
  await connectOrFail('memcached', anyAnswers(client), () => client.end())
  return store
}

/** Resolves when at least one server answers `version`; a pool with a dead member still works. */
function anyAnswers(client: MemcachedWithVersion): Promise<void> {
  return new Promise((resolve, reject) => {
    if (typeof client.version !== 'function') {
      resolve()
      return
    }
    client.version((error, versions) => {
      const answered =
        Array.isArray(versions) && versions.some((v) => v !== undefined && v !== null)
      if (answered) resolve()
      else reject(error ?? new Error('no memcached server answered'))
    })
  })
}
