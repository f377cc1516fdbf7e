// Test helpers for driving the core directly: request contexts, a cookie-carrying "browser", a
// fake clock shared by the core and the memory store, and a store wrapper that counts calls.
import { parseDuration } from '../../src/core/duration.js'
import type { SessionRecord, Store } from '../../src/core/store.js'
import type {
  Duration,
  RequestContext,
  ResponsePlan,
  Session,
  SessionData,
  Sessions,
  SessionsOptions,
} from '../../src/core/types.js'
import { createSessions } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'

/** A settable clock: pass `clock.now` to both `createSessions` and `createMemoryStore`. */
export class FakeClock {
  t: number
  constructor(start = Date.UTC(2030, 0, 1)) {
    this.t = start
  }
  readonly now = (): number => this.t
  advance(by: Duration): void {
    const ms = parseDuration(by)
    if (ms === null) throw new TypeError(`bad duration ${String(by)}`)
    this.t += ms
  }
}

/** What a simulated request looks like to the core. */
export interface RequestInit {
  cookie?: string | undefined
  method?: string
  url?: string
  headers?: Record<string, string>
  remoteAddress?: string
  encrypted?: boolean
}

/** A RequestContext with `cookie` as the raw Cookie header. */
export function requestContext(init: RequestInit = {}): RequestContext {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(init.headers ?? {}))
    headers[name.toLowerCase()] = value
  if (init.cookie !== undefined) headers.cookie = init.cookie
  return {
    cookieHeader: init.cookie,
    method: init.method ?? 'GET',
    url: init.url ?? '/',
    header: (name) => headers[name.toLowerCase()],
    remoteAddress: init.remoteAddress ?? '127.0.0.1',
    encrypted: init.encrypted ?? false,
  }
}

/** The outcome of one simulated request. */
export interface Exchange<R> {
  result: R
  plan: ResponsePlan
  session: Session<SessionData>
}

/** `name=value` and attribute map of a Set-Cookie value. */
export function parseSetCookie(header: string): {
  name: string
  value: string
  attributes: Map<string, string>
} {
  const [pair = '', ...attrs] = header.split(';').map((part) => part.trim())
  const eq = pair.indexOf('=')
  const attributes = new Map<string, string>()
  for (const attr of attrs) {
    const i = attr.indexOf('=')
    if (i === -1) attributes.set(attr.toLowerCase(), '')
    else attributes.set(attr.slice(0, i).toLowerCase(), attr.slice(i + 1))
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes }
}

/** A client that keeps the session cookie between requests, as a browser would. */
export class Browser {
  readonly #sessions: Sessions<SessionData>
  /** The session cookie value the browser holds, if any. */
  cookie: string | undefined

  constructor(sessions: Sessions<SessionData>, cookie?: string) {
    this.#sessions = sessions
    this.cookie = cookie
  }

  /** The Cookie header this browser sends. */
  get cookieHeader(): string | undefined {
    return this.cookie === undefined ? undefined : `${this.#sessions.cookieName}=${this.cookie}`
  }

  /** Open a request (without finishing it), for tests that interleave requests. */
  open(init: Omit<RequestInit, 'cookie'> = {}) {
    return this.#sessions.open(requestContext({ ...init, cookie: this.cookieHeader }))
  }

  /** Apply the Set-Cookie values of a response. */
  receive(plan: ResponsePlan): void {
    for (const header of plan.setCookies) {
      const { name, value, attributes } = parseSetCookie(header)
      if (name !== this.#sessions.cookieName) continue
      const maxAge = attributes.get('max-age')
      this.cookie = maxAge !== undefined && Number(maxAge) <= 0 ? undefined : value
    }
  }

  /** One whole request: open, run `handler`, finalize, commit, keep the cookie. */
  async request<R>(
    handler: (session: Session<SessionData>) => R | Promise<R>,
    init: Omit<RequestInit, 'cookie'> = {},
  ): Promise<Exchange<Awaited<R>>> {
    const rs = await this.open(init)
    const result = await handler(rs.session)
    const plan = rs.finalize()
    await rs.commit()
    this.receive(plan)
    return { result, plan, session: rs.session }
  }
}

/** Counts of store calls by method. */
export type CallCounts = Record<string, number>

/** Wrap a store so that every call is counted (and can be intercepted). */
export function countingStore(
  inner: Store,
  intercept?: (method: string, args: unknown[]) => Promise<unknown> | undefined,
): { store: Store; calls: CallCounts; total(): number; reset(): void } {
  const calls: CallCounts = {}
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof value !== 'function' || typeof property !== 'string') return value
      return (...args: unknown[]) => {
        calls[property] = (calls[property] ?? 0) + 1
        const replaced = intercept?.(property, args)
        if (replaced !== undefined) return replaced
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return {
    store,
    calls,
    total: () => Object.values(calls).reduce((sum, n) => sum + n, 0),
    reset: () => {
      for (const key of Object.keys(calls)) delete calls[key]
    },
  }
}

/** A sessions object on a memory store, sharing one fake clock. */
export function setup(options: Omit<SessionsOptions, 'store' | 'now'> = {}) {
  const clock = new FakeClock()
  const memory = createMemoryStore({ now: clock.now, sweepInterval: 0 })
  const counting = countingStore(memory)
  const sessions = createSessions<SessionData>({
    ...options,
    store: counting.store,
    now: clock.now,
  })
  return {
    clock,
    memory,
    store: counting.store,
    calls: counting.calls,
    totalCalls: counting.total,
    resetCalls: counting.reset,
    sessions,
    browser: (cookie?: string) => new Browser(sessions, cookie),
  }
}

/** A valid record envelope for `state` as the core writes it (JSON codec). */
export function envelope(payload: unknown): string {
  return `sk1:json:${JSON.stringify(payload)}`
}

/** A record with metadata, as written straight into a store by a test. */
export function rawRecord(data: string, now: number, extra: Partial<SessionRecord> = {}) {
  return {
    data,
    version: 1,
    expiresAt: now + 60_000,
    meta: { createdAt: now, lastSeenAt: now },
    ...extra,
  } satisfies SessionRecord
}
