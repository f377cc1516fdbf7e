/**
 * A store wrapper that moves sessions from one store to another while the application runs:
 * each session moves over on its first read, so nobody is logged out by the switch.
 */
import { ConfigError, type ConfigIssue } from '../core/errors.js'
import type { SessionRecord, Store, StoreScanOptions, StoreSetOptions } from '../core/store.js'
import { assertLimit } from './record-check.js'
import { upperBound } from './sorted-keys.js'

/** Options of {@link migratingStore}. */
export interface MigratingStoreOptions {
  /** The store sessions are moving out of; only read, and emptied as sessions move. */
  from: Store
  /** The store sessions are moving into; every write, touch and lock goes here. */
  to: Store
}

const MOVED_OVER = Symbol('moved over by another request')

/**
 * A store that reads `to` first, then `from`: a session found only in `from` is copied into
 * `to` (create-only) and then removed from `from`, so sessions move over one by one on their
 * first request, with no downtime and nobody logged out. Writes, touches and locks go to `to`;
 * `destroy` removes from both. Its capabilities are those of `to`; `listByUser`,
 * `destroyByUser`, `scan` and `gc` combine both stores where each supports them. `close()`
 * closes both.
 *
 * Run it on every process at once (a process still on `from` alone does not see sessions that
 * moved), keep it until the longest session lifetime (`absoluteTimeout`) has passed, then
 * switch to `to` alone. While `from` lacks a user index, `revokeUserSessions` cannot reach the
 * sessions that have not moved yet.
 *
 * @example
 * ```ts
 * const sessions = createSessions({
 *   store: migratingStore({
 *     from: createSqliteStore({ path: './sessions.db' }),
 *     to: createRedisStore(redis, { prefix: 'myapp:sess:' }),
 *   }),
 * })
 * ```
 * @throws {ConfigError} when `from` or `to` is not a store, or both are the same store.
 */
export function migratingStore(options: MigratingStoreOptions): Store {
  const { from, to } = checkOptions(options)

  /**
   * Move `key` from `from` into `to`: the record moved, null when `from` has none, or
   * MOVED_OVER when `to` got a record under the key first (another request moved it).
   */
  async function moveOver(key: string): Promise<SessionRecord | null | typeof MOVED_OVER> {
    const record = await from.get(key)
    if (record === null) return null
    if (!(await to.set(key, record, { ifVersion: 0 }))) return MOVED_OVER
    // A destroy between our read and our copy removed it from `from` first (see destroy): our
    // copy would resurrect a destroyed session, so it is undone.
    if ((await from.get(key)) === null) {
      await to.destroy(key)
      return null
    }
    await from.destroy(key)
    return record
  }

  const store: Store = {
    capabilities: to.capabilities,

    async get(key) {
      const current = await to.get(key)
      if (current !== null) return current
      const moved = await moveOver(key)
      return moved === MOVED_OVER ? to.get(key) : moved
    },

    async set(key: string, record: SessionRecord, options?: StoreSetOptions) {
      const ifVersion = options?.ifVersion
      // Create-only must fail over a record still in `from`: moving it over first makes it so.
      if (ifVersion === 0) await moveOver(key)
      const written = await to.set(key, record, options)
      if (written || ifVersion === undefined || ifVersion === 0) return written
      // A compare-and-set on a record that has not moved yet succeeds once it has.
      const moved = await moveOver(key)
      return moved === null ? false : to.set(key, record, options)
    },

    // The core touches only a session it has just read, which that read moved over.
    touch: (key, expiresAt, lastSeenAt) => to.touch(key, expiresAt, lastSeenAt),

    async destroy(key) {
      // `from` first: a concurrent moveOver then either sees the record gone when it checks
      // again, or copied it before our `to.destroy`, which removes the copy.
      await from.destroy(key)
      await to.destroy(key)
    },

    async close() {
      const results = await Promise.allSettled([to.close?.(), from.close?.()])
      for (const result of results) if (result.status === 'rejected') throw result.reason
    },
  }

  if (to.lock) store.lock = to.lock.bind(to)

  if (to.listByUser && to.destroyByUser) {
    const listTo = to.listByUser.bind(to)
    const destroyTo = to.destroyByUser.bind(to)
    const listFrom = from.listByUser?.bind(from)
    const destroyFrom = from.destroyByUser?.bind(from)
    store.listByUser = async (userId) => {
      const [moved, waiting] = await Promise.all([listTo(userId), listFrom?.(userId) ?? []])
      const seen = new Set(moved.map(([key]) => key))
      return [...moved, ...waiting.filter(([key]) => !seen.has(key))]
    }
    store.destroyByUser = async (userId, except) => {
      // `from` first, for the same reason as destroy.
      const fromCount = (await destroyFrom?.(userId, except)) ?? 0
      return fromCount + (await destroyTo(userId, except))
    }
  }

  if (to.scan) {
    store.scan = from.scan ? mergedScan(to, from) : to.scan.bind(to)
  }

  if (to.gc || from.gc) {
    store.gc = async () => {
      const [a, b] = await Promise.all([to.gc?.() ?? 0, from.gc?.() ?? 0])
      return a + b
    }
  }

  return store
}

/**
 * A scan over both stores: one sorted snapshot of the keys of both, each record read from `to`
 * first, then `from` (without moving it). The two stores need not scan in the same order.
 * Memory is proportional to the number of keys, as for the memory and Redis stores.
 */
function mergedScan(to: Store, from: Store): NonNullable<Store['scan']> {
  let snapshot: string[] | undefined
  const keysOf = async (store: Store, into: Set<string>) => {
    for await (const [key] of (store.scan as NonNullable<Store['scan']>).call(store)) into.add(key)
  }
  return async function* scan(
    options: StoreScanOptions = {},
  ): AsyncIterable<[string, SessionRecord]> {
    assertLimit(options.limit)
    const { cursor, limit = Number.POSITIVE_INFINITY } = options
    let keys = cursor === undefined ? undefined : snapshot
    if (keys === undefined) {
      const all = new Set<string>()
      await keysOf(to, all)
      await keysOf(from, all)
      keys = [...all].sort()
      snapshot = keys
    }
    let i = cursor === undefined ? 0 : upperBound(keys, cursor)
    let yielded = 0
    while (i < keys.length && yielded < limit) {
      const key = keys[i++] as string
      const record = (await to.get(key)) ?? (await from.get(key))
      if (record === null) continue
      yielded++
      yield [key, record]
    }
    if (i >= keys.length && snapshot === keys) snapshot = undefined
  }
}

function checkOptions(options: MigratingStoreOptions): MigratingStoreOptions {
  const issues: ConfigIssue[] = []
  const isStore = (value: unknown) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Store).get === 'function' &&
    typeof (value as Store).set === 'function' &&
    typeof (value as Store).capabilities === 'object'
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError([{ path: '', message: 'expected { from, to }' }])
  }
  if (!isStore(options.from)) issues.push({ path: 'from', message: 'expected a store' })
  if (!isStore(options.to)) issues.push({ path: 'to', message: 'expected a store' })
  if (issues.length === 0 && options.from === options.to) {
    issues.push({ path: 'to', message: 'expected a store other than `from`' })
  }
  if (issues.length > 0) throw new ConfigError(issues)
  return options
}
