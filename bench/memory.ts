/**
 * The memory sections of the report, each measured in a child process of its own: heap bytes per
 * stored session (sessionkit's memory store vs express-session's MemoryStore) and `gc()` time as
 * live sessions grow with a fixed 10,000 expired.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url))

async function child(flags: string[], name: string, args: string[]): Promise<string[]> {
  const { stdout } = await run(
    process.execPath,
    [...flags, '--import', 'tsx', script(name), ...args],
    {
      maxBuffer: 1 << 20,
      timeout: 600_000,
    },
  )
  return stdout.trim().split('\n')
}

/** Heap bytes per session, as a markdown section. */
export async function runHeap(count: number): Promise<string> {
  const rows: string[] = []
  const bytes: Record<string, number> = {}
  for (const library of ['sessionkit', 'express-session']) {
    const [line = '{}'] = await child(['--expose-gc'], 'heap-child.ts', [library, String(count)])
    bytes[library] = (JSON.parse(line) as { bytes: number }).bytes
  }
  const sk = bytes['sessionkit'] ?? Number.NaN
  const es = bytes['express-session'] ?? Number.NaN
  rows.push(
    `### Heap bytes per stored session (${count.toLocaleString('en-US')} sessions of \`{ views: 1, user: 'alice' }\`)\n`,
    '| store | bytes/session | ×express-session |',
    '|---|---:|---:|',
    `| sessionkit memory store (\`recordClientInfo\` off) | ${Math.round(sk)} | ${(sk / es).toFixed(2)} |`,
    `| express-session MemoryStore | ${Math.round(es)} | 1.00 |`,
    '',
  )
  return rows.join('\n')
}

interface GcRow {
  live: number
  deleted: number
  ms: number
  max: number
}

/** `gc()` timings of the memory and SQLite stores, as a markdown section. */
export async function runGcTimes(quick: boolean): Promise<string> {
  const plans = [
    ['memory', quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]],
    ['sqlite', quick ? [10_000, 50_000] : [10_000, 50_000, 200_000, 500_000, 1_000_000]],
  ] as const
  const out = [
    '### `gc()` time with 10,000 expired records as live sessions grow\n',
    '| store | live sessions | deleted per gc() | gc() ms (median of 3) | max ms |',
    '|---|---:|---:|---:|---:|',
  ]
  for (const [kind, sizes] of plans) {
    const dir = mkdtempSync(join(tmpdir(), 'sessionkit-bench-gc-'))
    try {
      const lines = await child([], 'gc-child.ts', [kind, dir, ...sizes.map(String)])
      for (const line of lines) {
        const row = JSON.parse(line) as GcRow
        out.push(
          `| ${kind} | ${row.live.toLocaleString('en-US')} | ${row.deleted} | ${row.ms.toFixed(1)} | ${row.max.toFixed(1)} |`,
        )
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  out.push('')
  return out.join('\n')
}
