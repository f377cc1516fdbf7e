/**
 * The change set of a request. Every write is recorded as a Change and applied at once to the
 * live state; on a compare-and-set conflict the core re-reads the record and re-applies the same
 * changes to the fresh state, so concurrent requests do not lose each other's writes.
 */
import { InvalidSessionValue } from './errors.js'
import { deleteAt, formatPath, getAt, setAt } from './paths.js'
import {
  type DataObject,
  emptyObject,
  emptyScope,
  type ScopeName,
  type SessionState,
  scopeOf,
} from './state.js'
import { cloneValue, jsonEqual } from './values.js'

/** Session-level fields a change may set. */
export type StateField = 'k' | 'a' | 'm' | 'p' | 'i' | 'sv' | 'h'

/** One recorded change. */
export type Change =
  | { t: 'set'; s: ScopeName; p: readonly string[]; v: unknown; e: number | undefined }
  | { t: 'del'; s: ScopeName; p: readonly string[] }
  | { t: 'inc'; s: ScopeName; p: readonly string[]; by: number }
  | { t: 'push'; s: ScopeName; p: readonly string[]; v: unknown }
  | { t: 'flush'; s: ScopeName }
  | { t: 'flash'; s: ScopeName; drop: DataObject; next: DataObject }
  | { t: 'field'; f: StateField; v: string | number | readonly string[] | undefined }
  | { t: 'user'; v: string | undefined }
  | { t: 'clear' }

/** The state a change applies to: the payload plus the record's user binding. */
export interface WorkingCopy {
  state: SessionState
  userId: string | undefined
}

function forgetTtl(x: Record<string, number>, path: readonly string[]): void {
  const prefix = formatPath(path)
  for (const key of Object.keys(x)) {
    if (key === prefix || key.startsWith(`${prefix}.`)) delete x[key]
  }
}

/**
 * Apply `change` to `copy`. With `strict`, type mismatches (increment of a string, push onto a
 * non-array) throw InvalidSessionValue; during a replay they overwrite instead, because the
 * concurrent writer that changed the type committed first.
 */
export function applyChange(copy: WorkingCopy, change: Change, strict: boolean): unknown {
  const { state } = copy
  switch (change.t) {
    case 'set': {
      const scope = scopeOf(state, change.s, true)
      setAt(scope.d, change.p, change.v)
      forgetTtl(scope.x, change.p)
      if (change.e !== undefined) scope.x[formatPath(change.p)] = change.e
      return change.v
    }
    case 'del': {
      const scope = scopeOf(state, change.s, false)
      if (!scope) return undefined
      forgetTtl(scope.x, change.p)
      return deleteAt(scope.d, change.p)
    }
    case 'inc': {
      const scope = scopeOf(state, change.s, true)
      const current = getAt(scope.d, change.p)
      if (current !== undefined && current !== null && typeof current !== 'number') {
        if (strict)
          throw new InvalidSessionValue(
            `cannot increment a ${typeof current} at ${formatPath(change.p)}`,
          )
      }
      const next = (typeof current === 'number' ? current : 0) + change.by
      if (!Number.isFinite(next))
        throw new InvalidSessionValue(`increment at ${formatPath(change.p)} overflows`)
      setAt(scope.d, change.p, next)
      return next
    }
    case 'push': {
      const scope = scopeOf(state, change.s, true)
      const current = getAt(scope.d, change.p)
      if (Array.isArray(current)) current.push(change.v)
      else {
        if (current !== undefined && current !== null && strict) {
          throw new InvalidSessionValue(`cannot push onto a non-array at ${formatPath(change.p)}`)
        }
        setAt(scope.d, change.p, [change.v])
      }
      return undefined
    }
    case 'flush': {
      const scope = scopeOf(state, change.s, false)
      if (scope) {
        scope.d = emptyObject()
        scope.x = Object.create(null) as Record<string, number>
      }
      return undefined
    }
    case 'flash': {
      const scope = scopeOf(state, change.s, true)
      // Drop only what this request saw: a message another request flashed meanwhile survives.
      for (const key of Object.keys(change.drop)) {
        if (Object.hasOwn(scope.f, key) && jsonEqual(scope.f[key], change.drop[key]))
          delete scope.f[key]
      }
      for (const key of Object.keys(change.next)) scope.f[key] = change.next[key]
      return undefined
    }
    case 'field':
      ;(state as unknown as Record<StateField, unknown>)[change.f] = change.v
      return undefined
    case 'user':
      copy.userId = change.v
      return undefined
    case 'clear':
      state.r = emptyScope()
      state.s = Object.create(null)
      state.p = undefined
      state.a = undefined
      copy.userId = undefined
      return undefined
  }
}

/** Re-apply a request's changes onto freshly read state (after a compare-and-set conflict). */
export function replayChanges(copy: WorkingCopy, changes: readonly Change[]): void {
  for (const change of changes) applyChange(copy, change, false)
}

/**
 * Changes that turn `before` into `after` at the finest differing paths (in-place mutations of
 * objects returned by `get()`, found at commit).
 */
export function diffChanges(
  scope: ScopeName,
  path: readonly string[],
  before: unknown,
  after: unknown,
): Change[] {
  const changes: Change[] = []
  const stack: Array<[readonly string[], unknown, unknown]> = [[path, before, after]]
  while (stack.length > 0) {
    const [at, was, now] = stack.pop() as [readonly string[], unknown, unknown]
    if (jsonEqual(was, now)) continue
    if (isPlainData(was) && isPlainData(now)) {
      for (const key of Object.keys(now)) stack.push([[...at, key], was[key], now[key]])
      for (const key of Object.keys(was)) {
        if (!Object.hasOwn(now, key)) changes.push({ t: 'del', s: scope, p: [...at, key] })
      }
    } else if (now === undefined) {
      changes.push({ t: 'del', s: scope, p: at })
    } else {
      changes.push({ t: 'set', s: scope, p: at, v: cloneValue(now, formatPath(at)), e: undefined })
    }
  }
  return changes
}

function isPlainData(value: unknown): value is DataObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** How a conflict path is reported: `a.b` at the root, `segment:cart/a.b` in a segment. */
export function describePath(scope: ScopeName, path: readonly string[]): string {
  return scope === null ? formatPath(path) : `segment:${scope}/${formatPath(path)}`
}

/**
 * The paths this request overwrites that a concurrent commit changed between `base` and
 * `fresh`: its value at the path differs, so the same path, an ancestor or a descendant was
 * written. Increments, decrements and pushes commute and never conflict.
 */
export function conflictingPaths(
  changes: readonly Change[],
  base: SessionState,
  fresh: SessionState,
): string[] {
  const paths = new Set<string>()
  for (const change of changes) {
    if (change.t !== 'set' && change.t !== 'del' && change.t !== 'flush') continue
    const path = change.t === 'flush' ? [] : change.p
    const before = scopeOf(base, change.s, false)?.d
    const after = scopeOf(fresh, change.s, false)?.d
    const was = path.length === 0 ? before : before && getAt(before, path)
    const now = path.length === 0 ? after : after && getAt(after, path)
    if (!jsonEqual(was ?? undefined, now ?? undefined)) paths.add(describePath(change.s, path))
  }
  return [...paths]
}
