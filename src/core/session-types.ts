/** The shapes a SessionCore is built from and keeps: its start, its base record, its cookie. */

import type { LoadedSession } from './engine.js'
import type { RecordMeta } from './store.js'

/**
 * For a request without a session cookie, what the adapter does instead of driving the response
 * from the start: until the session starts it has nothing to send or save.
 */
export interface DeferredResponse {
  /** The session starts: from now on the adapter finalizes and commits as usual. */
  onStart(): void
  /** The response's headers are out (or it closed): what `finalize` would have sealed. */
  sealed(): boolean
}

/** How the session cookie must change in this response. */
export type CookieChange = 'none' | 'set' | 'clear'

/** How a session starts its life in a request. */
export interface SessionInit {
  loaded: LoadedSession | null
  /** The request carried a session cookie (valid or not). */
  hadCookie: boolean
  /** Non-strict mode: the unknown id to adopt when the session starts. */
  adoptId: string | null
  readOnly: boolean
  /** The cookie was signed with an older key: send it re-signed. */
  staleSignature?: boolean
}

/** The base record the request's changes apply to. */
export interface Base {
  version: number
  data: string
  userId: string | undefined
  meta: RecordMeta
}
