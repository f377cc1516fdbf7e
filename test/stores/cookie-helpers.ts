// Shared by the cookie-store tests: sessions over createCookieStore with a manual clock and the
// invalidId reasons recorded, and a browser that keeps cookies as a real one does (Set-Cookie
// applied in order, Max-Age=0 deletes).
import {
  createSessions,
  type InvalidIdReason,
  type Session,
  type Sessions,
  type SessionsOptions,
} from '../../src/index.js'
import { type CookieStoreOptions, createCookieStore } from '../../src/stores/cookie.js'
import { ctx, type ManualClock, manualClock } from '../security/helpers.js'

export const KEY_A = 'EuXIl-BkvegiFblTb_KGEwnXh10oTRaGCk3gNas4jp0'
export const KEY_B = 'Hsu4yLdwpEj6UuOQ0H_XjEE3xdG2zgcauOruwevG_wo'

export interface CookieHarness {
  sessions: Sessions
  clock: ManualClock
  reasons: InvalidIdReason[]
}

export function cookieSessions(
  store: CookieStoreOptions = { keys: KEY_A },
  options: Omit<SessionsOptions, 'store' | 'now'> = {},
  clock: ManualClock = manualClock(),
): CookieHarness {
  const reasons: InvalidIdReason[] = []
  const sessions = createSessions({
    ...options,
    now: clock.now,
    store: createCookieStore(store),
    hooks: { ...options.hooks, invalidId: (_context, reason) => void reasons.push(reason) },
  })
  return { sessions, clock, reasons }
}

/** A browser's cookies for one site. */
export class Browser {
  readonly cookies = new Map<string, string>()

  header(): string | undefined {
    if (this.cookies.size === 0) return undefined
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  apply(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const pair = line.split(';', 1)[0] as string
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      if (/;\s*Max-Age=0(;|$)/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, pair.slice(eq + 1))
    }
  }

  clone(): Browser {
    const copy = new Browser()
    for (const [name, value] of this.cookies) copy.cookies.set(name, value)
    return copy
  }
}

/**
 * One request from `browser`: open, run `handler`, finalize, commit, apply the Set-Cookie values.
 * Resolves the handler's result and the Set-Cookie values.
 */
export async function visit<R>(
  sessions: Sessions,
  browser: Browser,
  handler: (session: Session) => R | Promise<R>,
): Promise<{ result: Awaited<R>; setCookies: string[] }> {
  const cookie = browser.header()
  const rs = await sessions.open(ctx(cookie === undefined ? {} : { cookie }))
  const result = await handler(rs.session)
  const plan = rs.finalize()
  await rs.commit()
  browser.apply(plan.setCookies)
  return { result, setCookies: plan.setCookies }
}

/** Random text that compresses badly, `length` characters. */
export function noise(length: number): string {
  let text = ''
  while (text.length < length) text += Math.random().toString(36).slice(2)
  return text.slice(0, length)
}
