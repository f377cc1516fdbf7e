/**
 * File primitives of the file store: reading only private regular files, atomic writes
 * (temp file + rename), and unlinking that tolerates absence.
 */
import { randomBytes } from 'node:crypto'
import { open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { CREATE_FLAGS, processUid, READ_FLAGS } from './file-paths.js'

/** What reading a store file found. */
export type ReadResult =
  | { kind: 'ok'; text: string }
  | { kind: 'missing' }
  /** Present but not ours to trust: a symlink, not a regular file, foreign owner, loose mode. */
  | { kind: 'refused'; reason: string }

const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException)?.code

/**
 * Read `path` as UTF-8 if it is a regular file owned by this process's uid, without group or
 * other permission bits, reached without following a symlink (BI-20).
 */
export async function readPrivate(path: string): Promise<ReadResult> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, READ_FLAGS)
  } catch (error) {
    const code = errno(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' }
    if (code === 'ELOOP') return { kind: 'refused', reason: 'symlink' }
    throw error
  }
  try {
    const info = await handle.stat()
    if (!info.isFile()) return { kind: 'refused', reason: 'not a regular file' }
    if (processUid !== undefined && info.uid !== processUid) {
      return { kind: 'refused', reason: 'owned by another user' }
    }
    if ((info.mode & 0o077) !== 0) return { kind: 'refused', reason: 'group/other permissions' }
    // One read of the size fstat reported (plus one byte to notice growth) saves the extra
    // fstat and reads of FileHandle.readFile: this runs on every session load.
    let buffer = Buffer.allocUnsafe(info.size + 1)
    let length = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length)
      length += bytesRead
      if (bytesRead === 0 || length < buffer.length) break
      const grown = Buffer.allocUnsafe(buffer.length * 2)
      buffer.copy(grown, 0, 0, length)
      buffer = grown
    }
    return { kind: 'ok', text: buffer.toString('utf8', 0, length) }
  } finally {
    await handle.close()
  }
}

/** Remove `path`; true if it was there. */
export async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path)
    return true
  } catch (error) {
    if (errno(error) === 'ENOENT') return false
    throw error
  }
}

/** A fresh temp file name next to `path` (dot-prefixed, so scans never mistake it). */
export function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`)
}

/** Write `text` to a new private file at `path` (fails with EEXIST when present). */
export async function writeNew(path: string, text: string, fsync: boolean): Promise<void> {
  const handle = await open(path, CREATE_FLAGS, 0o600)
  try {
    await handle.writeFile(text, 'utf8')
    if (fsync) await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Replace `path` with `text` atomically: a reader sees the old file or the new one, never a
 * part (BI-21). On any failure the temp file is removed and the error rethrown (BI-22).
 * With `fsync`, the data and then the directory entry are flushed before resolving.
 */
export async function writeAtomic(path: string, text: string, fsync: boolean): Promise<void> {
  const temp = tempPath(path)
  try {
    await writeNew(temp, text, fsync)
    await rename(temp, path)
  } catch (error) {
    await removeFile(temp).catch(() => {})
    throw error
  }
  if (fsync) await syncDir(dirname(path))
}

/** Flush a directory's entries (a no-op where directories cannot be opened, e.g. Windows). */
async function syncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch (error) {
    if (process.platform !== 'win32') throw error
  } finally {
    await handle?.close()
  }
}
