/**
 * Three-way merge of express-session JSON for `concurrency: 'merge'`. An express-session app
 * writes plain properties, so the change set is found by comparing what this request loaded
 * with what it saves, at the finest changed path (`cart.items`, not all of `cart`). On a
 * compare-and-set conflict those changes are re-applied to the fresh session: writes to
 * different paths all survive; for one path the later commit wins (there is no way to tell an
 * increment from an assignment in `req.session.n = req.session.n + 1`; use `'lock'` for that).
 * The session cookie is one value (the later commit's).
 */
import { jsonEqual } from '../../core/values.js'

/** One change found between the loaded and the saved session. */
export type JsonChange =
  | { op: 'set'; path: readonly string[]; value: unknown }
  | { op: 'del'; path: readonly string[] }

type JsonObject = Record<string, unknown>

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The changes that turn `base` into `mine` (both parsed session JSON). */
export function diffSessions(base: JsonObject, mine: JsonObject): JsonChange[] {
  const changes: JsonChange[] = []
  const walk = (a: JsonObject, b: JsonObject, path: string[]): void => {
    for (const key of Object.keys(a)) {
      if (!Object.hasOwn(b, key)) changes.push({ op: 'del', path: [...path, key] })
    }
    for (const key of Object.keys(b)) {
      const next = [...path, key]
      const before = Object.hasOwn(a, key) ? a[key] : undefined
      const after = b[key]
      const whole = path.length === 0 && key === 'cookie'
      if (!whole && isObject(before) && isObject(after)) walk(before, after, next)
      else if (!Object.hasOwn(a, key) || !jsonEqual(before, after)) {
        changes.push({ op: 'set', path: next, value: after })
      }
    }
  }
  walk(base, mine, [])
  return changes
}

/** Apply `changes` to `target` (parsed session JSON) in place; returns it. */
export function applyChanges(target: JsonObject, changes: readonly JsonChange[]): JsonObject {
  for (const change of changes) {
    const parentPath = change.path.slice(0, -1)
    const leaf = change.path[change.path.length - 1] as string
    let node: JsonObject | undefined = target
    for (const segment of parentPath) {
      const child: unknown = node[segment]
      if (isObject(child)) {
        node = child
        continue
      }
      if (change.op === 'del') {
        node = undefined
        break
      }
      const created: JsonObject = {}
      define(node, segment, created)
      node = created
    }
    if (node === undefined) continue
    if (change.op === 'set') define(node, leaf, change.value)
    else delete node[leaf]
  }
  return target
}

// defineProperty, never assignment: a key named `__proto__` stays a plain own property.
function define(node: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true })
}
