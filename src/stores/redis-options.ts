/**
 * Options of the Redis store and their checks.
 */
import { ConfigError, type ConfigIssue } from '../core/errors.js'
import { adaptClient, type RedisCommands } from './redis-client.js'

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /**
   * Prefix of every key the store writes; give each application (or test) its own. It may not
   * contain `{` or `}`, which would change the cluster hash tag.
   * @default 'sessionkit:'
   */
  prefix?: string
  /**
   * The clock (ms since the epoch) that turns `expiresAt` into PX and filters reads. Redis
   * itself expires keys by its own clock.
   * @default Date.now
   */
  now?: () => number
}

/** The checked options. */
export interface CheckedOptions {
  /** The detected driver, adapted. */
  redis: RedisCommands
  /** The key prefix. */
  prefix: string
  /** The store clock. */
  now: () => number
}

/**
 * Check the client and options of `createRedisStore`.
 * @throws {ConfigError} listing every problem.
 */
export function checkOptions(client: unknown, options: RedisStoreOptions): CheckedOptions {
  const issues: ConfigIssue[] = []
  const redis = adaptClient(client)
  if (redis === undefined) {
    issues.push({
      path: 'client',
      message: 'expected an ioredis client or cluster, or a node-redis client or cluster',
    })
  } else if (hasKeyPrefix(client)) {
    // ioredis would prefix KEYS but not SCAN patterns or the keys SCAN returns.
    issues.push({ path: 'client', message: 'ioredis keyPrefix is not supported: use `prefix`' })
  }
  const prefix = options.prefix ?? 'sessionkit:'
  if (
    typeof prefix !== 'string' ||
    prefix.length === 0 ||
    prefix.length > 256 ||
    /[{}]/.test(prefix)
  ) {
    issues.push({ path: 'prefix', message: 'expected 1 to 256 characters without { or }' })
  }
  const now = options.now ?? Date.now
  if (typeof now !== 'function') issues.push({ path: 'now', message: 'expected a function' })
  if (issues.length > 0 || redis === undefined) throw new ConfigError(issues)
  return { redis, prefix, now }
}

function hasKeyPrefix(client: unknown): boolean {
  const options = (client as { options?: { keyPrefix?: unknown; redisOptions?: unknown } }).options
  const nested = (options?.redisOptions as { keyPrefix?: unknown } | undefined)?.keyPrefix
  return Boolean(options?.keyPrefix) || Boolean(nested)
}
