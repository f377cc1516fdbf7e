/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temp dir, `postgres` on a free
 * loopback port (socket in the same dir), readiness by probing with `SELECT 1`. As root, both run
 * as the `postgres` user (they refuse root): `initdb` through `runuser`, the server through
 * `setpriv`, which execs in place so signals reach the postmaster itself.
 */
import { execFile, execFileSync } from 'node:child_process'
import { chownSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
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
const BIN_DIRS = ['17', '16', '15', '14', '13'].map((v) => `/usr/lib/postgresql/${v}/bin`)

/** A running test server. */
export interface PostgresServer {
  readonly port: number
  /** `pg` connection settings for `database` (default `postgres`). */
  config(database?: string): pg.ClientConfig
  /** Create a fresh database and resolve its name. */
  createDatabase(): Promise<string>
  /** Fast shutdown (SIGINT), keeping the data dir: a database outage. */
  halt(): Promise<void>
  /** Start again on the same data dir and port, and wait until it answers. */
  resume(): Promise<void>
  /** Stop the server and remove its data dir. */
  stop(): Promise<void>
}

function findBinary(name: string): string | null {
  return findExecutable([...BIN_DIRS.map((dir) => join(dir, name)), name])
}

/** Run `command` as the postgres user when we are root (initdb and postgres refuse root). */
function asPostgres(command: string, args: string[], via: 'runuser' | 'setpriv') {
  if (process.getuid?.() !== 0) return { command, args }
  if (via === 'runuser')
    return { command: 'runuser', args: ['-u', 'postgres', '--', command, ...args] }
  return {
    command: 'setpriv',
    args: ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args],
  }
}

async function answers(config: pg.ClientConfig): Promise<boolean> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 1000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * Why PostgreSQL tests cannot run here (not installed), or undefined when they can. Synchronous,
 * so a test file can decide at registration time; under CI=true it throws instead of skipping.
 */
export function postgresMissing(): string | undefined {
  if (findBinary('initdb') !== null && findBinary('postgres') !== null) return undefined
  return unavailable('postgres', 'initdb/postgres not found (apt-get install postgresql)')
}

/** Start a server in a fresh temp dir. @throws when PostgreSQL is missing or fails to start. */
export async function startPostgres(): Promise<PostgresServer> {
  const initdb = findBinary('initdb')
  const postgres = findBinary('postgres')
  if (initdb === null || postgres === null) throw new Error('initdb/postgres not found')
  const dir = tempDir('postgres')
  const dataDir = join(dir.path, 'data')
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString())
    chownSync(dir.path, uid, gid)
  }
  const init = asPostgres(
    initdb,
    ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync'],
    'runuser',
  )
  try {
    await run(init.command, init.args)
  } catch (error) {
    dir.cleanup()
    throw new Error(`initdb failed: ${String(error)}`)
  }
  const port = await freePort()
  const config = (database = 'postgres'): pg.ClientConfig => ({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database,
  })
  let server: ServerProcess | undefined
  const start = async () => {
    const { command, args } = asPostgres(
      postgres,
      // Durability is irrelevant for a throwaway server; turning it off keeps the suite fast.
      ['-D', dataDir, '-p', String(port), '-k', dir.path, '-h', '127.0.0.1']
        .concat(['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'])
        .concat(['-c', 'max_connections=200']),
      'setpriv',
    )
    const current = spawnServer(command, args)
    server = current
    const exited = new Promise<never>((_, reject) => {
      current.child.once('exit', () => reject(new Error('postgres exited during start-up')))
    })
    exited.catch(() => {})
    try {
      await Promise.race([waitUntil(() => answers(config()), 30_000, 'postgres'), exited])
    } catch (error) {
      throw new Error(`postgres did not start: ${String(error)}\n${current.output()}`)
    }
  }
  const halt = async () => {
    await server?.stop('SIGINT')
    server = undefined
  }
  try {
    await start()
  } catch (error) {
    await halt()
    dir.cleanup()
    throw error
  }
  let databases = 0
  return {
    port,
    config,
    async createDatabase() {
      const name = `sk_${process.pid}_${++databases}`
      const client = new pg.Client(config())
      await client.connect()
      try {
        await client.query(`CREATE DATABASE "${name}"`)
      } finally {
        await client.end()
      }
      return name
    },
    halt,
    resume: start,
    async stop() {
      await halt()
      dir.cleanup()
    },
  }
}
