// Starting the demo app (examples/demo/server.js) as `npm start` would, from the built package,
// on a free port with its own data directory. Needs `npm run build` first (`npm test` builds).
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { assertBuilt, ROOT } from '../package/package-helpers.js'

const LISTENING = /sessionkit demo listening on (http:\/\/localhost:\d+)\n/

/** A running demo process. */
export interface Demo {
  child: ChildProcess
  url: string
  /** Everything it printed so far. */
  output(): string
  /** SIGTERM, then resolves its exit code. */
  stop(): Promise<number | null>
}

/** Start the demo with `env` added; resolves once it printed its listening line. */
export function startDemo(env: Record<string, string>): Promise<Demo> {
  assertBuilt()
  const child = spawn(process.execPath, [join(ROOT, 'examples/demo/server.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the demo did not start:\n${output}`))
    }, 15_000)
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = LISTENING.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve({
          child,
          url: match[1] as string,
          output: () => output,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
            return exited
          },
        })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the demo exited with ${code}:\n${output}`))
    })
  })
}
