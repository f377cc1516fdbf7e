// "A store killed mid-request": with the Redis server gone, loading a session fails with
// StoreUnavailable (503) and fires `storeError` rather than yielding a fresh session; once the
// server is back (AOF persistence, same port and dir) the session is intact.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import type { SessionError } from '../../src/core/errors.js'
import { createSessions } from '../../src/index.js'
import { createRedisStore, type RedisLikeClient } from '../../src/stores/redis.js'
import { waitUntil } from '../harness/process.js'
import { type RedisNode, redisUnavailable, startRedis } from '../harness/redis.js'
import { Browser } from '../unit/helpers.js'

const skip = redisUnavailable() ?? false

interface Driver {
  connect(
    port: number,
  ): Promise<{ client: RedisLikeClient; ready(): boolean; quit(): Promise<unknown> }>
}

// Bounded clients: no offline queue and one retry, so an outage fails fast; both reconnect.
const DRIVERS: Record<string, Driver> = {
  ioredis: {
    async connect(port) {
      const client = new Redis({
        host: '127.0.0.1',
        port,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        retryStrategy: () => 50,
      })
      await waitUntil(async () => client.status === 'ready', 5000, 'ioredis')
      return {
        client,
        ready: () => client.status === 'ready',
        quit: async () => client.disconnect(),
      }
    },
  },
  'node-redis': {
    async connect(port) {
      const client = createClient({
        socket: { host: '127.0.0.1', port, reconnectStrategy: () => 50 },
        disableOfflineQueue: true,
      })
      client.on('error', () => {})
      await client.connect()
      return { client, ready: () => client.isReady, quit: async () => client.destroy() }
    },
  },
}

for (const [name, driver] of Object.entries(DRIVERS)) {
  describe(`redis store killed mid-request (${name})`, { skip }, () => {
    let node: RedisNode
    before(async () => {
      node = await startRedis({ persistent: true })
    })
    after(async () => node?.stop())

    it('answers 503 STORE_UNAVAILABLE with the storeError hook, and the data survives a restart', async () => {
      const { client, ready, quit } = await driver.connect(node.port)
      try {
        const errors: SessionError[] = []
        const sessions = createSessions({
          store: createRedisStore(client, { prefix: 'outage:' }),
          storeTimeout: '300ms',
          hooks: { storeError: (_ctx, error) => errors.push(error) },
        })
        const browser = new Browser(sessions)
        await browser.request((session) => session.set('cart', [1, 2, 3]))
        assert.ok(browser.cookie, 'a session cookie was issued')

        await node.kill()
        await assert.rejects(browser.open(), (error: SessionError) => {
          assert.equal(error.code, 'STORE_UNAVAILABLE')
          assert.equal(error.status, 503)
          return true
        })
        assert.ok(errors.length >= 1, 'storeError fired')
        assert.equal(errors[0]?.code, 'STORE_UNAVAILABLE')

        await node.restart()
        await waitUntil(async () => ready(), 10_000, `${name} reconnect`)
        const { result } = await browser.request((session) => session.get('cart'))
        assert.deepEqual(result, [1, 2, 3])
      } finally {
        await quit()
      }
    })
  })
}
