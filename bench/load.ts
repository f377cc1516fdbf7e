/**
 * Loading one server: prime a pool of session cookies, warm up, then autocannon (10 keep-alive
 * connections on 127.0.0.1) for a fixed duration, with the server's CPU time read before and
 * after over IPC.
 */
import { performance } from 'node:perf_hooks'
import autocannon, { type Request, type RequestContext, type Result } from 'autocannon'
import type { ServerChild } from './child-process.js'

/** How to load a case. */
export interface LoadPlan {
  /** Route loaded, e.g. `/incr`. */
  path: string
  /** The seeding route that makes the pool's sessions (`/seed`, `/seed?big=1`), or none. */
  seed?: string
  /** Follow `Set-Cookie` per session (regenerate changes the id on every request). */
  followCookies?: boolean
  /** Sessions in the pool (default {@link POOL}). */
  pool?: number
  /**
   * A route answering `views: N` for a session: after the load, each session's count is read
   * there and compared with the answered requests (every answered request incremented it once).
   */
  count?: string
  /** Load seconds after the warm-up. */
  duration: number
  /** Warm-up seconds (not measured). */
  warmup: number
  /** CPU time of a backend server (redis-server), in µs, when there is one. */
  backendCpu?: () => Promise<number>
  /** Take a CPU profile of the server during the measured load. */
  profile?: boolean
}

/** One measurement. */
export interface LoadResult {
  rps: number
  /** p99 latency, ms. */
  p99: number
  /** Server CPU µs per request. */
  cpuUs: number
  /** Backend (redis-server) CPU µs per request, when measured. */
  backendUs?: number
  requests: number
  /** Non-2xx responses, errors and timeouts. */
  failures: number
  /** The `.cpuprofile` file, when profiled. */
  profile?: string
  /**
   * With `count`: answered increments (warm-up included) missing from the sessions' counts. A
   * lower bound: autocannon ends a run by dropping its sockets, and a request dropped while in
   * flight (up to 10 per run) may still have counted.
   */
  lost?: number
}

// Sessions in the pool. Requests take them round robin, so with 10 connections two requests in
// flight never share a session: we measure the per-request cost, not contention.
const POOL = 64
/** Connections autocannon keeps open, one request in flight on each. */
export const CONNECTIONS = 10

type Jar = Map<string, string>

function absorb(jar: Jar, setCookies: readonly string[]): void {
  for (const line of setCookies) {
    const pair = line.split(';', 1)[0] ?? ''
    const eq = pair.indexOf('=')
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1))
  }
}

const header = (jar: Jar) => [...jar].map(([name, value]) => `${name}=${value}`).join('; ')

/** One new session from the seeding route: its cookie jar. */
async function seedOne(port: number, seed: string): Promise<Jar> {
  const res = await fetch(`http://127.0.0.1:${port}${seed}`)
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`seeding ${seed}: status ${res.status}`)
  const jar: Jar = new Map()
  absorb(jar, res.headers.getSetCookie())
  if (jar.size === 0) throw new Error(`seeding ${seed}: no cookie`)
  return jar
}

async function prime(port: number, seed: string, pool: number): Promise<Jar[]> {
  const jars: Jar[] = []
  for (let i = 0; i < pool; i++) jars.push(await seedOne(port, seed))
  return jars
}

/** The sum of the sessions' `views: N` at the `count` route. */
async function countViews(port: number, count: string, jars: Jar[]): Promise<number> {
  let total = 0
  for (const jar of jars) {
    const res = await fetch(`http://127.0.0.1:${port}${count}`, {
      headers: { cookie: header(jar) },
    })
    const match = /views: (\d+)/.exec(await res.text())
    if (match === null) throw new Error(`counting at ${count}: status ${res.status}`)
    total += Number(match[1])
  }
  return total
}

/**
 * Give a fresh session to every slot whose request was still in flight when the last run ended.
 * autocannon stops a run by destroying its sockets, so such a response (and its `Set-Cookie`)
 * never comes back, while the server may still be regenerating that session: the next run would
 * otherwise send the old cookie again and race that regenerate (its loser answers 409).
 */
async function reseedCutOff(port: number, seed: string, jars: Jar[], cutOff: Set<number>) {
  for (const slot of cutOff) jars[slot] = await seedOne(port, seed)
  cutOff.clear()
}

/** The requests of one run; following cookies, `inFlight` holds the slots not yet answered. */
function requestsFor(plan: LoadPlan, jars: Jar[], inFlight: Set<number>): Request[] {
  if (jars.length === 0) return [{ method: 'GET', path: plan.path }]
  const cookies = jars.map(header)
  let next = 0
  const request: Request = {
    method: 'GET',
    path: plan.path,
    setupRequest: (req, context) => {
      const slot = next++ % cookies.length
      context['slot'] = slot
      if (plan.followCookies) inFlight.add(slot)
      return { ...req, headers: { cookie: cookies[slot] as string } }
    },
  }
  if (plan.followCookies) {
    request.onResponse = (_status, _body, context: RequestContext, headers) => {
      const slot = context['slot'] as number
      inFlight.delete(slot)
      const jar = jars[slot]
      const found = Object.entries(headers).find(([name]) => name.toLowerCase() === 'set-cookie')
      if (jar === undefined || found === undefined) return
      absorb(jar, Array.isArray(found[1]) ? found[1] : [found[1]])
      cookies[slot] = header(jar)
    }
  }
  return [request]
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number
}

/** Prime, warm up and load `child`; resolves the measurement. */
export async function load(child: ServerChild, plan: LoadPlan): Promise<LoadResult> {
  const jars = plan.seed === undefined ? [] : await prime(child.port, plan.seed, plan.pool ?? POOL)
  const inFlight = new Set<number>()
  const url = `http://127.0.0.1:${child.port}`
  // autocannon's own histogram keeps whole milliseconds; keep every response time instead.
  let times: number[] = []
  let answered = 0
  const run = (duration: number) =>
    new Promise<Result>((resolve, reject) => {
      times = []
      const options = {
        url,
        connections: CONNECTIONS,
        pipelining: 1,
        duration,
        timeout: 10,
        requests: requestsFor(plan, jars, inFlight),
      }
      const instance = autocannon(options, (err, result) => (err ? reject(err) : resolve(result)))
      instance.on('response', (_client, status, _bytes, ms) => {
        if (status < 300) {
          times.push(ms)
          answered++
        }
      })
    })
  if (plan.warmup > 0) await run(plan.warmup)
  if (plan.followCookies && plan.seed !== undefined) {
    await reseedCutOff(child.port, plan.seed, jars, inFlight)
  }
  const backend0 = await plan.backendCpu?.()
  if (plan.profile) await child.startProfile()
  const cpu0 = await child.cpu()
  const started = performance.now()
  const result = await run(plan.duration)
  const seconds = (performance.now() - started) / 1000
  const cpu1 = await child.cpu()
  const profile = plan.profile ? await child.stopProfile() : undefined
  const backend1 = await plan.backendCpu?.()
  const requests = result['2xx'] + result.non2xx
  const out: LoadResult = {
    rps: requests / seconds,
    p99: percentile(times, 0.99),
    cpuUs: (cpu1 - cpu0) / Math.max(1, requests),
    requests,
    failures: result.non2xx + result.errors + result.timeouts,
  }
  if (profile !== undefined) out.profile = profile
  if (plan.count !== undefined) {
    out.lost = Math.max(0, answered - (await countViews(child.port, plan.count, jars)))
  }
  if (backend0 !== undefined && backend1 !== undefined) {
    out.backendUs = (backend1 - backend0) / Math.max(1, requests)
  }
  return out
}
