/**
 * Benchmark: one session hammered by C parallel increments, per concurrency mode and store.
 *
 * For each store (memory; SQLite on a file in a temp dir), mode ('merge', 'lock', 'none') and
 * C (1, 10, 50): an Express 5 server with `session(sessions)` on 127.0.0.1, one seeded session,
 * and C client loops sending `GET /inc` with its cookie over a keep-alive `node:http` agent until
 * REQUESTS requests have been answered. The handler awaits WORK_MS of simulated I/O (a timer, as
 * a database call would) before `increment('n')`: with no await at all, a request's load and
 * commit run in one turn of the event loop and requests never overlap. Reported: requests/s, p50/p99 latency, failed requests
 * (409/503…) and lost updates (successful increments that are missing from the final count).
 * Client and server share one process, as a small app's test rig would.
 *
 * Run: `node --import tsx bench/concurrency.ts [requests per row = 2000] [work ms = 1]`
 * Not part of `npm test`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, type IncomingMessage, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import express from 'express'
import { session } from '../src/adapters/express.js'
import type { Store } from '../src/core/store.js'
import type { ConcurrencyMode } from '../src/core/types.js'
import { createSessions } from '../src/index.js'
import { createMemoryStore } from '../src/stores/memory.js'
import { createSqliteStore } from '../src/stores/sqlite.js'

const REQUESTS = Number(process.argv[2] ?? 2000)
const WORK_MS = Number(process.argv[3] ?? 1)
const WARMUP = 50
const MODES: ConcurrencyMode[] = ['merge', 'lock', 'none']
const PARALLEL = [1, 10, 50]

interface Row {
  store: string
  mode: ConcurrencyMode
  c: number
  ok: number
  failed: number
  seconds: number
  p50: number
  p99: number
  lost: number
}

interface Reply {
  status: number
  body: string
  sid: string | undefined
}

function get(agent: Agent, url: string, sid?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = sid === undefined ? {} : { cookie: `sid=${sid}` }
    const req = request(url, { agent, headers }, (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const cookie = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith('sid='))
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          sid: cookie?.slice(4, cookie.indexOf(';')),
        })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number
}

async function measure(storeName: string, store: Store, mode: ConcurrencyMode, c: number) {
  const sessions = createSessions({ store, concurrency: mode })
  const app = express()
  app.use(session(sessions))
  app.get('/seed', (req, res) => {
    req.session.set('n', 0)
    res.send('ok')
  })
  app.get('/inc', async (req, res) => {
    await sleep(WORK_MS)
    res.send(String(req.session.increment('n')))
  })
  app.get('/n', (req, res) => {
    res.send(String(req.session.get('n')))
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const agent = new Agent({ keepAlive: true, maxSockets: c })
  const seeded = await get(agent, `${base}/seed`)
  const sid = seeded.sid as string

  let sent = 0
  let ok = 0
  let failed = 0
  const latencies: number[] = []
  const loop = async (limit: number, record: boolean) => {
    while (sent < limit) {
      sent++
      const started = performance.now()
      const reply = await get(agent, `${base}/inc`, sid)
      if (record) latencies.push(performance.now() - started)
      if (reply.status === 200) ok++
      else failed++
    }
  }
  await Promise.all(Array.from({ length: c }, () => loop(WARMUP, false)))
  sent = 0
  const baseline = Number((await get(agent, `${base}/n`, sid)).body)
  ok = 0
  failed = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: c }, () => loop(REQUESTS, true)))
  const seconds = (performance.now() - started) / 1000
  const final = Number((await get(agent, `${base}/n`, sid)).body)
  agent.destroy()
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
  await sessions.close()
  latencies.sort((a, b) => a - b)
  const row: Row = {
    store: storeName,
    mode,
    c,
    ok,
    failed,
    seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    lost: baseline + ok - final,
  }
  return row
}

function table(rows: Row[]): string {
  const lines = [
    '| store | mode | C | requests | req/s | p50 ms | p99 ms | failed | lost updates |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of rows) {
    const rate = Math.round((r.ok + r.failed) / r.seconds)
    lines.push(
      `| ${r.store} | ${r.mode} | ${r.c} | ${r.ok + r.failed} | ${rate} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.failed} | ${r.lost} |`,
    )
  }
  return lines.join('\n')
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-bench-'))
  let files = 0
  const stores: Array<[string, () => Store]> = [
    ['memory', () => createMemoryStore()],
    ['SQLite', () => createSqliteStore({ path: join(dir, `bench-${++files}.db`) })],
  ]
  const rows: Row[] = []
  try {
    for (const [name, make] of stores) {
      for (const mode of MODES) {
        for (const c of PARALLEL) {
          const row = await measure(name, make(), mode, c)
          rows.push(row)
          process.stderr.write(
            `${name} ${mode} C=${c}: ${Math.round(row.ok / row.seconds)} req/s\n`,
          )
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(
    `Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), ` +
      `${REQUESTS} requests per row after ${WARMUP} warm-up requests, ${WORK_MS} ms of awaited ` +
      'work per request',
  )
  console.log()
  console.log(table(rows))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
