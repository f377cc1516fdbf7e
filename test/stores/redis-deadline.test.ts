// node-redis commands share one abort signal per short window instead of the client arming an
// AbortSignal.timeout per command; a command stuck in the offline queue is still dropped after
// about the client's command timeout.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { StoreUnavailable } from '../../src/core/errors.js'
import { createRedisStore, type NodeRedisLikeClient } from '../../src/stores/redis.js'
import {
  commandTimeout,
  MAX_USES,
  type NodeRedisCommandOptions,
  SharedDeadline,
  WINDOW_MS,
} from '../../src/stores/redis-deadline.js'
import { type RedisNode, redisUnavailable, startRedis } from '../harness/redis.js'

const skip = redisUnavailable() ?? false

describe('SharedDeadline', () => {
  it('hands out one signal per window and per MAX_USES commands, each without a timer of its own', () => {
    let now = 1000
    const deadline = new SharedDeadline(5000, () => now)
    const first = deadline.next()
    assert.equal(first.timeout, 0, 'no per-command timeout')
    assert.equal(deadline.next(), first, 'shared within the window')
    now += WINDOW_MS - 1
    assert.equal(deadline.next(), first, 'still shared just before the window ends')
    now += 1
    const second = deadline.next()
    assert.notEqual(second.abortSignal, first.abortSignal, 'a new signal once the window is over')
    for (let i = 1; i < MAX_USES; i++) deadline.next()
    assert.equal(
      deadline.next().abortSignal === second.abortSignal,
      false,
      'a new signal after MAX_USES',
    )
  })

  it('aborts its signal after the timeout, and never hands out an aborted one', async () => {
    const deadline = new SharedDeadline(40)
    const { abortSignal } = deadline.next()
    const started = performance.now()
    // The signal's timer is unref'd (it never keeps a process alive): hold the loop open here.
    const hold = setTimeout(() => {}, 5000)
    await new Promise((resolve) => abortSignal.addEventListener('abort', resolve, { once: true }))
    clearTimeout(hold)
    assert.ok(performance.now() - started >= 38, 'not before the timeout')
    assert.equal(deadline.next().abortSignal.aborted, false, 'a fresh signal after it fired')
  })

  it('keeps a short timeout short: the window is at most a quarter of it', () => {
    let now = 0
    const deadline = new SharedDeadline(20, () => now)
    const first = deadline.next()
    now = 5
    assert.notEqual(deadline.next(), first, 'a 20 ms timeout shares a signal for under 5 ms')
  })
})

describe('commandTimeout', () => {
  it("reads the node-redis client's effective timeout; none means commands go without options", async () => {
    assert.equal(commandTimeout(createClient()), 5000, 'node-redis default')
    assert.equal(commandTimeout(createClient({ commandOptions: { timeout: 1234 } })), 1234)
    assert.equal(commandTimeout(createClient({ commandOptions: { timeout: 0 } })), undefined)
    assert.equal(commandTimeout({ sendCommand: async () => null }), undefined)
    assert.equal(commandTimeout(null), undefined)
  })
})

describe('node-redis commands through the store', () => {
  it('share the abort signal between consecutive commands', async () => {
    const seen: Array<NodeRedisCommandOptions | undefined> = []
    const client: NodeRedisLikeClient & { _commandOptions: { timeout: number } } = {
      _commandOptions: { timeout: 5000 },
      sendCommand: async (_args, options) => {
        seen.push(options)
        return [null, null, null, null, null, null, null]
      },
    }
    const store = createRedisStore(client)
    await store.get('a')
    await store.get('b')
    assert.equal(seen.length, 2, 'two commands sent')
    assert.equal(seen[0]?.timeout, 0, 'the per-command timer is off')
    assert.ok(seen[0]?.abortSignal instanceof AbortSignal, 'a shared signal bounds the command')
    assert.equal(seen[1]?.abortSignal, seen[0]?.abortSignal, 'the same signal for both')
  })

  it('send no options when the client has no command timeout', async () => {
    const seen: unknown[] = []
    const store = createRedisStore({
      sendCommand: async (_args: string[], options?: NodeRedisCommandOptions) => {
        seen.push(options)
        return null
      },
    })
    await store.get('a')
    assert.deepEqual(seen, [undefined])
  })
})

describe('a node-redis command queued while the server is gone', { skip }, () => {
  let node: RedisNode
  before(async () => {
    node = await startRedis()
  })
  after(async () => node?.stop())

  it("is still dropped after about the client's command timeout", async () => {
    const client = createClient({
      socket: { host: '127.0.0.1', port: node.port, reconnectStrategy: () => 50 },
      commandOptions: { timeout: 300 },
    })
    client.on('error', () => {})
    await client.connect()
    try {
      const store = createRedisStore(client, { prefix: 'deadline:' })
      assert.equal(await store.get('k'), null, 'reachable at first')
      await node.kill()
      const started = performance.now()
      await assert.rejects(store.get('k'), (error: Error) => {
        assert.ok(error instanceof StoreUnavailable, 'StoreUnavailable')
        assert.equal(
          (error.cause as Error | undefined)?.constructor.name,
          'AbortError',
          'dropped by the shared signal (a per-command timer would give TimeoutError)',
        )
        return true
      })
      const waited = performance.now() - started
      assert.ok(
        waited >= 300 - WINDOW_MS - 5,
        `waited ${waited} ms, at least the timeout less a window`,
      )
      assert.ok(waited < 2000, `waited ${waited} ms, not unbounded`)
    } finally {
      client.destroy()
    }
  })

  it('is left to ioredis, which has its own options', () => {
    assert.equal(commandTimeout(new Redis({ lazyConnect: true })), undefined)
  })
})
