/**
 * sessionkit: server-side HTTP sessions for TypeScript on Node.js.
 *
 * @example
 * ```ts
 * import { createSessions } from 'sessionkit'
 * import { createSqliteStore } from 'sessionkit/stores/sqlite'
 * const sessions = createSessions<{ userId?: string; views: number }>({
 *   store: createSqliteStore({ path: './sessions.db' }),
 * })
 * ```
 */
import { warnMemoryStoreInProduction } from './core/options.js'
import type { SessionData } from './core/paths-types.js'
import { createSessionsWithStore } from './core/sessions.js'
import type { Sessions, SessionsOptions } from './core/types.js'
import { createMemoryStore } from './stores/memory.js'

/**
 * Create the sessions object an adapter mounts. Options are checked once, here.
 * @throws {ConfigError} listing every bad option with its path.
 * @example
 * ```ts
 * const sessions = createSessions<{ cart: string[] }>({ idleTimeout: '20m' })
 * ```
 */
export function createSessions<T extends object = SessionData>(
  options: SessionsOptions = {},
): Sessions<T> {
  if (options.store === undefined) warnMemoryStoreInProduction()
  return createSessionsWithStore<T>({ ...options, store: options.store ?? createMemoryStore() })
}

export { type Codec, jsonCodec } from './core/codec.js'
export { parseDuration } from './core/duration.js'
export * from './core/errors.js'
export { generateId as generateSessionId } from './core/ids.js'
export { generateKey } from './core/keys.js'
export type {
  ArrayElement,
  ArrayPath,
  DotPath,
  KeyValue,
  NumericPath,
  PathValue,
  SessionData,
  SessionKey,
} from './core/paths-types.js'
export type * from './core/store.js'
export type * from './core/types.js'
export { createStoreFromUrl } from './stores/from-url.js'
export { instrumentedStore, migratingStore } from './stores/wrappers.js'
