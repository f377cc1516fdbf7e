/**
 * Shared pieces of the store conformance suite: the case shape, the per-test context, and
 * capability checks.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { SessionRecord, Store } from '../core/store.js'

/** Groups of the conformance suite; each can be skipped by name. */
export type ConformanceGroup =
  | 'records'
  | 'expiry'
  | 'compareAndSet'
  | 'touch'
  | 'userIndex'
  | 'scan'
  | 'gc'
  | 'lock'

/** What one conformance test gets: a fresh store and helpers bound to the suite's clock. */
export interface CaseContext {
  /** A fresh, empty store made for this test; closed after it. */
  readonly store: Store
  /** The suite's clock (the `clock` option, else `Date.now`). */
  now(): number
  /** Move the clock; only called by cases that declare `clock: true`. */
  advance(ms: number): void
  /** A fresh, realistic store key: base64url SHA-256 of 32 random bytes (43 characters). */
  key(): string
  /** A live record (expires in an hour) with metadata, with `fields` laid over it. */
  record(fields?: Partial<SessionRecord>): SessionRecord
}

/** One conformance test. */
export interface ConformanceCase {
  /** The group the case belongs to (a `describe` block; skippable by name). */
  group: ConformanceGroup
  /** The test title: the behaviour a store user relies on. */
  title: string
  /** The test needs `options.clock` (it moves time). */
  clock?: boolean
  /** A reason to skip on this store (a capability it does not declare), or undefined. */
  requires?: (store: Store) => string | undefined
  /** The test body; throws (an assertion error) when the store breaks the contract. */
  run(context: CaseContext): Promise<void>
}

/** One hour in milliseconds. */
export const HOUR = 3_600_000

/** A realistic store key (base64url SHA-256 of a random 32-byte id). */
export function storeKey(): string {
  return createHash('sha256').update(randomBytes(32)).digest('base64url')
}

/** Capability checks for {@link ConformanceCase.requires}. */
export const needs = {
  compareAndSet: (store: Store) =>
    store.capabilities.compareAndSet ? undefined : 'store does not declare compareAndSet',
  lock: (store: Store) =>
    store.capabilities.lock && typeof store.lock === 'function'
      ? undefined
      : 'store does not declare lock',
  userIndex: (store: Store) =>
    store.capabilities.userIndex &&
    typeof store.listByUser === 'function' &&
    typeof store.destroyByUser === 'function'
      ? undefined
      : 'store does not declare userIndex',
  scan: (store: Store) =>
    store.capabilities.scan && typeof store.scan === 'function'
      ? undefined
      : 'store does not declare scan',
  gc: (store: Store) => (typeof store.gc === 'function' ? undefined : 'store has no gc'),
}

/** Drain an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iterable) out.push(item)
  return out
}

/** Keys of `pairs`, sorted, for order-insensitive comparison. */
export function sortedKeys(pairs: ReadonlyArray<readonly [string, unknown]>): string[] {
  return pairs.map(([key]) => key).sort()
}
