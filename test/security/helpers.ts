// Shared helpers of the security suite: a settable clock, neutral request contexts, one-request
// exchanges through the public core API, a store spy built on the public instrumentedStore, and
// string mutations (bit flips, truncations) for tamper tests.
import '../adapters/test-env.js'
import { randomBytes } from 'node:crypto'
import {
  createSessions,
  type InvalidIdReason,
  type RequestContext,
  type ResponsePlan,
  type Session,
  type Sessions,
  type SessionsOptions,
  type Store,
} from '../../src/index.js'
import { instrumentedStore, type StoreCallEvent } from '../../src/stores/instrumented-store.js'
import { createMemoryStore } from '../../src/stores/memory.js'

/** A clock to pass to `createSessions({ now })` and to the store factories. */
export interface ManualClock {
  now(): number
  advance(ms: number): void
  set(ms: number): void
}

export function manualClock(start = Date.UTC(2030, 0, 1)): ManualClock {
  let time = start
  return {
    now: () => time,
    advance: (ms) => {
      time += ms
    },
    set: (ms) => {
      time = ms
    },
  }
}

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

/** What a test request carries. */
export interface RequestInit {
  cookie?: string
  method?: string
  url?: string
  headers?: Record<string, string>
  encrypted?: boolean
  remoteAddress?: string
}

/** A neutral RequestContext, as an adapter would build it. */
export function ctx(init: RequestInit = {}): RequestContext {
  const headers = new Map<string, string>()
  for (const [name, value] of Object.entries(init.headers ?? {}))
    headers.set(name.toLowerCase(), value)
  if (init.cookie !== undefined) headers.set('cookie', init.cookie)
  return {
    cookieHeader: init.cookie,
    method: init.method ?? 'GET',
    url: init.url ?? '/',
    header: (name) => headers.get(name.toLowerCase()),
    remoteAddress: init.remoteAddress ?? '127.0.0.1',
    encrypted: init.encrypted ?? false,
  }
}

/** The outcome of one request. */
export interface Exchange<R> {
  result: R
  plan: ResponsePlan
  session: Session
  /** `name=value` of the session cookie the response set, if it set one (not a clearing one). */
  cookie: string | undefined
}

/** One whole request through `sessions.open` → handler → finalize → commit. */
export async function exchange<R>(
  sessions: Sessions,
  init: RequestInit | string | undefined,
  handler: (session: Session) => R | Promise<R>,
): Promise<Exchange<Awaited<R>>> {
  const request = init === undefined ? {} : typeof init === 'string' ? { cookie: init } : init
  const rs = await sessions.open(ctx(request))
  const result = await handler(rs.session)
  const plan = rs.finalize()
  await rs.commit()
  return { result, plan, session: rs.session, cookie: sessionCookie(plan, sessions.cookieName) }
}

/** `name=value` of the live session cookie among a response's Set-Cookie values. */
export function sessionCookie(plan: ResponsePlan, name: string): string | undefined {
  for (const header of plan.setCookies) {
    const pair = header.split(';', 1)[0] ?? ''
    if (pair.startsWith(`${name}=`) && !/;\s*Max-Age=0/i.test(header)) return pair
  }
  return undefined
}

/** Sessions on a spied memory store, with the invalidId reasons and store calls recorded. */
export interface Harness {
  sessions: Sessions
  /** The memory store under the spy (direct writes bypass the spy). */
  memory: Store
  clock: ManualClock
  reasons: InvalidIdReason[]
  calls: StoreCallEvent[]
  /** A session holding `data`, committed; returns its cookie pair and id. */
  seed(data?: Record<string, unknown>): Promise<{ cookie: string; id: string; handle: string }>
}

/**
 * Sessions over a spied memory store. Pass `shared` (another harness) to open a second sessions
 * object (other options, e.g. another key ring) over the same store and clock.
 */
export function harness(
  options: Omit<SessionsOptions, 'store' | 'now'> = {},
  shared?: Pick<Harness, 'memory' | 'clock'>,
): Harness {
  const clock = shared?.clock ?? manualClock()
  const memory = shared?.memory ?? createMemoryStore({ now: clock.now, sweepInterval: 0 })
  const calls: StoreCallEvent[] = []
  const reasons: InvalidIdReason[] = []
  const sessions = createSessions({
    ...options,
    now: clock.now,
    store: instrumentedStore(memory, (event) => void calls.push(event)),
    hooks: {
      ...options.hooks,
      invalidId: (context, reason) => {
        reasons.push(reason)
        options.hooks?.invalidId?.(context, reason)
      },
    },
  })
  return {
    sessions,
    memory,
    clock,
    reasons,
    calls,
    async seed(data = { seeded: true }) {
      const { cookie, session } = await exchange(sessions, undefined, (s) => s.put(data))
      if (cookie === undefined || session.id === null || session.handle === null)
        throw new Error('seed: no session was started')
      return { cookie, id: session.id, handle: session.handle }
    },
  }
}

/** A well-formed id nobody issued. */
export const freshId = (): string => randomBytes(32).toString('base64url')

/** `text` with bit `bit` (0 = lowest of the first character) flipped; characters stay ≤ U+00FF. */
export function flipBit(text: string, bit: number): string {
  const index = bit >> 3
  const code = text.charCodeAt(index) ^ (1 << (bit & 7))
  return text.slice(0, index) + String.fromCharCode(code) + text.slice(index + 1)
}

/** Every single-bit flip of `text` (8 per character). */
export function* bitFlips(text: string): Generator<[number, string]> {
  for (let bit = 0; bit < text.length * 8; bit++) yield [bit, flipBit(text, bit)]
}

/** Every strict prefix of `text`, from '' to all but the last character. */
export function* truncations(text: string): Generator<string> {
  for (let length = 0; length < text.length; length++) yield text.slice(0, length)
}

/** The value part of a `name=value` cookie pair. */
export const pairValue = (pair: string): string => pair.slice(pair.indexOf('=') + 1)
