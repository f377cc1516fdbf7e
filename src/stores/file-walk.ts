/**
 * Directory walks of the file store: scans in key order and garbage collection.
 */
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { SessionRecord, StoreScanOptions } from '../core/store.js'
import { removeFile } from './file-io.js'
import type { LeaseFiles } from './file-lease.js'
import { RECORD_NAME, SHARD_NAME } from './file-paths.js'
import type { FileRecords } from './file-records.js'
import { hexToKey, keyToHex } from './key-hex.js'

// A temp file younger than this may belong to a write in progress.
const TEMP_STALE_MS = 60_000
const GUARD_STALE_MS = 10_000

const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException)?.code

/** Sorted entry names of `dir` (matching `pattern`, if given); none when it does not exist. */
export async function listNames(dir: string, pattern?: RegExp): Promise<string[]> {
  try {
    const names = await readdir(dir)
    return (pattern === undefined ? names : names.filter((n) => pattern.test(n))).sort()
  } catch (error) {
    if (errno(error) === 'ENOENT') return []
    throw error
  }
}

/**
 * Live records in key-byte order (hex file names sort like the key bytes), after `cursor`.
 * Each shard directory is listed when the walk reaches it.
 * @throws {TypeError} for a cursor that is not a store key.
 */
export async function* scanRecords(
  records: FileRecords,
  options: StoreScanOptions,
): AsyncGenerator<[string, SessionRecord]> {
  const after = options.cursor === undefined ? '' : keyToHex(options.cursor)
  if (after === null) throw new TypeError('file store: invalid scan cursor')
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  const { sessions } = records.layout
  await records.setup()
  let yielded = 0
  for (const shard of await listNames(sessions, SHARD_NAME)) {
    if (shard < after.slice(0, 2)) continue
    for (const name of await listNames(join(sessions, shard), RECORD_NAME)) {
      const hex = name.slice(0, 64)
      if (hex <= after) continue
      const record = await records.read(hex, false)
      if (record === null || record.expiresAt <= records.now()) continue
      yield [hexToKey(hex), record]
      if (++yielded >= limit) return
    }
  }
}

/**
 * Delete expired records (the count resolved) and what crashed writers left behind: stale temp
 * files, leases and guards, user-index markers of gone records, empty user directories.
 */
export async function collectGarbage(records: FileRecords): Promise<number> {
  await records.setup()
  let count = 0
  const { sessions, locks } = records.layout
  for (const shard of await listNames(sessions, SHARD_NAME)) {
    const dir = join(sessions, shard)
    for (const name of await listNames(dir)) {
      if (RECORD_NAME.test(name)) {
        if (await collectRecord(records, name.slice(0, 64))) count++
      } else await sweepFile(dir, name, records.writes)
    }
  }
  for (const shard of await listNames(locks, SHARD_NAME)) {
    const dir = join(locks, shard)
    for (const name of await listNames(dir)) await sweepFile(dir, name, records.locks)
  }
  await records.users.prune()
  return count
}

/** Remove the record of `hex` if it is expired (checked again under its write lease). */
async function collectRecord(records: FileRecords, hex: string): Promise<boolean> {
  const record = await records.read(hex, false)
  if (record === null || record.expiresAt > records.now()) return false
  return records.write(hex, async () => {
    const again = await records.read(hex, true)
    if (again === null || again.expiresAt > records.now()) return false
    await records.remove(hex)
    return true
  })
}

/** One non-record entry: old temp files and guards, stale lease files. */
async function sweepFile(dir: string, name: string, leases: LeaseFiles): Promise<void> {
  const path = join(dir, name)
  if (name.endsWith('.tmp') || name.endsWith('.guard')) {
    const age = await ageMs(path)
    if (age > (name.endsWith('.tmp') ? TEMP_STALE_MS : GUARD_STALE_MS)) await removeFile(path)
  } else if (name.endsWith('.write') || name.endsWith('.lock')) {
    await leases.removeIfStale(path)
  }
}

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await lstat(path)).mtimeMs
  } catch (error) {
    if (errno(error) === 'ENOENT') return 0
    throw error
  }
}
