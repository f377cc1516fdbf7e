/**
 * `gc()` time as live sessions grow: `node --import tsx bench/gc-child.ts <memory|sqlite> <dir>
 * <live sizes…>`. For each size (ascending), live records are added up to it, then 10,000
 * records that expire; the store's clock moves past their expiry and `gc()` is timed, three
 * times per size. Prints one JSON line per size: `{ live, deleted, ms (median), max }`.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { SessionRecord } from '../src/core/store.js'
import { createMemoryStore } from '../src/stores/memory.js'
import { createSqliteStore } from '../src/stores/sqlite.js'

const [kind = 'memory', dir = '.', ...sizeArgs] = process.argv.slice(2)
const sizes = sizeArgs.map(Number)
const EXPIRED = 10_000
let clock = Date.UTC(2030, 0, 1)
const now = () => clock
const largest = Math.max(...sizes)
const store =
  kind === 'memory'
    ? createMemoryStore({ max: largest + EXPIRED + 10, now, sweepInterval: 0 })
    : createSqliteStore({ path: join(dir, 'gc.db'), now })

// A record of the size the core writes for `{ views: 1, user: 'alice' }`.
const record = (expiresAt: number): SessionRecord => ({
  data: 'sk1:json:{"d":{"views":1,"user":"alice"},"f":{},"x":{}}',
  version: 1,
  expiresAt,
  meta: { createdAt: clock, lastSeenAt: clock },
})
const key = () => randomBytes(32).toString('base64url')

const REPEATS = 3
let live = 0
for (const size of sizes) {
  // Live records expire a year from now; the clock moves by minutes only.
  for (; live < size; live++) await store.set(key(), record(clock + 365 * 86_400_000))
  const times: number[] = []
  let deleted = 0
  for (let r = 0; r < REPEATS; r++) {
    for (let i = 0; i < EXPIRED; i++) await store.set(key(), record(clock + 60_000))
    clock += 120_000
    const started = performance.now()
    deleted = (await store.gc?.()) ?? 0
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  const ms = times[REPEATS >> 1] ?? Number.NaN
  const max = times[REPEATS - 1] ?? Number.NaN
  process.stdout.write(`${JSON.stringify({ live, deleted, ms, max })}\n`)
}
await store.close?.()
