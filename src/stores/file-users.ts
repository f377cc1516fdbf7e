/**
 * The file store's user index: an empty marker file `users/<sha256(userId)>/<key hex>` per
 * session bound to a user. Markers are written before the record and removed after it, so the
 * index may hold extra markers (after a crash or a concurrent rebinding) but never misses a
 * record; extra ones are pruned lazily, each under its record's write lease.
 */
import { createHash } from 'node:crypto'
import { open, rmdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { SessionRecord } from '../core/store.js'
import { removeFile } from './file-io.js'
import { CREATE_FLAGS, MARKER_NAME } from './file-paths.js'
import type { FileRecords } from './file-records.js'
import { listNames } from './file-walk.js'
import { hexToKey } from './key-hex.js'

const USER_DIR_NAME = /^[0-9a-f]{64}$/

const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException)?.code

const userHash = (userId: string) => createHash('sha256').update(userId, 'utf8').digest('hex')

/** The user index of one file store. */
export class FileUserIndex {
  readonly #records: FileRecords

  constructor(records: FileRecords) {
    this.#records = records
  }

  /** Add the marker of `hex` for `userId` (idempotent). */
  async mark(userId: string, hex: string): Promise<void> {
    const dir = this.#records.layout.userDir(userId)
    for (let attempt = 0; ; attempt++) {
      await this.#records.dir(dir)
      try {
        await (await open(join(dir, hex), CREATE_FLAGS, 0o600)).close()
        return
      } catch (error) {
        const code = errno(error)
        if (code === 'EEXIST') return
        // gc removed the (empty) user directory after we checked it: create it again.
        if (code !== 'ENOENT' || attempt >= 2) throw error
        this.#records.forgetDir(dir)
      }
    }
  }

  /** Remove the marker of `hex` for `userId`. */
  async unmark(userId: string, hex: string): Promise<void> {
    await removeFile(join(this.#records.layout.userDir(userId), hex))
  }

  /** The record hexes marked for `userId`, sorted. */
  markers(userId: string): Promise<string[]> {
    return listNames(this.#records.layout.userDir(userId), MARKER_NAME)
  }

  /** The user's live records; markers of records gone or rebound are pruned. */
  async list(userId: string): Promise<Array<[string, SessionRecord]>> {
    const out: Array<[string, SessionRecord]> = []
    const now = this.#records.now()
    for (const hex of await this.markers(userId)) {
      const record = await this.#records.read(hex, false)
      if (record?.userId === userId) {
        if (record.expiresAt > now) out.push([hexToKey(hex), record])
      } else {
        await this.#pruneMarker(this.#records.layout.userDir(userId), hex)
      }
    }
    return out
  }

  /** gc: prune every marker whose record is gone or bound elsewhere; drop empty user dirs. */
  async prune(): Promise<void> {
    const { users } = this.#records.layout
    for (const hash of await listNames(users, USER_DIR_NAME)) {
      const dir = join(users, hash)
      for (const hex of await listNames(dir, MARKER_NAME)) await this.#pruneMarker(dir, hex)
      try {
        await rmdir(dir)
        this.#records.forgetDir(dir)
      } catch (error) {
        const code = errno(error)
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error
      }
    }
  }

  /** Remove the marker `dir/hex` unless its record (re-read under the lease) belongs there. */
  async #pruneMarker(dir: string, hex: string): Promise<void> {
    const hash = basename(dir)
    await this.#records.write(hex, async () => {
      const record = await this.#records.read(hex, true)
      if (record?.userId !== undefined && userHash(record.userId) === hash) return
      await removeFile(join(dir, hex))
    })
  }
}
