#!/usr/bin/env node
/**
 * The `sessionkit` executable: runs {@link runCli} on the process's arguments and sets the exit
 * code. Every command closes the store it opened, so the process ends by itself.
 *
 * @example
 * ```sh
 * sessionkit gc --store sqlite:./sessions.db
 * ```
 */
import { runCli } from './run.js'

async function main(): Promise<void> {
  // `sessionkit list | head` closes the pipe early: that is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  })
}

main().catch((error: unknown) => {
  process.stderr.write(`sessionkit: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
