/**
 * A store wrapper that reports every call (operation, duration, outcome) to a callback, for
 * metrics and tracing, without ever exposing a whole key, a user id or a record.
 */
import { performance } from 'node:perf_hooks'
import type { SessionRecord, Store, StoreLock, StoreScanOptions } from '../core/store.js'

/** The operations {@link instrumentedStore} reports. */
export type StoreOperation =
  | 'get'
  | 'set'
  | 'touch'
  | 'destroy'
  | 'lock'
  | 'lock.refresh'
  | 'lock.release'
  | 'listByUser'
  | 'destroyByUser'
  | 'scan'
  | 'gc'
  | 'close'

/** One finished store call. */
export interface StoreCallEvent {
  /** What was called. */
  operation: StoreOperation
  /**
   * The first characters of the store key (at most 8, and never more than half of it), to
   * correlate calls in logs. Absent for calls without a key.
   */
  key?: string
  /** Wall-clock duration in milliseconds; for `scan`, from the first record asked for to the end. */
  durationMs: number
  /** False when the call rejected. */
  ok: boolean
  /** The rejection, when `ok` is false. */
  error?: unknown
}

/** Receives every {@link StoreCallEvent}; what it throws (or rejects with) is ignored. */
export type InstrumentedStoreListener = (event: StoreCallEvent) => void

/** A short, correlatable prefix of a key: never the whole key. */
function keyPrefix(key: string): string {
  return String(key).slice(0, Math.min(8, Math.floor(String(key).length / 2)))
}

/**
 * Wrap `store` so that every call is measured and reported to `onCall` once it settles: the
 * operation, a short key prefix, the duration and whether it succeeded. Results and errors pass
 * through unchanged; a throwing or rejecting `onCall` never affects the call. Capabilities and
 * the set of methods are those of `store`. Locks it returns are wrapped too (`lock.refresh`,
 * `lock.release`).
 *
 * @example
 * ```ts
 * const store = instrumentedStore(createRedisStore(redis), ({ operation, durationMs, ok }) => {
 *   storeLatency.observe({ operation, ok: String(ok) }, durationMs / 1000)
 * })
 * const sessions = createSessions({ store })
 * ```
 */
export function instrumentedStore(store: Store, onCall: InstrumentedStoreListener): Store {
  if (typeof onCall !== 'function')
    throw new TypeError('instrumentedStore: onCall must be a function')

  const report = (
    operation: StoreOperation,
    key: string | undefined,
    start: number,
    error?: { e: unknown },
  ) => {
    const event: StoreCallEvent = { operation, durationMs: performance.now() - start, ok: !error }
    if (key !== undefined) event.key = keyPrefix(key)
    if (error) event.error = error.e
    try {
      const result: unknown = onCall(event)
      if (typeof (result as Promise<void> | undefined)?.then === 'function') {
        ;(result as Promise<void>).then(undefined, () => {})
      }
    } catch {
      // A metrics callback must never break a session request.
    }
  }

  async function timed<T>(
    operation: StoreOperation,
    key: string | undefined,
    call: () => Promise<T>,
  ): Promise<T> {
    const start = performance.now()
    try {
      const result = await call()
      report(operation, key, start)
      return result
    } catch (e) {
      report(operation, key, start, { e })
      throw e
    }
  }

  const wrapLock = (key: string, lock: StoreLock): StoreLock => ({
    token: lock.token,
    refresh: (ttl) => timed('lock.refresh', key, () => lock.refresh(ttl)),
    release: () => timed('lock.release', key, () => lock.release()),
  })

  const wrapped: Store = {
    capabilities: store.capabilities,
    get: (key) => timed('get', key, () => store.get(key)),
    set: (key, record, options) => timed('set', key, () => store.set(key, record, options)),
    touch: (key, expiresAt, lastSeenAt) =>
      timed('touch', key, () => store.touch(key, expiresAt, lastSeenAt)),
    destroy: (key) => timed('destroy', key, () => store.destroy(key)),
  }
  if (store.lock) {
    const lock = store.lock.bind(store)
    wrapped.lock = async (key, options) => {
      const held = await timed('lock', key, () => lock(key, options))
      return held === null ? null : wrapLock(key, held)
    }
  }
  if (store.listByUser) {
    const list = store.listByUser.bind(store)
    wrapped.listByUser = (userId) => timed('listByUser', undefined, () => list(userId))
  }
  if (store.destroyByUser) {
    const destroy = store.destroyByUser.bind(store)
    wrapped.destroyByUser = (userId, except) =>
      timed('destroyByUser', undefined, () => destroy(userId, except))
  }
  if (store.scan) {
    const scan = store.scan.bind(store)
    wrapped.scan = async function* (
      options?: StoreScanOptions,
    ): AsyncIterable<[string, SessionRecord]> {
      const start = performance.now()
      let failure: { e: unknown } | undefined
      try {
        yield* scan(options)
      } catch (e) {
        failure = { e }
        throw e
      } finally {
        report('scan', undefined, start, failure)
      }
    }
  }
  if (store.gc) {
    const gc = store.gc.bind(store)
    wrapped.gc = () => timed('gc', undefined, gc)
  }
  if (store.close) {
    const close = store.close.bind(store)
    wrapped.close = () => timed('close', undefined, close)
  }
  return wrapped
}
