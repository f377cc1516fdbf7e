/**
 * Start redis-server for tests: one node, or a 3-master cluster, on free loopback ports in temp
 * dirs, ready when probing says so (PING, then `cluster_state:ok` on every node).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import {
  findExecutable,
  freePort,
  type ServerProcess,
  spawnServer,
  tempDir,
  unavailable,
  waitUntil,
} from './process.js'

const run = promisify(execFile)

const SERVER = findExecutable(['redis-server', '/usr/bin/redis-server'])
const CLI = findExecutable(['redis-cli', '/usr/bin/redis-cli'])

/** Why redis-server cannot be started here (a skip reason), or undefined when it can. */
export function redisUnavailable(): string | undefined {
  if (SERVER === null || CLI === null) {
    return unavailable('redis-server', 'redis-server or redis-cli not found on PATH')
  }
  return undefined
}

/** Run redis-cli against 127.0.0.1:port. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run(CLI as string, ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 10_000,
  })
  return stdout.trim()
}

/** One redis-server process. */
export interface RedisNode {
  readonly port: number
  readonly dir: string
  /** Kill the server (SIGKILL: a crash) and wait for it to exit; the dir stays. */
  kill(): Promise<void>
  /** Start it again on the same port and dir with the same flags; resolves when it answers PING. */
  restart(): Promise<void>
  /** Stop the server and remove its dir. */
  stop(): Promise<void>
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Keep data on disk (AOF, fsync on every write) so a restart finds it. @default false */
  persistent?: boolean
  /** Extra server flags. */
  args?: string[]
  /** The port. @default a free port below 55000 */
  port?: number
}

/** Start one redis-server on a free port below 55000 (cluster bus ports are port + 10000). */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisNode> {
  const port = options.port ?? (await freePort())
  const dir = tempDir('redis')
  const flags = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--dir',
    dir.path,
    ...(options.persistent
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no']),
    ...(options.args ?? []),
  ]
  let server: ServerProcess | undefined
  const start = async () => {
    server = spawnServer(SERVER as string, flags)
    const current = server
    try {
      await waitUntil(
        async () => (await redisCli(port, 'PING')) === 'PONG',
        10_000,
        `redis-server :${port}`,
      )
    } catch (error) {
      await current.stop('SIGKILL')
      throw new Error(`${(error as Error).message}\n${current.output()}`)
    }
  }
  try {
    await start()
  } catch (error) {
    dir.cleanup()
    throw error
  }
  return {
    port,
    dir: dir.path,
    kill: async () => server?.stop('SIGKILL'),
    restart: start,
    async stop() {
      await server?.stop('SIGKILL')
      dir.cleanup()
    },
  }
}

/** A running 3-master Redis Cluster. */
export interface RedisCluster {
  readonly nodes: readonly RedisNode[]
  /** `[{ host, port }]` of every master, for cluster clients. */
  readonly rootNodes: Array<{ host: string; port: number }>
  stop(): Promise<void>
}

/** Start 3 cluster-enabled servers, create the cluster, and wait for `cluster_state:ok` on all. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const nodes: RedisNode[] = []
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()))
  }
  try {
    const used = new Set<number>()
    const pick = async () => {
      let port = await freePort()
      while (used.has(port)) port = await freePort()
      used.add(port)
      return port
    }
    for (let i = 0; i < 3; i++) {
      const port = await pick()
      // An explicit bus port: the default port + 10000 may be taken on a busy machine.
      const bus = await pick()
      nodes.push(
        await startRedis({
          port,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-port',
            String(bus),
            '--cluster-node-timeout',
            '5000',
          ],
        }),
      )
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`)
    await run(
      CLI as string,
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 30_000 },
    )
    for (const node of nodes) {
      await waitUntil(
        async () => (await redisCli(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
        20_000,
        `redis cluster node :${node.port}`,
      )
    }
  } catch (error) {
    await stop()
    throw error
  }
  return {
    nodes,
    rootNodes: nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    stop,
  }
}
