/**
 * The pieces of `createStoreFromUrl` that need no driver: splitting a store URL into its scheme
 * and the rest, parsing host lists, checking URLs without ever echoing them (they may hold
 * passwords), loading drivers lazily, bounding connection attempts, and handing the client a
 * store was built on to that store.
 */
import { createRequire } from 'node:module'
import { ConfigError, MissingDriver, StoreUnavailable } from '../core/errors.js'
import type { Store } from '../core/store.js'

/** The URL forms `createStoreFromUrl` accepts, for error messages and docs. */
export const SUPPORTED_FORMS = [
  'memory:',
  'file:<path>',
  'sqlite:<path>',
  'postgres://',
  'postgresql://',
  'redis://',
  'rediss://',
  'redis+cluster://h1:p1,h2:p2',
  'memcached://h:p[,h:p]',
] as const

/** A URL's scheme (lowercased, without the colon) and everything after the colon. */
export interface SplitUrl {
  scheme: string
  rest: string
}

/** A host and port of a host list. */
export interface HostPort {
  host: string
  port: number
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]{0,31}):/

/** A ConfigError on the `url` option; `message` must never contain any part of the URL. */
export function badUrl(message: string): ConfigError {
  return new ConfigError([{ path: 'url', message }])
}

/** Split `url` at its scheme. @throws {ConfigError} when it has none. */
export function splitUrl(url: unknown): SplitUrl {
  if (typeof url !== 'string' || url.trim() === '') {
    throw badUrl(`expected a store URL, one of ${SUPPORTED_FORMS.join(', ')}`)
  }
  const match = SCHEME.exec(url)
  if (match === null) {
    throw badUrl(`expected a store URL starting with a scheme: ${SUPPORTED_FORMS.join(', ')}`)
  }
  const scheme = (match[1] as string).toLowerCase()
  return { scheme, rest: url.slice(scheme.length + 1) }
}

/**
 * Check a `scheme://…` URL with the WHATWG parser. The parser's error is dropped, not kept as a
 * cause: it carries the whole input, credentials included.
 * @throws {ConfigError} naming only the scheme.
 */
export function parseUrl(url: string, scheme: string): URL {
  try {
    return new URL(url)
  } catch {
    throw badUrl(`malformed ${scheme}:// URL`)
  }
}

/**
 * The file-system path after `file:` or `sqlite:`, as written. A path starting with `//` is
 * refused: `sqlite:///x.db` means a relative path to some tools and an absolute one to others.
 */
export function fsPath(rest: string, scheme: string): string {
  if (rest === '') throw badUrl(`${scheme}: needs a path, e.g. ${scheme}:./sessions`)
  if (rest.startsWith('//')) {
    throw badUrl(
      `${scheme}: takes a file-system path, not a //host form: write ${scheme}:./relative or ${scheme}:/absolute`,
    )
  }
  return rest
}

/** User name and password of a `user:pass@` part, percent-decoded. */
export function decodeUserInfo(
  info: string,
  scheme: string,
): { username: string; password: string } {
  const colon = info.indexOf(':')
  const [user, pass] = colon === -1 ? [info, ''] : [info.slice(0, colon), info.slice(colon + 1)]
  try {
    return { username: decodeURIComponent(user), password: decodeURIComponent(pass) }
  } catch {
    throw badUrl(`malformed credentials in ${scheme}:// URL`)
  }
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/

/**
 * `[user[:pass]@]h1:p1,h2:p2[/]` after `scheme://`: the credentials part (or undefined) and the
 * hosts, each with `defaultPort` when it has none.
 * @throws {ConfigError} naming only the scheme.
 */
export function parseHostList(
  rest: string,
  scheme: string,
  defaultPort: number,
): { userInfo: string | undefined; hosts: HostPort[] } {
  const body = rest.startsWith('//') ? rest.slice(2) : undefined
  if (body === undefined) throw badUrl(`expected ${scheme}://host:port[,host:port]`)
  const at = body.lastIndexOf('@')
  const userInfo = at === -1 ? undefined : body.slice(0, at)
  const list = (at === -1 ? body : body.slice(at + 1)).replace(/\/$/, '')
  if (list === '') throw badUrl(`${scheme}:// URL lists no host`)
  const hosts = list.split(',').map((entry): HostPort => {
    const match = HOST_PORT.exec(entry)
    const port = match?.[2] === undefined ? defaultPort : Number(match[2])
    if (match === null || port < 1 || port > 65_535) {
      throw badUrl(
        `${scheme}:// URL: expected a comma-separated list of host:port (no path or query)`,
      )
    }
    return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port }
  })
  return { userInfo, hosts }
}

/** Load an optional driver package by name. @throws {MissingDriver} when it is not installed. */
export function loadDriver<T>(packageName: string): T {
  const requireFromHere = createRequire(import.meta.url)
  try {
    return requireFromHere(packageName) as T
  } catch (error) {
    throw new MissingDriver(packageName, { cause: error })
  }
}

// A ceiling over the drivers' own connect timeouts: whatever a driver does, we answer in time.
const CONNECT_DEADLINE_MS = 5000

/**
 * Wait for `attempt` (a first round trip to the server) for at most a few seconds.
 * @throws {StoreUnavailable} when it fails or takes too long; `cleanup` runs first.
 */
export async function connectOrFail(
  what: string,
  attempt: Promise<unknown>,
  cleanup: () => unknown,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${CONNECT_DEADLINE_MS} ms`)),
      CONNECT_DEADLINE_MS,
    )
    timer.unref()
  })
  try {
    await Promise.race([attempt, deadline])
  } catch (cause) {
    attempt.catch(() => {})
    await Promise.resolve()
      .then(cleanup)
      .catch(() => {})
    throw new StoreUnavailable(`${what}: cannot connect to the server`, { cause })
  } finally {
    clearTimeout(timer)
  }
}

/**
 * `store`, with `close()` also releasing the client it was built on (after the store closed;
 * once, however often it is called). Every other method is the store's own, bound to it.
 */
export function owningClient(store: Store, release: () => Promise<unknown>): Store {
  let closing: Promise<void> | undefined
  const owner: Store = {
    capabilities: store.capabilities,
    get: (key) => store.get(key),
    set: (key, record, options) => store.set(key, record, options),
    touch: (key, expiresAt, lastSeenAt) => store.touch(key, expiresAt, lastSeenAt),
    destroy: (key) => store.destroy(key),
    close: () => {
      closing ??= (async () => {
        try {
          await store.close?.()
        } finally {
          await release()
        }
      })()
      return closing
    },
  }
  if (store.lock) owner.lock = store.lock.bind(store)
  if (store.listByUser) owner.listByUser = store.listByUser.bind(store)
  if (store.destroyByUser) owner.destroyByUser = store.destroyByUser.bind(store)
  if (store.scan) owner.scan = store.scan.bind(store)
  if (store.gc) owner.gc = store.gc.bind(store)
  return owner
}
