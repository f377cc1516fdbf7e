/**
 * The key snapshot behind the Redis store's `scan`: SCAN over every master with a MATCH pattern
 * built from the configured prefix only, then sorted so that a scan can resume after a key.
 */
import { list, type RedisCommands, text } from './redis-client.js'
import type { Keyspace } from './redis-records.js'

const SCAN_COUNT = '1000'

/** Every store key under the prefix, on every master, sorted and without duplicates. */
export async function scanKeys(redis: RedisCommands, keys: Keyspace): Promise<string[]> {
  const found = new Set<string>()
  const pattern = keys.pattern()
  for (const send of await redis.masters()) {
    let cursor = '0'
    do {
      const [next, batch] = list(
        await send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT]),
      )
      cursor = text(next) ?? '0'
      for (const redisKey of list(batch)) {
        const key = keys.keyOf(text(redisKey) ?? '')
        if (key !== undefined) found.add(key)
      }
    } while (cursor !== '0')
  }
  return [...found].sort()
}
