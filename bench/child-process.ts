/**
 * The harness side of a benchmark server: start `bench/servers/<kind>.ts` in its own process,
 * learn its port, ask it for its CPU time over IPC, stop it by pid.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

/** A running server child. */
export interface ServerChild {
  readonly port: number
  readonly pid: number
  /** Its CPU time so far (user + system), in microseconds. */
  cpu(): Promise<number>
  /** Start a V8 CPU profile in the child. */
  startProfile(): Promise<void>
  /** Stop it; resolves the `.cpuprofile` file the child wrote. */
  stopProfile(): Promise<string>
  /** Ask it to exit; SIGKILL by pid if it has not after 5 s. */
  stop(): Promise<void>
}

/** Options of {@link startServer}. */
export interface StartOptions {
  /** Extra environment (`BENCH_STORE`, `BENCH_DIR`, `BENCH_REDIS_PORT`). */
  env: Record<string, string>
  /** Extra node flags. */
  nodeFlags?: string[]
}

/** Start `bench/servers/<kind>.ts`; resolves once it printed `listening <port>`. */
export async function startServer(kind: string, options: StartOptions): Promise<ServerChild> {
  const file = fileURLToPath(new URL(`./servers/${kind}.ts`, import.meta.url))
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', file], {
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  let output = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${kind}: no port after 30 s\n${output}`)),
      30_000,
    )
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening (\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${kind} exited with ${code}\n${output}`))
    })
  })
  return {
    port,
    pid: child.pid ?? 0,
    cpu: () => ask<NodeJS.CpuUsage>(child, 'cpu', 'cpu').then((u) => u.user + u.system),
    startProfile: () => ask<boolean>(child, 'profile-start', 'profiling').then(() => {}),
    stopProfile: () => ask<string>(child, 'profile-stop', 'profile'),
    stop: () => stopChild(child),
  }
}

function ask<T>(child: ChildProcess, message: string, field: string): Promise<T> {
  const reply = new Promise<T>((resolve) => {
    const onMessage = (answer: unknown) => {
      if (typeof answer !== 'object' || answer === null || !(field in answer)) return
      child.off('message', onMessage)
      resolve((answer as Record<string, T>)[field] as T)
    }
    child.on('message', onMessage)
  })
  child.send(message)
  return reply
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.send('stop')
  const timer = setTimeout(() => {
    if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
  }, 5_000)
  await exited
  clearTimeout(timer)
}
