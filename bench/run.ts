/**
 * The benchmark harness (`npm run bench`, not part of `npm test`).
 *
 * Each case's server runs in its own child process (bench/servers/), loaded by autocannon from
 * this process; rounds alternate the order of the cases. Then the memory figures (heap bytes per
 * session) and the `gc()` timings run, each in a child of its own. Markdown goes to stdout.
 *
 *   node --import tsx bench/run.ts [--rounds 2] [--duration 1.5] [--warmup 0.5] [--quick]
 *        [--only <substring>]... [--profile <substring>] [--json <file>] [--source]
 *
 * `--only` keeps the cases whose id contains one of the substrings (`heap` and `gc` select the
 * memory sections). `--profile` takes a V8 CPU profile (as `--cpu-prof` does) of the matching
 * servers during their measured load and prints the top self-time frames of each, in µs per
 * request (profiling slows the server: its figures in the tables are inflated). sessionkit is compiled with tsc first (bench/build.ts)
 * and the servers load the build; `--source` loads src/ through tsx instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type RedisNode, redisCli, startRedis } from '../test/harness/redis.js'
import { buildSessionkit } from './build.js'
import { allCases, type BenchCase, KINDS, usesRedis } from './cases.js'
import { startServer } from './child-process.js'
import { runCoreLoop } from './core.js'
import { load } from './load.js'
import { runGcTimes, runHeap } from './memory.js'
import { topFrames } from './profile.js'
import { type CaseResults, renderTables } from './report.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    profile: { type: 'string' },
    json: { type: 'string' },
    source: { type: 'boolean', default: false },
  },
})
const quick = values.quick === true
const rounds = Number(values.rounds ?? (quick ? 1 : 2))
const duration = Number(values.duration ?? (quick ? 1 : 1.5))
const warmup = Number(values.warmup ?? 0.5)
const only = values.only ?? []
const selected = (id: string) => only.length === 0 || only.some((s) => id.includes(s))
// --quick: the memory store only (and iron-session's cookie), one round of 1 s per case.
const cases = allCases().filter(
  (c) => selected(c.id) && (!quick || ['none', 'memory', 'cookie'].includes(c.store)),
)

const log = (line: string) => process.stderr.write(`${line}\n`)

async function runCase(c: BenchCase, redis: RedisNode | undefined, round: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-bench-'))
  const profiled = values.profile !== undefined && c.id.includes(values.profile)
  const child = await startServer(c.server, {
    env: {
      BENCH_STORE: c.store,
      BENCH_DIR: dir,
      BENCH_REDIS_PORT: String(redis?.port ?? 0),
      ...(c.concurrency === undefined ? {} : { BENCH_CONCURRENCY: c.concurrency }),
      ...(build === undefined ? {} : { BENCH_SESSIONKIT: build }),
    },
  })
  try {
    const kind = KINDS[c.kind]
    const result = await load(child, {
      path: kind.path,
      ...(kind.seed === undefined ? {} : { seed: kind.seed }),
      followCookies: kind.follow === true,
      ...(kind.pool === undefined ? {} : { pool: kind.pool }),
      ...(kind.count === undefined ? {} : { count: kind.count }),
      duration,
      warmup,
      ...(redis !== undefined && usesRedis(c) ? { backendCpu: () => redisCpu(redis.port) } : {}),
      profile: profiled,
    })
    if (result.profile !== undefined) {
      log(`profile of ${c.id} (round ${round}), top self-time frames:`)
      log(topFrames(result.profile, result.requests))
    }
    return result
  } finally {
    await child.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function redisCpu(port: number): Promise<number> {
  const info = await redisCli(port, 'INFO', 'cpu')
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0)
  return (field('used_cpu_sys') + field('used_cpu_user')) * 1e6
}

const results: CaseResults[] = cases.map((c) => ({ case: c, rounds: [] }))
const build = values.source ? undefined : await buildSessionkit()
if (build !== undefined) log(`sessionkit compiled into ${build}`)
const redis = cases.some(usesRedis) ? await startRedis() : undefined
// Interrupted (Ctrl-C, kill): stop redis-server by pid too. Server children exit by themselves
// when their IPC channel to this process closes.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`)
    void Promise.resolve(redis?.stop()).finally(() => process.exit(130))
  })
}
const started = Date.now()
try {
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? results : [...results].reverse()
    for (const r of order) {
      try {
        const m = await runCase(r.case, redis, round)
        r.rounds.push(m)
        log(
          `[${round}/${rounds}] ${r.case.id}: ${Math.round(m.rps)} req/s, ${m.cpuUs.toFixed(1)} µs/req`,
        )
      } catch (error) {
        r.error = (error as Error).message
        log(`[${round}/${rounds}] ${r.case.id}: FAILED ${r.error}`)
      }
    }
  }
} finally {
  await redis?.stop()
}

const sections = [renderTables(results)]
if (selected('core')) sections.push(await runCoreLoop(build))
if (selected('heap')) sections.push(await runHeap(quick ? 10_000 : 50_000))
if (selected('gc')) sections.push(await runGcTimes(quick))
log(`done in ${Math.round((Date.now() - started) / 1000)} s`)
process.stdout.write(`${sections.join('\n')}\n`)
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(results, null, 2))
