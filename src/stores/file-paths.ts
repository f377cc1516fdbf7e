/**
 * Where the file store keeps things, and the checks that keep it there. Every name is derived
 * from a validated store key in lowercase hex, so hostile input cannot name a path (BI-16..19).
 *
 * ```
 * <dir>/sessions/<hh>/<hex>.json        one record per session (0600)
 * <dir>/sessions/<hh>/<hex>.write       the short internal write lease of that record
 * <dir>/locks/<hh>/<hex>.lock           the lease of `store.lock(key)`
 * <dir>/users/<sha256(userId)>/<hex>    empty markers: the user index
 * ```
 */
import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { chmod, lstat, mkdir, stat } from 'node:fs/promises'
import { join, resolve, sep } from 'node:path'

/** A record file name. */
export const RECORD_NAME = /^[0-9a-f]{64}\.json$/
/** A user-index marker name. */
export const MARKER_NAME = /^[0-9a-f]{64}$/
/** A shard directory name. */
export const SHARD_NAME = /^[0-9a-f]{2}$/

/** `O_NOFOLLOW` where the platform has it (0 elsewhere). */
export const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0
// A FIFO planted at a record path would block a plain read-only open forever.
const O_NONBLOCK = constants.O_NONBLOCK ?? 0
/** Flags for reading a store file: no symlinks, never block. */
export const READ_FLAGS = constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK
/** Flags for creating a store file: new, no symlinks. */
export const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW

/** The effective uid of this process, or undefined where there are none (Windows). */
export const processUid: number | undefined = process.geteuid?.() ?? process.getuid?.()

/** Paths of the store's files under one base directory. */
export class FileLayout {
  /** The absolute base directory. */
  readonly base: string
  /** Root of the record shards. */
  readonly sessions: string
  /** Root of the lock shards. */
  readonly locks: string
  /** Root of the user index. */
  readonly users: string

  constructor(dir: string) {
    this.base = resolve(dir)
    this.sessions = join(this.base, 'sessions')
    this.locks = join(this.base, 'locks')
    this.users = join(this.base, 'users')
  }

  /** The record shard directory of `hex`. */
  recordShard(hex: string): string {
    return this.#inside(join(this.sessions, hex.slice(0, 2)))
  }

  /** The record file of `hex`. */
  record(hex: string): string {
    return this.#inside(join(this.sessions, hex.slice(0, 2), `${hex}.json`))
  }

  /** The internal write lease of `hex`. */
  writeLease(hex: string): string {
    return this.#inside(join(this.sessions, hex.slice(0, 2), `${hex}.write`))
  }

  /** The lock shard directory of `hex`. */
  lockShard(hex: string): string {
    return this.#inside(join(this.locks, hex.slice(0, 2)))
  }

  /** The user-visible lock lease of `hex`. */
  lock(hex: string): string {
    return this.#inside(join(this.locks, hex.slice(0, 2), `${hex}.lock`))
  }

  /** The index directory of a user (named by the SHA-256 of the user id). */
  userDir(userId: string): string {
    const hash = createHash('sha256').update(userId, 'utf8').digest('hex')
    return this.#inside(join(this.users, hash))
  }

  /** Defence in depth (BI-16): a built path must resolve to a strict descendant of the base. */
  #inside(path: string): string {
    const full = resolve(this.base, path)
    if (!full.startsWith(this.base + sep)) throw new Error('file store path escapes its directory')
    return full
  }
}

/** Thrown when a directory the store uses is not safely its own. */
export class UnsafeDirectory extends Error {}

/**
 * Create `path` (mode 0700) if needed and check it: a real directory (not a symlink) owned by
 * this process's uid; group/other permission bits are removed (BI-20).
 */
export async function ensurePrivateDir(path: string): Promise<void> {
  try {
    await mkdir(path, { mode: 0o700 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const info = await lstat(path)
  if (!info.isDirectory()) throw new UnsafeDirectory('file store: a store path is not a directory')
  if (processUid !== undefined && info.uid !== processUid) {
    throw new UnsafeDirectory('file store: a store directory is owned by another user')
  }
  if ((info.mode & 0o077) !== 0) await chmod(path, 0o700)
}

/** Create the base directory (0700 when created here) and check that it is a directory. */
export async function ensureBaseDir(base: string): Promise<void> {
  await mkdir(base, { recursive: true, mode: 0o700 })
  const info = await stat(base)
  if (!info.isDirectory()) throw new UnsafeDirectory('file store: dir is not a directory')
}
