/**
 * Lease files: cross-process locks for the file store. A lease is a file holding an owner token
 * and an expiry, created atomically (written to a temp file, then `link`ed into place, which
 * fails if a lease exists: the `O_EXCL` rule with no half-written lease ever visible). A stale
 * lease (past its expiry, or unreadable) is taken over, so a dead holder blocks no one for long.
 *
 * Removing or replacing a lease — release, refresh, takeover — happens under a momentary guard
 * file (`<lease>.guard`, also `O_EXCL`), after re-reading the lease: between that check and the
 * unlink nobody else can remove or replace it, and nobody can create one while it exists. So two
 * processes that both saw a stale lease cannot both take it, and a holder whose lease expired
 * cannot release its successor's. A guard is held for a few system calls; one older than 10 s
 * was left by a crashed process and is removed.
 */
import { randomBytes, randomInt } from 'node:crypto'
import { link, lstat, open } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { StoreUnavailable } from '../core/errors.js'
import { readPrivate, removeFile, tempPath, writeAtomic, writeNew } from './file-io.js'
import { CREATE_FLAGS } from './file-paths.js'

const GUARD_STALE_MS = 10_000
const GUARD_WAIT_MS = 5_000

interface LeaseContent {
  token: string
  expiresAt: number
}

const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException)?.code

/** Lease files judged by one clock (ms since the epoch). */
export class LeaseFiles {
  readonly #now: () => number

  constructor(now: () => number) {
    this.#now = now
  }

  /** Try once to take the lease at `path` for `ttl` ms: the owner token, or null when held. */
  async acquire(path: string, ttl: number): Promise<string | null> {
    const token = randomBytes(18).toString('base64url')
    const content = () => ({ token, expiresAt: this.#now() + ttl })
    if (await this.#create(path, content())) return token
    const current = await this.#read(path)
    if (current !== null && !this.#stale(current)) return null
    await this.#guarded(path, async () => {
      const again = await this.#read(path)
      if (again !== null && this.#stale(again)) await removeFile(path)
    })
    return (await this.#create(path, content())) ? token : null
  }

  /** Take the lease, retrying with jittered backoff for up to `waitMs`. */
  async acquireWaiting(path: string, ttl: number, waitMs: number): Promise<string> {
    const deadline = Date.now() + waitMs
    for (let attempt = 0; ; attempt++) {
      const token = await this.acquire(path, ttl)
      if (token !== null) return token
      if (Date.now() >= deadline) {
        throw new StoreUnavailable('file store: a record stayed locked by another writer')
      }
      await sleep(randomInt(0, Math.min(2 ** attempt, 25) + 1))
    }
  }

  /** Extend the lease to `ttl` ms from now if `token` still holds it and it has not expired. */
  async refresh(path: string, token: string, ttl: number): Promise<boolean> {
    return this.#guarded(path, async () => {
      const current = await this.#read(path)
      if (current === null || current === 'corrupt' || current.token !== token) return false
      if (this.#stale(current)) return false
      const next: LeaseContent = { token, expiresAt: this.#now() + ttl }
      await writeAtomic(path, JSON.stringify(next), false)
      return true
    })
  }

  /** Remove the lease if `token` still holds it (expired or not). */
  async release(path: string, token: string): Promise<void> {
    await this.#guarded(path, async () => {
      const current = await this.#read(path)
      if (current !== null && current !== 'corrupt' && current.token === token) {
        await removeFile(path)
      }
    })
  }

  /** Remove the lease if it is stale (for gc); true when removed. */
  async removeIfStale(path: string): Promise<boolean> {
    return this.#guarded(path, async () => {
      const current = await this.#read(path)
      return current !== null && this.#stale(current) && (await removeFile(path))
    })
  }

  #stale(lease: LeaseContent | 'corrupt'): boolean {
    return lease === 'corrupt' || lease.expiresAt <= this.#now()
  }

  async #read(path: string): Promise<LeaseContent | 'corrupt' | null> {
    const found = await readPrivate(path)
    if (found.kind === 'missing') return null
    if (found.kind === 'refused') return 'corrupt'
    try {
      const value = JSON.parse(found.text) as Partial<LeaseContent> | null
      if (typeof value?.token === 'string' && Number.isFinite(value.expiresAt)) {
        return { token: value.token, expiresAt: value.expiresAt as number }
      }
    } catch {
      // fall through: an unreadable lease protects nothing and is stale
    }
    return 'corrupt'
  }

  /** Put `content` at `path` unless a lease is there; the lease appears whole or not at all. */
  async #create(path: string, content: LeaseContent): Promise<boolean> {
    const temp = tempPath(path)
    await writeNew(temp, JSON.stringify(content), false)
    try {
      await link(temp, path)
      return true
    } catch (error) {
      if (errno(error) === 'EEXIST') return false
      throw error
    } finally {
      await removeFile(temp).catch(() => {})
    }
  }

  async #guarded<T>(path: string, fn: () => Promise<T>): Promise<T> {
    const guard = `${path}.guard`
    const deadline = Date.now() + GUARD_WAIT_MS
    for (let attempt = 0; ; attempt++) {
      try {
        await (await open(guard, CREATE_FLAGS, 0o600)).close()
        break
      } catch (error) {
        if (errno(error) !== 'EEXIST') throw error
      }
      if (await staleGuard(guard)) continue
      if (Date.now() >= deadline)
        throw new StoreUnavailable('file store: a lease guard stayed busy')
      await sleep(randomInt(0, Math.min(2 ** attempt, 10) + 1))
    }
    try {
      return await fn()
    } finally {
      await removeFile(guard)
    }
  }
}

/** Remove a guard left by a crashed process; true when the guard is gone (retry at once). */
async function staleGuard(guard: string): Promise<boolean> {
  try {
    const info = await lstat(guard)
    if (Date.now() - info.mtimeMs <= GUARD_STALE_MS) return false
    await removeFile(guard)
    return true
  } catch (error) {
    if (errno(error) === 'ENOENT') return true
    throw error
  }
}
