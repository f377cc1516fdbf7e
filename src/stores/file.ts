/**
 * A store on the local file system: one private file per session, named by the hex form of the
 * store key, sharded in 256 directories; atomic writes; compare-and-set and locks across
 * processes through lease files; a user index of marker files; scans and gc by directory walks.
 */
import { ConfigError, type ConfigIssue, SessionError, StoreUnavailable } from '../core/errors.js'
import type {
  SessionRecord,
  Store,
  StoreCapabilities,
  StoreLock,
  StoreLockOptions,
  StoreScanOptions,
  StoreSetOptions,
} from '../core/store.js'
import { UnsafeDirectory } from './file-paths.js'
import { FileRecords } from './file-records.js'
import { collectGarbage, scanRecords } from './file-walk.js'
import { keyToHex } from './key-hex.js'
import { assertLimit, assertRecord, assertTtl } from './record-check.js'

/** Options of {@link createFileStore}. */
export interface FileStoreOptions {
  /** The directory to keep sessions in; created (mode 0700) if missing. Use a private one. */
  dir: string
  /**
   * Flush every write (the file, then its directory entry) to disk before resolving. Without it
   * a power loss can lose recent writes, but never leaves a half-written record visible.
   * @default false
   */
  fsync?: boolean
  /**
   * The store's clock (ms since the epoch); record expiry and lock ttls are judged by it.
   * @default Date.now
   */
  now?: () => number
}

const CAPABILITIES: StoreCapabilities = Object.freeze({
  compareAndSet: true,
  nativeExpiry: false,
  lock: true,
  userIndex: true,
  scan: true,
})

class FileStore implements Store {
  readonly capabilities = CAPABILITIES
  readonly #records: FileRecords

  constructor(records: FileRecords) {
    this.#records = records
  }

  async get(key: string): Promise<SessionRecord | null> {
    const hex = keyToHex(key)
    if (hex === null) return null
    const records = this.#records
    return op('get', async () => {
      await records.setup()
      const record = await records.read(hex, false)
      return record !== null && record.expiresAt > records.now() ? record : null
    })
  }

  async set(key: string, record: SessionRecord, options?: StoreSetOptions): Promise<boolean> {
    assertRecord(record)
    const hex = requireHex(key)
    const ifVersion = options?.ifVersion
    const records = this.#records
    const refused = (current: SessionRecord | null | 'corrupt') => {
      if (ifVersion === undefined || current === 'corrupt') return false
      const live = current !== null && current.expiresAt > records.now() ? current : null
      return ifVersion === 0 ? live !== null : live?.version !== ifVersion
    }
    // A compare-and-set that fails on a plain read fails at that instant: only one that may
    // succeed pays for the write lease (and is checked again under it). Under contention the
    // check is repeated once the writers queued ahead in this process are done.
    const precheck = { when: async () => refused(await records.peek(hex)), skipped: false }
    return op('set', async () => {
      if (await precheck.when()) return false
      return records.write(
        hex,
        async () => {
          const old = await records.read(hex, true)
          if (refused(old)) return false
          // Marker first, record next, old marker last: a crash leaves at most an extra marker,
          // which listByUser and gc prune; never a record missing from its user's index.
          if (record.userId !== undefined && record.userId !== old?.userId) {
            await records.users.mark(record.userId, hex)
          }
          await records.put(hex, record)
          if (old?.userId !== undefined && old.userId !== record.userId) {
            await records.users.unmark(old.userId, hex)
          }
          return true
        },
        ifVersion === undefined ? undefined : precheck,
      )
    })
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number): Promise<void> {
    const hex = keyToHex(key)
    if (hex === null) return
    const records = this.#records
    await op('touch', () =>
      records.write(hex, async () => {
        const old = await records.read(hex, true)
        if (old === null || old.expiresAt <= records.now()) return
        const next: SessionRecord = { ...old, expiresAt }
        if (old.meta !== undefined) next.meta = { ...old.meta, lastSeenAt }
        await records.put(hex, next)
      }),
    )
  }

  async destroy(key: string): Promise<void> {
    const hex = keyToHex(key)
    if (hex === null) return
    const records = this.#records
    await op('destroy', () => records.write(hex, () => records.remove(hex)))
  }

  async lock(key: string, options: StoreLockOptions): Promise<StoreLock | null> {
    assertTtl(options.ttl)
    const hex = requireHex(key)
    const records = this.#records
    const path = records.layout.lock(hex)
    const token = await op('lock', async () => {
      await records.setup()
      await records.dir(records.layout.lockShard(hex))
      return records.locks.acquire(path, options.ttl)
    })
    if (token === null) return null
    return {
      token,
      refresh: async (ttl) => {
        assertTtl(ttl)
        return op('lock refresh', () => records.locks.refresh(path, token, ttl))
      },
      release: () => op('lock release', () => records.locks.release(path, token)),
    }
  }

  async listByUser(userId: string): Promise<Array<[string, SessionRecord]>> {
    const records = this.#records
    return op('listByUser', async () => {
      await records.setup()
      return records.users.list(userId)
    })
  }

  async destroyByUser(userId: string, except: readonly string[] = []): Promise<number> {
    const keep = new Set(except.map(keyToHex).filter((hex) => hex !== null))
    const records = this.#records
    return op('destroyByUser', async () => {
      await records.setup()
      let count = 0
      for (const hex of await records.users.markers(userId)) {
        if (keep.has(hex)) continue
        const destroyed = await records.write(hex, async () => {
          const record = await records.read(hex, true)
          if (record?.userId !== userId) {
            await records.users.unmark(userId, hex)
            return false
          }
          await records.remove(hex)
          return record.expiresAt > records.now()
        })
        if (destroyed) count++
      }
      return count
    })
  }

  /** Key-byte order; the cursor is the last key yielded. */
  async *scan(options: StoreScanOptions = {}): AsyncIterable<[string, SessionRecord]> {
    assertLimit(options.limit)
    const entries = scanRecords(this.#records, options)
    for (;;) {
      const next = await op('scan', () => entries.next())
      if (next.done === true) return
      yield next.value
    }
  }

  /**
   * Delete expired records (resolving their count) and what crashed writers left behind: old
   * temp files, stale leases, user-index markers of gone records, empty user directories.
   */
  async gc(): Promise<number> {
    return op('gc', () => collectGarbage(this.#records))
  }

  /** Nothing to release: the store holds no open handles between calls. */
  async close(): Promise<void> {}
}

/** Run a file-system operation; failures reject with StoreUnavailable (BI-22), cause kept. */
async function op<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    if (SessionError.is(error) || error instanceof TypeError) throw error
    const code = (error as NodeJS.ErrnoException)?.code
    const detail =
      error instanceof UnsafeDirectory ? `: ${error.message}` : code ? ` (${code})` : ''
    throw new StoreUnavailable(`file store ${operation} failed${detail}`, { cause: error })
  }
}

function requireHex(key: string): string {
  const hex = keyToHex(key)
  if (hex === null) throw new TypeError('file store: invalid store key')
  return hex
}

/**
 * A file-system store: one file per session under `dir`. Several processes may share a
 * directory on a local file system: compare-and-set and locks go through lease files.
 * Expired records stay on disk until `gc()` (never returned in the meantime): run it from a
 * timer or a cron job.
 *
 * @example
 * ```ts
 * import { createSessions } from 'sessionkit'
 * import { createFileStore } from 'sessionkit/stores/file'
 *
 * const store = createFileStore({ dir: '/var/lib/myapp/sessions' })
 * const sessions = createSessions({ store })
 * setInterval(() => store.gc?.(), 15 * 60_000).unref()
 * ```
 * @throws {ConfigError} listing every invalid option.
 */
export function createFileStore(options: FileStoreOptions): Store {
  const issues: ConfigIssue[] = []
  const { dir, fsync = false, now = Date.now } = options ?? ({} as FileStoreOptions)
  if (typeof dir !== 'string' || dir.length === 0 || dir.includes('\0')) {
    issues.push({ path: 'dir', message: 'expected a non-empty directory path' })
  }
  if (typeof fsync !== 'boolean') issues.push({ path: 'fsync', message: 'expected a boolean' })
  if (typeof now !== 'function') issues.push({ path: 'now', message: 'expected a function' })
  if (issues.length > 0) throw new ConfigError(issues)
  return new FileStore(new FileRecords(dir, fsync, now))
}
