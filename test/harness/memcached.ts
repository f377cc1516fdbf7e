/**
 * A memcached server for tests: a free loopback port, readiness by a `version` round trip, and
 * `restart()` on the same port (for outage tests). memcached keeps nothing on disk.
 */
import { Socket } from 'node:net'
import {
  findExecutable,
  freePort,
  type ServerProcess,
  spawnServer,
  unavailable,
  waitUntil,
} from './process.js'

/** A running memcached. */
export interface MemcachedServer {
  readonly port: number
  /** `127.0.0.1:<port>`, as the `memcached` client takes it. */
  readonly location: string
  /** Stop the server (SIGTERM) and wait for it to exit. */
  stop(): Promise<void>
  /** Start it again on the same port (empty: memcached does not persist). */
  start(): Promise<void>
}

/** True when `port` answers a memcached `version` command. */
export function answersVersion(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    let reply = ''
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1')
      if (reply.includes('\r\n')) done(reply.startsWith('VERSION '))
    })
    socket.connect(port, '127.0.0.1', () => socket.write('version\r\n'))
  })
}

const CANDIDATES = ['memcached', '/usr/bin/memcached', '/usr/local/bin/memcached']

/**
 * Why memcached tests must skip (no binary), or undefined when they can run. Under CI=true a
 * missing server throws instead: a server test never silently skips.
 */
export function memcachedSkipReason(): string | undefined {
  if (findExecutable(CANDIDATES) !== null) return undefined
  return unavailable('memcached', 'no memcached binary (apt-get install memcached)')
}

/** Start memcached on a free loopback port; rejects with its output when it cannot start. */
export async function startMemcached(): Promise<MemcachedServer> {
  const binary = findExecutable(CANDIDATES)
  if (binary === null) throw new Error('no memcached binary')
  const port = await freePort()
  // memcached refuses to run as root unless told which user to be.
  const user = process.geteuid?.() === 0 ? ['-u', 'root'] : []
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64', ...user]
  let server: ServerProcess | undefined
  const start = async () => {
    const running = spawnServer(binary, args)
    server = running
    try {
      await waitUntil(() => answersVersion(port), 10_000, 'memcached')
    } catch (error) {
      await running.stop('SIGKILL')
      throw new Error(`${(error as Error).message}\n${running.output()}`)
    }
  }
  await start()
  return {
    port,
    location: `127.0.0.1:${port}`,
    stop: async () => {
      await server?.stop()
      server = undefined
    },
    start,
  }
}
