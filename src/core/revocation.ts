/**
 * Revocation for the cookie store, kept in an ordinary server-side store (`revocation: { store }`).
 * A sealed cookie cannot be taken back from the browser, so two kinds of entries say which ones
 * the server no longer honours:
 * - a **deny entry** per session handle, written by `destroy()`, by `regenerate()` for the
 *   retired id (from the end of its grace window), and by `sessions.revoke(handle)`;
 * - a **not-before epoch** per user, written by `sessions.revokeUserSessions(userId)`: the user's
 *   sessions issued before it are refused, except the listed handles, which are re-stamped on
 *   their next request so they survive later regenerations.
 * Entries expire when every session they could match has passed its absolute timeout.
 */
import { createHash } from 'node:crypto'
import type { SessionRecord, Store } from './store.js'

/** The verdict on one loaded session. */
export type RevocationVerdict = 'ok' | 'revoked' | 'exempt'

interface DenyEntry {
  from: number
}

interface UserEpoch {
  notBefore: number
  except: string[]
}

function entryKey(kind: 'session' | 'user', subject: string): string {
  return createHash('sha256')
    .update(`sessionkit/v1/revocation/${kind}\u0000${subject}`)
    .digest('base64url')
}

function parse(record: SessionRecord | null): Record<string, unknown> | null | 'corrupt' {
  if (record === null) return null
  try {
    const value: unknown = JSON.parse(record.data)
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : 'corrupt'
  } catch {
    return 'corrupt'
  }
}

function entryRecord(data: DenyEntry | UserEpoch, now: number, expiresAt: number): SessionRecord {
  return {
    data: JSON.stringify(data),
    version: 1,
    expiresAt: Math.max(expiresAt, now + 1),
    meta: { createdAt: now, lastSeenAt: now },
  }
}

/** Reads and writes revocation entries. */
export class Revocations {
  readonly store: Store
  readonly #now: () => number
  readonly #absoluteMs: number

  constructor(store: Store, now: () => number, absoluteMs: number) {
    this.store = store
    this.#now = now
    this.#absoluteMs = absoluteMs
  }

  /** Refuse the session `handle` from `from` on; `createdAt` bounds how long that matters. */
  async deny(handle: string, from: number, createdAt: number): Promise<void> {
    const now = this.#now()
    const entry: DenyEntry = { from }
    await this.store.set(
      entryKey('session', handle),
      entryRecord(entry, now, createdAt + this.#absoluteMs),
    )
  }

  /** Refuse the user's sessions issued before now, except the handles in `except`. */
  async revokeUser(userId: string, except: readonly string[]): Promise<void> {
    const now = this.#now()
    const entry: UserEpoch = { notBefore: now, except: [...except] }
    await this.store.set(entryKey('user', userId), entryRecord(entry, now, now + this.#absoluteMs))
  }

  /**
   * Judge a session: `issuedAt` is when it last proved itself (login, creation, or a re-stamp).
   * An entry that cannot be read as one we wrote refuses the session (fail closed).
   */
  async check(
    handle: string,
    userId: string | undefined,
    issuedAt: number,
  ): Promise<RevocationVerdict> {
    const [denied, epoch] = await Promise.all([
      this.store.get(entryKey('session', handle)),
      userId === undefined ? null : this.store.get(entryKey('user', userId)),
    ])
    const now = this.#now()
    const deny = parse(denied)
    if (deny === 'corrupt') return 'revoked'
    if (deny !== null && !(typeof deny.from === 'number' && now < deny.from)) return 'revoked'
    const user = parse(epoch)
    if (user === 'corrupt') return 'revoked'
    if (user === null) return 'ok'
    const { notBefore, except } = user
    if (typeof notBefore !== 'number' || !Array.isArray(except)) return 'revoked'
    if (issuedAt >= notBefore) return 'ok'
    return except.includes(handle) ? 'exempt' : 'revoked'
  }
}
