/**
 * A user → keys index for stores that keep records in process memory.
 */

/** Which keys belong to which user; kept in step with writes, deletes, eviction and expiry. */
export class UserIndex {
  readonly #byUser = new Map<string, Set<string>>()

  /** The user's keys (a copy, safe to iterate while the index changes). */
  keys(userId: string): string[] {
    const keys = this.#byUser.get(userId)
    return keys === undefined ? [] : [...keys]
  }

  /** Move `key` from user `from` to user `to` (either may be undefined: no user). */
  move(key: string, from: string | undefined, to: string | undefined): void {
    if (from === to) return
    if (from !== undefined) {
      const keys = this.#byUser.get(from)
      keys?.delete(key)
      if (keys?.size === 0) this.#byUser.delete(from)
    }
    if (to !== undefined) {
      const keys = this.#byUser.get(to)
      if (keys === undefined) this.#byUser.set(to, new Set([key]))
      else keys.add(key)
    }
  }
}
