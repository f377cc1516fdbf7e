/**
 * The store a request sees when sessions live in the cookie (`createCookieStore`): the records
 * opened from the request's cookie, plus whatever the request writes. Compare-and-set holds
 * within the request (a regenerate racing itself still has one winner); across requests the
 * browser keeps the last response's cookie (last write wins, as documented). What changed is
 * sealed into `Set-Cookie` by `finalize` (client-side.ts); destroying or retiring an id also
 * writes a deny entry when a revocation store is configured.
 */
import type { Revocations } from './revocation.js'
import type { SessionRecord, Store, StoreCapabilities, StoreSetOptions } from './store.js'

const CAPABILITIES: StoreCapabilities = Object.freeze({
  compareAndSet: true,
  nativeExpiry: true,
  lock: false,
  userIndex: false,
  scan: false,
  clientSide: true,
})

/** A request-scoped store over the session carried by the request's cookies. */
export class CookieJar implements Store {
  readonly capabilities = CAPABILITIES
  readonly #records = new Map<string, SessionRecord>()
  readonly #now: () => number
  readonly #revocations: Revocations | null
  /** The key whose record must be sent, or null. */
  #dirty: string | null = null
  /** When the session last passed its user's revocation epoch; sealed with the record. */
  stamp: number | undefined

  constructor(
    now: () => number,
    revocations: Revocations | null,
    incoming: { key: string; record: SessionRecord; stamp: number | undefined } | null,
  ) {
    this.#now = now
    this.#revocations = revocations
    if (incoming) {
      this.#records.set(incoming.key, incoming.record)
      this.stamp = incoming.stamp
    }
  }

  #live(key: string): SessionRecord | null {
    const record = this.#records.get(key)
    return record !== undefined && record.expiresAt > this.#now() ? record : null
  }

  async get(key: string): Promise<SessionRecord | null> {
    return this.#live(key)
  }

  async set(key: string, record: SessionRecord, options?: StoreSetOptions): Promise<boolean> {
    const current = this.#live(key)
    const ifVersion = options?.ifVersion
    if (ifVersion === 0 && current !== null) return false
    if (ifVersion !== undefined && ifVersion !== 0 && current?.version !== ifVersion) return false
    if (record.movedTo !== undefined) {
      // A retired id: the browser gets the new cookie; copies of the old one are refused once
      // the grace window (the tombstone's expiry) ends.
      this.#records.set(key, record)
      if (this.#dirty === key) this.#dirty = null
      if (current) await this.#deny(key, record.expiresAt, current)
      return true
    }
    this.put(key, record)
    return true
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number): Promise<void> {
    const current = this.#live(key)
    if (current === null) return
    this.put(key, {
      ...current,
      expiresAt,
      meta: { ...current.meta, createdAt: current.meta?.createdAt ?? lastSeenAt, lastSeenAt },
    })
  }

  async destroy(key: string): Promise<void> {
    const current = this.#live(key)
    this.#records.delete(key)
    if (this.#dirty === key) this.#dirty = null
    if (current) await this.#deny(key, this.#now(), current)
  }

  async #deny(key: string, from: number, record: SessionRecord): Promise<void> {
    if (this.#revocations === null) return
    await this.#revocations.deny(key, from, record.meta?.createdAt ?? this.#now())
  }

  /** Record `record` under `key` as the one this response sends. */
  put(key: string, record: SessionRecord): void {
    this.#records.set(key, record)
    this.#dirty = key
  }

  /** Send the record under `key` on this response even if nothing changed. */
  markDirty(key: string): void {
    if (this.#records.has(key)) this.#dirty = key
  }

  /** The record this response must send for `key`, if it changed (or `force`). */
  recordToSend(key: string, force: boolean): SessionRecord | null {
    if (this.#dirty !== key && !force) return null
    return this.#live(key)
  }
}
