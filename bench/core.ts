/**
 * The "core alone" section of the report: sessionkit's read, increment and regenerate without HTTP
 * (bench/core-child.ts), in a child process of its own, on the same build as the servers.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** CPU µs per request of the core alone, as a markdown section. */
export async function runCoreLoop(build: string | undefined): Promise<string> {
  const script = fileURLToPath(new URL('./core-child.ts', import.meta.url))
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, NODE_ENV: 'production', BENCH_SESSIONKIT: build ?? '' },
    maxBuffer: 1 << 20,
    timeout: 600_000,
  })
  const rows = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { case: string; cpuUs: number })
  return [
    '### The core alone (memory store, no HTTP: open, use, finalize, commit in a loop)\n',
    '| case | CPU µs/request (median of 3 × 100k) |',
    '|---|---:|',
    ...rows.map((r) => `| ${r.case} | ${r.cpuUs.toFixed(2)} |`),
    '',
  ].join('\n')
}
