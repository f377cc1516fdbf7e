/**
 * The contract between the core and a store. Stores are dumb: they persist records under keys
 * and never parse `data`; every policy (when to write, touch, destroy, merge) is the core's.
 * Stores never see a raw session id: keys are base64url(SHA-256(id)), 43 characters.
 */

/** Metadata the core keeps outside the (possibly encrypted) payload, for listings and audits. */
export interface RecordMeta {
  /** When the session was created (ms since epoch); survives regenerate. */
  createdAt: number
  /** When the session was last seen by a request that wrote or touched it (ms since epoch). */
  lastSeenAt: number
  /** Client IP as recorded under `recordClientInfo`. */
  ip?: string
  /** Client user agent as recorded under `recordClientInfo`. */
  userAgent?: string
}

/** One stored session. */
export interface SessionRecord {
  /** The envelope written by the core (format version, codec id, payload). Opaque to stores. */
  data: string
  /** Incremented by the core on every write; the basis of compare-and-set. */
  version: number
  /** Absolute expiry (ms since epoch). A store never returns a record past it. */
  expiresAt: number
  /** The user bound to the session, for the user index. */
  userId?: string
  /** Set on a record retired by `regenerate({ grace })`: the new id, sealed with the old id. */
  movedTo?: string
  /** Metadata outside the payload. */
  meta?: RecordMeta
}

/** What a store can do; the core and the conformance suite consult it. */
export interface StoreCapabilities {
  /** `set` honours `ifVersion` atomically. */
  compareAndSet: boolean
  /** The backend expires records by itself (no `gc` needed). */
  nativeExpiry: boolean
  /** `lock` is implemented. */
  lock: boolean
  /** `listByUser` and `destroyByUser` are implemented. */
  userIndex: boolean
  /** `scan` is implemented. */
  scan: boolean
  /** Records live in the client (cookie store). */
  clientSide?: boolean
}

/** Options of {@link Store.set}. */
export interface StoreSetOptions {
  /**
   * Write only if the stored version equals this number, atomically; `0` means create only
   * (no record, or only an expired one, under the key). Omitted: unconditional write.
   */
  ifVersion?: number
}

/** Options of {@link Store.lock}. */
export interface StoreLockOptions {
  /** Lock expiry in milliseconds. */
  ttl: number
}

/** An exclusive lock held on one key. */
export interface StoreLock {
  /** The owner token; only its holder can refresh or release the lock. */
  readonly token: string
  /**
   * Extend the expiry to `ttl` ms from now. False if the lock was lost: taken over, released,
   * or past its expiry (even if nobody took it since).
   */
  refresh(ttl: number): Promise<boolean>
  /** Release the lock if this token still holds it. */
  release(): Promise<void>
}

/** Options of {@link Store.scan}. */
export interface StoreScanOptions {
  /** Where a previous scan stopped (opaque). */
  cursor?: string
  /** Most entries to yield. */
  limit?: number
}

/**
 * What a client-side store (`createCookieStore`) asks of the core, which seals whole records into
 * the session cookie instead of calling the store's methods.
 */
export interface ClientSideSettings {
  /** Sealing keys (newest first); undefined: derived from the `secret` of `createSessions`. */
  readonly keys: string | readonly string[] | undefined
  /** Most bytes of `name=value` pairs across all of the session's cookies. */
  readonly maxCookieBytes: number
  /** Where revocations live (per-session deny entries and per-user not-before epochs). */
  readonly revocation: Store | undefined
}

/**
 * The persistence contract every store implements. All methods are awaited by the core. A backend
 * failure should reject (ideally with `StoreUnavailable`, keeping the driver error as `cause`);
 * the core turns any rejection into `StoreUnavailable`.
 */
export interface Store {
  /** What this store supports. */
  readonly capabilities: StoreCapabilities
  /**
   * The record under `key`, or null. Never a record that expired by the store's clock: a record
   * is live while `expiresAt > now`.
   */
  get(key: string): Promise<SessionRecord | null>
  /**
   * Write `record` under `key`. With `ifVersion`, a compare-and-set: resolves false (and writes
   * nothing) when the stored version differs; `ifVersion: 0` creates only.
   */
  set(key: string, record: SessionRecord, options?: StoreSetOptions): Promise<boolean>
  /**
   * Refresh expiry and last-seen time (`meta.lastSeenAt`) of a live record; never changes
   * `version`. A no-op for a missing or expired key.
   */
  touch(key: string, expiresAt: number, lastSeenAt: number): Promise<void>
  /** Remove the record (no error when absent). */
  destroy(key: string): Promise<void>
  /**
   * Try once to take an exclusive lock on `key`; resolves null when another owner holds a live
   * lock (an expired lock is taken over). Waiting and queueing are the core's job.
   */
  lock?(key: string, options: StoreLockOptions): Promise<StoreLock | null>
  /** Live records bound to `userId`, as `[key, record]` pairs. */
  listByUser?(userId: string): Promise<Array<[string, SessionRecord]>>
  /**
   * Destroy the user's records except the keys in `except`; resolves the number of live records
   * destroyed (expired ones may be removed too, uncounted).
   */
  destroyByUser?(userId: string, except?: readonly string[]): Promise<number>
  /**
   * Iterate live records over a snapshot of keys, in a stable order. To resume a paged scan,
   * pass the last key yielded as `cursor`: the scan continues after it.
   */
  scan?(options?: StoreScanOptions): AsyncIterable<[string, SessionRecord]>
  /** Delete expired records; resolves how many were deleted. */
  gc?(): Promise<number>
  /** Release connections, timers and handles. */
  close?(): Promise<void>
  /** Present on client-side stores (`capabilities.clientSide`): how the core seals records. */
  readonly clientSide?: ClientSideSettings
}
