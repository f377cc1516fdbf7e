/**
 * The part of the `memcached` package's client the store uses, as promises; and a client
 * factory with settings that make an outage fail fast instead of queueing.
 */
import { createRequire } from 'node:module'
import { MissingDriver, StoreUnavailable } from '../core/errors.js'

/** A node callback as the `memcached` client calls it. */
export type MemcachedCallback<T> = (error: unknown, result: T) => void

/**
 * What the store needs of a memcached client: an instance of the `memcached` package fits.
 * Values are strings; lifetimes are seconds (or a Unix time beyond 30 days).
 */
export interface MemcachedLikeClient {
  /** Value and cas token: `{ [key]: value, cas }`, or undefined when missing. */
  gets(key: string, callback: MemcachedCallback<unknown>): void
  /** Store unconditionally; true when stored. */
  set(key: string, value: string, lifetime: number, callback: MemcachedCallback<boolean>): void
  /** Fails with an error carrying `notStored: true` when the key exists. */
  add(key: string, value: string, lifetime: number, callback: MemcachedCallback<boolean>): void
  /** False when the item changed since `cas` was read, or is gone. */
  cas(
    key: string,
    value: string,
    cas: string,
    lifetime: number,
    callback: MemcachedCallback<boolean>,
  ): void
  /** Delete; false when the key was missing. */
  del(key: string, callback: MemcachedCallback<boolean>): void
  /** Close every connection. */
  end(): void
}

/** A value with the token that a `cas` on it needs. */
export interface Versioned {
  value: unknown
  cas: string
}

/** Promise wrappers over a client; failures reject with StoreUnavailable (cause kept). */
export class MemcachedCommands {
  readonly #client: MemcachedLikeClient

  constructor(client: MemcachedLikeClient) {
    this.#client = client
  }

  gets(key: string): Promise<Versioned | null> {
    return this.#call<unknown>('gets', (cb) => this.#client.gets(key, cb)).then((data) => {
      if (typeof data !== 'object' || data === null) return null
      const { cas, ...values } = data as Record<string, unknown>
      // The reply is keyed by the full key, which a client `namespace` option would extend.
      const [value] = Object.values(values)
      return typeof cas === 'string' || typeof cas === 'number' ? { value, cas: String(cas) } : null
    })
  }

  async set(key: string, value: string, lifetime: number): Promise<void> {
    const stored = await this.#call<boolean>('set', (cb) =>
      this.#client.set(key, value, lifetime, cb),
    )
    if (stored !== true) throw new StoreUnavailable('memcached did not store the session')
  }

  /** True when added, false when the key exists. */
  add(key: string, value: string, lifetime: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#client.add(key, value, lifetime, (error, result) => {
        if ((error as { notStored?: unknown } | null)?.notStored === true) resolve(false)
        else if (error) reject(unavailable('add', error))
        else resolve(result === true)
      })
    })
  }

  /** True when written, false when the item changed or vanished since it was read. */
  async cas(key: string, value: string, token: string, lifetime: number): Promise<boolean> {
    const written = await this.#call<boolean>('cas', (cb) =>
      this.#client.cas(key, value, token, lifetime, cb),
    )
    return written === true
  }

  async del(key: string): Promise<void> {
    await this.#call<boolean>('del', (cb) => this.#client.del(key, cb))
  }

  end(): void {
    this.#client.end()
  }

  #call<T>(command: string, send: (callback: MemcachedCallback<T>) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      try {
        send((error, result) => (error ? reject(unavailable(command, error)) : resolve(result)))
      } catch (error) {
        reject(unavailable(command, error))
      }
    })
  }
}

function unavailable(command: string, cause: unknown): StoreUnavailable {
  return new StoreUnavailable(`memcached ${command} failed`, { cause })
}

/** Options passed through to the `memcached` constructor (a subset; others pass through too). */
export interface MemcachedClientOptions {
  /** Connection timeout (ms). @default 1000 */
  timeout?: number
  /** Socket allocation retries per command. @default 0 */
  retries?: number
  /** Failed attempts before a server is marked dead. @default 1 */
  failures?: number
  /** Wait (ms) before a dead server is tried again. @default 1000 */
  retry?: number
  /** Interval (ms) between reconnection attempts to a dead server. @default 1000 */
  reconnect?: number
  [option: string]: unknown
}

// The package defaults queue commands for seconds and keep a dead server out for 5 hours.
const FAIL_FAST: MemcachedClientOptions = {
  timeout: 1000,
  retries: 0,
  failures: 1,
  retry: 1000,
  reconnect: 1000,
  failuresTimeout: 1000,
  idle: 10_000,
  remove: false,
}

const requireFromHere = createRequire(import.meta.url)

/**
 * A client of the `memcached` package (loaded when called) with settings that fail fast while
 * a server is down and try it again within a second: `{ timeout: 1000, retries: 0, failures: 1,
 * retry: 1000, reconnect: 1000 }`, overridable through `options`.
 *
 * @example
 * ```ts
 * const client = createMemcachedClient(['10.0.0.5:11211', '10.0.0.6:11211'])
 * const store = createMemcachedStore(client, { closeClient: true })
 * ```
 * @throws {MissingDriver} when the `memcached` package is not installed.
 */
export function createMemcachedClient(
  location: string | string[],
  options: MemcachedClientOptions = {},
): MemcachedLikeClient {
  let Memcached: new (location: string | string[], options: object) => MemcachedLikeClient
  try {
    Memcached = requireFromHere('memcached')
  } catch (error) {
    throw new MissingDriver('memcached', { cause: error })
  }
  return new Memcached(location, { ...FAIL_FAST, ...options })
}
