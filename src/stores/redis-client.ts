/**
 * The structural driver contract of the Redis store: an `ioredis` client or cluster (v5+), or a
 * `redis` (node-redis v4+) client or cluster, seen through one small adapter that sends keyed
 * commands, runs Lua scripts (EVALSHA, falling back to EVAL on NOSCRIPT) and reaches every
 * master for SCAN.
 */
import { createHash } from 'node:crypto'
import { commandTimeout, type NodeRedisCommandOptions, SharedDeadline } from './redis-deadline.js'

/** The part of an `ioredis` `Redis` or `Cluster` (v5+) the store uses. */
export interface IoredisLikeClient {
  /** Send any command (`redis.call('HMGET', key, ...)`). */
  call(command: string, ...args: string[]): Promise<unknown>
  /** Present on ioredis clients; used only to tell them apart from node-redis. */
  defineCommand(...args: never[]): unknown
  /** `Cluster` only: the node clients with a role. */
  nodes?(role?: 'master'): IoredisLikeClient[]
}

/** The part of a node-redis (`redis` v4+) single-node client the store uses. */
export interface NodeRedisLikeClient {
  /** Send any command as an argument list (options: see redis-deadline.ts). */
  sendCommand(args: string[], options?: NodeRedisCommandOptions): Promise<unknown>
}

/** The part of a node-redis (`redis` v4+) cluster (`createCluster`) the store uses. */
export interface NodeRedisLikeCluster {
  /** Send a command routed by the slot of `firstKey` (options: see redis-deadline.ts). */
  sendCommand(
    firstKey: string,
    isReadonly: boolean,
    args: string[],
    options?: NodeRedisCommandOptions,
  ): Promise<unknown>
  /** The master nodes (as known after `connect()`). */
  readonly masters: readonly unknown[]
  /** The client of one node. */
  nodeClient(node: never): NodeRedisLikeClient | Promise<NodeRedisLikeClient>
}

/**
 * Any client the Redis store accepts: `new Redis()` / `new Redis.Cluster()` from `ioredis`, or
 * `createClient()` / `createCluster()` from `redis`, connected by the application.
 */
export type RedisLikeClient = IoredisLikeClient | NodeRedisLikeClient | NodeRedisLikeCluster

/** A Lua script with its SHA-1, for EVALSHA. */
export interface LuaScript {
  /** The Lua source, sent with EVAL when the server lacks it. */
  readonly source: string
  /** Hex SHA-1 of the source, sent with EVALSHA. */
  readonly sha: string
}

/** Make a {@link LuaScript}. */
export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/** Sends one command to one node (used for SCAN). */
export type NodeSender = (args: string[]) => Promise<unknown>

/** What the store needs from any driver. */
export interface RedisCommands {
  /** Which driver shape was detected. */
  readonly kind: 'ioredis' | 'ioredis-cluster' | 'node-redis' | 'node-redis-cluster'
  /** Send a command whose first key is `key` (routing in cluster mode; always to the master). */
  send(key: string, args: string[]): Promise<unknown>
  /** Run `script` over `keys` (all on one slot) with `args`. */
  eval(script: LuaScript, keys: string[], args: string[]): Promise<unknown>
  /** One sender per master node (one for a single server), for SCAN. */
  masters(): Promise<NodeSender[]>
}

type Shape = Record<string, unknown>

const isFunction = (value: unknown): value is (...args: never[]) => unknown =>
  typeof value === 'function'

/** Detect the driver behind `client`; undefined when it looks like none of them. */
export function adaptClient(client: unknown): RedisCommands | undefined {
  if (typeof client !== 'object' || client === null) return undefined
  const c = client as Shape
  if (isFunction(c.call) && isFunction(c.defineCommand)) return ioredis(client as IoredisLikeClient)
  if (!isFunction(c.sendCommand)) return undefined
  if ('masters' in c && isFunction(c.nodeClient)) return nodeRedisCluster(c as never)
  return nodeRedis(client as NodeRedisLikeClient)
}

function ioredis(client: IoredisLikeClient): RedisCommands {
  const cluster = isFunction(client.nodes)
  const send = (_key: string, args: string[]) => {
    const [command, ...rest] = args as [string, ...string[]]
    return client.call(command, ...rest)
  }
  return {
    kind: cluster ? 'ioredis-cluster' : 'ioredis',
    send,
    eval: (script, keys, args) => evalWith((a) => send(keys[0] ?? '', a), script, keys, args),
    async masters() {
      const nodes = cluster ? (client.nodes?.('master') ?? []) : [client]
      return nodes.map((node) => (args: string[]) => {
        const [command, ...rest] = args as [string, ...string[]]
        return node.call(command, ...rest)
      })
    },
  }
}

/** The options to send with each node-redis command: a shared deadline, or none. */
function commandOptions(client: unknown): () => NodeRedisCommandOptions | undefined {
  const timeout = commandTimeout(client)
  if (timeout === undefined) return () => undefined
  const deadline = new SharedDeadline(timeout)
  return () => deadline.next()
}

function nodeRedis(client: NodeRedisLikeClient): RedisCommands {
  const options = commandOptions(client)
  const send = (_key: string, args: string[]) => client.sendCommand(args, options())
  return {
    kind: 'node-redis',
    send,
    eval: (script, keys, args) =>
      evalWith((a) => client.sendCommand(a, options()), script, keys, args),
    masters: async () => [(args) => client.sendCommand(args)],
  }
}

function nodeRedisCluster(cluster: NodeRedisLikeCluster): RedisCommands {
  const options = commandOptions(cluster)
  // Never flagged read-only: a replica could serve a read that misses the write just made.
  const send = (key: string, args: string[]) => cluster.sendCommand(key, false, args, options())
  return {
    kind: 'node-redis-cluster',
    send,
    eval: (script, keys, args) => evalWith((a) => send(keys[0] ?? '', a), script, keys, args),
    async masters() {
      const clients = await Promise.all(
        cluster.masters.map((node) => cluster.nodeClient(node as never)),
      )
      return clients.map((node) => (args: string[]) => node.sendCommand(args))
    },
  }
}

/** EVALSHA, then EVAL when the server does not have the script cached (after a restart). */
async function evalWith(
  send: (args: string[]) => Promise<unknown>,
  script: LuaScript,
  keys: string[],
  args: string[],
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args]
  try {
    return await send(['EVALSHA', script.sha, ...tail])
  } catch (error) {
    // NOSCRIPT is the error code Redis defines for an uncached script (EVALSHA docs).
    if (!String((error as Error | undefined)?.message ?? '').startsWith('NOSCRIPT')) throw error
    return send(['EVAL', script.source, ...tail])
  }
}

/** A reply as text: strings as-is, Buffers decoded as UTF-8, null/undefined as null. */
export function text(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null
  if (typeof reply === 'string') return reply
  if (reply instanceof Uint8Array) return Buffer.from(reply).toString('utf8')
  return String(reply)
}

/** A multi-bulk reply as an array (RESP3 sets may arrive as `Set`). */
export function list(reply: unknown): unknown[] {
  if (Array.isArray(reply)) return reply
  if (reply instanceof Set) return [...reply]
  return []
}
