/**
 * The record files of the file store: reading them safely, writing them atomically under a
 * per-record write lease, and the private directories they live in. Shared by the store, its
 * user index and its directory walks (scan, gc).
 */
import { debuglog } from 'node:util'
import type { SessionRecord } from '../core/store.js'
import { readPrivate, removeFile, writeAtomic } from './file-io.js'
import { LeaseFiles } from './file-lease.js'
import { ensureBaseDir, ensurePrivateDir, FileLayout } from './file-paths.js'
import { FileUserIndex } from './file-users.js'
import { KeyedQueue } from './keyed-queue.js'
import { decodeRecord, encodeRecord } from './record-json.js'

const debug = debuglog('sessionkit')

// The write lease guards a read-compare-rename that takes milliseconds; one left by a crashed
// process blocks writes to that one session for at most this long (real time, not `now`).
const WRITE_LEASE_TTL_MS = 10_000
const WRITE_WAIT_MS = 10_000

/** Record files under one directory. */
export class FileRecords {
  readonly layout: FileLayout
  /** The store's clock: record expiry and user-visible locks. */
  readonly now: () => number
  /** Leases of `store.lock()`, judged by the store's clock. */
  readonly locks: LeaseFiles
  /** Internal write leases, judged by real time. */
  readonly writes = new LeaseFiles(Date.now)
  readonly users: FileUserIndex
  readonly #fsync: boolean
  readonly #queue = new KeyedQueue()
  readonly #dirs = new Map<string, Promise<void>>()
  #ready: Promise<void> | undefined

  constructor(dir: string, fsync: boolean, now: () => number) {
    this.layout = new FileLayout(dir)
    this.now = now
    this.#fsync = fsync
    this.locks = new LeaseFiles(now)
    this.users = new FileUserIndex(this)
  }

  /** Create and check the base directory and its top-level directories (once). */
  setup(): Promise<void> {
    if (this.#ready === undefined) {
      const { base, sessions, locks, users } = this.layout
      this.#ready = ensureBaseDir(base).then(async () => {
        for (const dir of [sessions, locks, users]) await ensurePrivateDir(dir)
      })
      this.#ready.catch(() => {
        this.#ready = undefined
      })
    }
    return this.#ready
  }

  /** Create (once per store) and check a private directory. */
  dir(path: string): Promise<void> {
    let done = this.#dirs.get(path)
    if (done === undefined) {
      done = ensurePrivateDir(path)
      done.catch(() => this.#dirs.delete(path))
      this.#dirs.set(path, done)
    }
    return done
  }

  /** Check `path` again on next use (it was removed). */
  forgetDir(path: string): void {
    this.#dirs.delete(path)
  }

  /**
   * The record of `hex`, live or not; null when missing, refused (BI-20) or corrupt. A corrupt
   * file is removed (BI-21): at once when `locked` (the caller holds the write lease), else
   * after re-reading it under the lease.
   */
  async read(hex: string, locked: boolean): Promise<SessionRecord | null> {
    const record = await this.peek(hex)
    if (record !== 'corrupt') return record
    debug('file store: removing corrupt record file %s…', hex.slice(0, 8))
    if (locked) await removeFile(this.layout.record(hex))
    else await this.write(hex, () => this.read(hex, true))
    return null
  }

  /** Like {@link read}, but a corrupt file is reported, not removed. */
  async peek(hex: string): Promise<SessionRecord | null | 'corrupt'> {
    const found = await readPrivate(this.layout.record(hex))
    if (found.kind === 'missing') return null
    if (found.kind === 'refused') {
      debug('file store: refused record file %s… (%s)', hex.slice(0, 8), found.reason)
      return null
    }
    return decodeRecord(found.text) ?? 'corrupt'
  }

  /** Replace the record of `hex` atomically; call holding its write lease. */
  async put(hex: string, record: SessionRecord): Promise<void> {
    await writeAtomic(this.layout.record(hex), encodeRecord(record), this.#fsync)
  }

  /** Remove the record of `hex` and its user marker; call holding its write lease. */
  async remove(hex: string): Promise<void> {
    const record = await this.read(hex, true)
    await removeFile(this.layout.record(hex))
    if (record?.userId !== undefined) await this.users.unmark(record.userId, hex)
  }

  /**
   * Run `fn` holding the write lease of `hex`: callers in this process queue in order; other
   * processes are excluded by the lease file. A caller that had to queue may first `skip`
   * (resolving `skipped`) when a cheap check shows that `fn` would change nothing.
   */
  write<T>(
    hex: string,
    fn: () => Promise<T>,
    skip?: { when(): Promise<boolean>; skipped: T },
  ): Promise<T> {
    return this.#queue.run(hex, async (waited) => {
      if (waited && skip !== undefined && (await skip.when())) return skip.skipped
      await this.setup()
      await this.dir(this.layout.recordShard(hex))
      const lease = this.layout.writeLease(hex)
      const token = await this.writes.acquireWaiting(lease, WRITE_LEASE_TTL_MS, WRITE_WAIT_MS)
      const acquiredAt = Date.now()
      try {
        return await fn()
      } finally {
        // Nobody else removes or replaces a lease before it expires, so well within its ttl
        // the holder unlinks it without the guarded re-check. A lease left behind by a failed
        // release expires by itself; the write already happened.
        const release =
          Date.now() - acquiredAt < WRITE_LEASE_TTL_MS / 2
            ? removeFile(lease)
            : this.writes.release(lease, token)
        await release.catch((error: unknown) => {
          debug('file store: releasing a write lease failed: %s', (error as Error).message)
        })
      }
    })
  }
}
