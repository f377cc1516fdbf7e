/**
 * A sessionkit store (`sessionkit/stores/*`) behind express-session's callback `Store` API, for
 * the `sessionkit.store` extra. Sessions are kept as express-session's JSON in `record.data`
 * under base64url(SHA-256(sid)) (the store contract's key shape: a store dump holds no usable
 * cookie values), and written with the chosen concurrency: compare-and-set with a three-way merge
 * (`'merge'`), or plain writes (`'lock'`, whose lock the middleware holds, and `'none'`).
 */
import { performance } from 'node:perf_hooks'
import { backOff, inTurn } from '../../core/commit-turns.js'
import { SessionConflict } from '../../core/errors.js'
import { storeKey } from '../../core/ids.js'
import type { Store as SessionkitStore, SessionRecord } from '../../core/store.js'
import { acquireLock, type HeldLock } from './lock.js'
import { applyChanges, diffSessions } from './merge.js'
import type { ExtrasSettings } from './options.js'
import { Store } from './store.js'
import type { ErrorCallback, ResultCallback } from './types.js'
import { baseOf, type LoadedBase, setBase } from './versions.js'

type Json = Record<string, unknown>

/** Settle a node callback from a promise. */
function settle<T>(promise: Promise<T>, callback: ResultCallback<T> | undefined): void {
  promise.then(
    (value) => callback?.(null, value),
    (error: unknown) => callback?.(error ?? new Error('store operation failed')),
  )
}

/** express-session's callback Store over a sessionkit Store. */
export class SessionkitStoreAdapter extends Store {
  readonly #store: SessionkitStore
  readonly #extras: ExtrasSettings
  /** Merge writes to one session from this process, in turn (core/commit-turns.ts). */
  readonly #turns = new Map<string, Promise<unknown>>()

  constructor(store: SessionkitStore, extras: ExtrasSettings) {
    super()
    this.#store = store
    this.#extras = extras
  }

  override get(sid: string, callback: ResultCallback<object | null | undefined>): void {
    settle(this.#read(sid), callback)
  }

  override set(sid: string, session: object, callback?: ErrorCallback): void {
    settle(this.#write(sid, session), callback)
  }

  override destroy(sid: string, callback?: ErrorCallback): void {
    settle(this.#store.destroy(storeKey(sid)), callback)
  }

  override touch(sid: string, session: object, callback?: ErrorCallback): void {
    const now = this.#extras.now()
    settle(this.#store.touch(storeKey(sid), this.#expiresAt(session, now), now), callback)
  }

  /** Take the store's lock on the session `sid` (for `concurrency: 'lock'`). */
  lock(sid: string): Promise<HeldLock> {
    const { lockTtlMs, lockTimeoutMs } = this.#extras
    return acquireLock(this.#store, storeKey(sid), lockTtlMs, lockTimeoutMs)
  }

  async #read(sid: string): Promise<Json | null> {
    const key = storeKey(sid)
    const record = await this.#store.get(key)
    if (record === null) return null
    const sess = JSON.parse(record.data) as Json
    const cookie = sess['cookie'] as Json | undefined
    // A touch moves the record's expiry, not the JSON's: the record is the truth.
    if (cookie && cookie['expires'] != null) {
      cookie['expires'] = new Date(record.expiresAt).toISOString()
    }
    const createdAt = record.meta?.createdAt ?? this.#extras.now()
    setBase(sess, { key, version: record.version, json: record.data, view: record.data, createdAt })
    return sess
  }

  async #write(sid: string, session: object): Promise<void> {
    const key = storeKey(sid)
    const now = this.#extras.now()
    const mine = JSON.stringify(session)
    const found = baseOf(session)
    const base = found?.key === key ? found : undefined
    const createdAt = base?.createdAt ?? createdAtOf(session) ?? now
    const record = (data: string, version: number): SessionRecord => ({
      data,
      version,
      expiresAt: this.#expiresAt(session, now),
      meta: { createdAt, lastSeenAt: now },
    })
    if (this.#extras.concurrency !== 'merge') {
      const version = (base?.version ?? 0) + 1
      await this.#store.set(key, record(mine, version))
      setBase(session, { key, version, json: mine, view: mine, createdAt })
      return
    }
    await inTurn(this.#turns, key, () => this.#merge(session, key, mine, base, createdAt, record))
  }

  async #merge(
    session: object,
    key: string,
    mine: string,
    base: LoadedBase | undefined,
    createdAt: number,
    record: (data: string, version: number) => SessionRecord,
  ): Promise<void> {
    // Without a base (a new session, or a store.set by hand) every top-level key is a change.
    const changes = diffSessions(JSON.parse(base?.view ?? '{}') as Json, JSON.parse(mine) as Json)
    let expected = base?.version ?? 0
    let data = base ? JSON.stringify(applyChanges(JSON.parse(base.json) as Json, changes)) : mine
    const deadline = performance.now() + this.#extras.mergeTimeoutMs
    for (let attempt = 0; ; attempt++) {
      const written = await this.#store.set(key, record(data, expected + 1), {
        ifVersion: expected,
      })
      if (written) {
        setBase(session, { key, version: expected + 1, json: data, view: mine, createdAt })
        return
      }
      if (performance.now() >= deadline) throw new SessionConflict()
      await backOff(attempt, deadline)
      const fresh = await this.#store.get(key)
      // Destroyed (or expired) since this request loaded it: a late write never resurrects it.
      if (fresh === null && base !== undefined) return
      expected = fresh?.version ?? 0
      const target = fresh === null ? {} : (JSON.parse(fresh.data) as Json)
      data = JSON.stringify(applyChanges(target, changes))
    }
  }

  /** The cookie's expiry, else (a browser-session cookie) now + `sessionkit.ttl`. */
  #expiresAt(session: object, now: number): number {
    const expires = (session as { cookie?: { expires?: unknown } }).cookie?.expires
    const at =
      expires instanceof Date
        ? expires.getTime()
        : typeof expires === 'string'
          ? Date.parse(expires)
          : NaN
    return Number.isFinite(at) ? at : now + this.#extras.ttlMs
  }
}

function createdAtOf(session: object): number | undefined {
  const createdAt = (session as { cookie?: { createdAt?: unknown } }).cookie?.createdAt
  return typeof createdAt === 'number' ? createdAt : undefined
}
