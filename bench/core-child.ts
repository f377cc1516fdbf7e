/**
 * The core alone, without HTTP: `node --import tsx bench/core-child.ts` opens, uses (read,
 * increment, regenerate), finalizes and commits sessions in a loop on the memory store, as a
 * request with a cookie would, and
 * prints one JSON line per case: `{ case, cpuUs }` (process CPU µs per request, median of three
 * batches after a warm-up). It loads sessionkit like the servers do (`BENCH_SESSIONKIT`: the
 * compiled build), so the figure is the floor under the HTTP cases' Δ, with no socket, parser or
 * framework around it. A case name as argument runs that case alone: `BENCH_SESSIONKIT=<build>
 * node --cpu-prof --import tsx bench/core-child.ts read` profiles the read path.
 */
import type { RequestContext } from '../src/core/types.js'
import { sessionkit } from './servers/sessionkit.js'

const { createSessions } = await sessionkit<typeof import('../src/index.js')>('index.js')
const { createMemoryStore } =
  await sessionkit<typeof import('../src/stores/memory.js')>('stores/memory.js')

const SESSIONS = 64
const WARMUP = 50_000
const BATCH = 100_000

// Room for every retired id a regenerate leaves for its grace window.
const sessions = createSessions({
  store: createMemoryStore({ sweepInterval: 0, max: 1_000_000 }),
})
const request = (cookieHeader: string | undefined): RequestContext => ({
  cookieHeader,
  method: 'GET',
  url: '/',
  header: () => undefined,
  remoteAddress: '127.0.0.1',
  encrypted: false,
})

const cookies: string[] = []
for (let i = 0; i < SESSIONS; i++) {
  const rs = await sessions.open(request(undefined))
  rs.session.put({ views: 0 })
  rs.finalize()
  await rs.commit()
  cookies.push(`sid=${rs.session.id}`)
}

const cases = {
  read: async (i: number) => {
    const rs = await sessions.open(request(cookies[i % SESSIONS]))
    if (rs.session.get('views') === undefined) throw new Error('the session did not load')
    rs.finalize()
    await rs.commit()
  },
  incr: async (i: number) => {
    const rs = await sessions.open(request(cookies[i % SESSIONS]))
    rs.session.increment('views')
    rs.finalize()
    await rs.commit()
  },
  regen: async (i: number) => {
    const rs = await sessions.open(request(cookies[i % SESSIONS]))
    await rs.session.regenerate()
    rs.finalize()
    await rs.commit()
    cookies[i % SESSIONS] = `sid=${rs.session.id}`
  },
}

// One case only when named (`bench/core-child.ts read`), e.g. to profile it with `--cpu-prof`.
const only = process.argv[2]
for (const [name, run] of Object.entries(cases)) {
  if (only !== undefined && name !== only) continue
  for (let i = 0; i < WARMUP; i++) await run(i)
  const batches: number[] = []
  for (let b = 0; b < 3; b++) {
    const start = process.cpuUsage()
    for (let i = 0; i < BATCH; i++) await run(i)
    const used = process.cpuUsage(start)
    batches.push((used.user + used.system) / BATCH)
  }
  batches.sort((x, y) => x - y)
  process.stdout.write(`${JSON.stringify({ case: name, cpuUs: batches[1] })}\n`)
}
