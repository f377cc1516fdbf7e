/**
 * `seedSession(sessions, data)`: a stored session for tests, made through the public API.
 */
import type { RequestContext, Sessions } from '../core/types.js'

/** Options of {@link seedSession}. */
export interface SeedSessionOptions {
  /** Bind the session to this user (as `bindUser` does), for user-index tests. */
  userId?: string
}

/** A session that `seedSession` stored. */
export interface SeededSession {
  /** The session id. */
  id: string
  /** Its handle (store key). */
  handle: string
  /** `name=value`, ready for a `Cookie` header (signed when the sessions have a `secret`). */
  cookie: string
}

/**
 * Store a new session holding `data` and return its id, handle and cookie.
 *
 * @example
 * ```ts
 * const { cookie } = await seedSession(sessions, { userId: 'u1', cart: ['a'] })
 * const res = await client.request('/cart', { headers: { cookie } })
 * ```
 */
export async function seedSession<T extends object>(
  sessions: Sessions<T>,
  data: Partial<T> | Record<string, unknown>,
  options: SeedSessionOptions = {},
): Promise<SeededSession> {
  const rs = await sessions.open(syntheticRequest())
  rs.session.put(data as Partial<T>)
  if (options.userId !== undefined) rs.session.bindUser(options.userId)
  // An empty `data` writes nothing: start the session explicitly so there is one to seed.
  if (rs.session.id === null) await rs.session.regenerate()
  const plan = rs.finalize()
  await rs.commit()
  const { id, handle } = rs.session
  const setCookie = plan.setCookies[0]
  if (id === null || handle === null || setCookie === undefined) {
    throw new Error('sessionkit: seedSession could not start a session')
  }
  return { id, handle, cookie: setCookie.split(';', 1)[0] as string }
}

function syntheticRequest(): RequestContext {
  return {
    cookieHeader: undefined,
    method: 'GET',
    url: '/',
    header: () => undefined,
    remoteAddress: '127.0.0.1',
    encrypted: false,
  }
}
