/**
 * Dot paths into session data, safe against prototype pollution.
 *
 * Grammar of a string key (see `docs/paths.md`):
 * - segments are separated by `.`;
 * - `\.` is a literal dot and `\\` a literal backslash inside a segment;
 * - any other backslash escape, a trailing lone backslash, an empty segment, more than
 *   {@link MAX_PATH_SEGMENTS} segments or more than {@link MAX_KEY_LENGTH} characters is invalid;
 * - the segments `__proto__`, `prototype` and `constructor` are forbidden (checked after
 *   unescaping).
 *
 * An array key is a list of literal segments: no splitting and no escapes, same limits.
 * Session data is a tree of null-prototype objects, arrays and JSON primitives; traversal is
 * iterative and only ever follows own properties of objects and valid indices of arrays.
 */
import { InvalidSessionKey } from './errors.js'

/** Parsed path: literal segments, root first. */
export type Segments = readonly string[]

/** Max segments per path. */
export const MAX_PATH_SEGMENTS = 32
/** Max length of a key string, and of each segment of an array key, in UTF-16 code units. */
export const MAX_KEY_LENGTH = 1024

const FORBIDDEN: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor'])
const BACKSLASH = 92
const DOT = 46
// Canonical array index: no sign, no leading zero, no exponent; 16 digits bounds Number() exactness.
const INDEX = /^(?:0|[1-9]\d{0,15})$/

/**
 * Parse a key: a dot path string or an array of literal segments.
 * @throws {InvalidSessionKey} for a malformed key, a non-string segment, or a forbidden segment.
 * @example
 * parsePath('user.profile.name') // ['user', 'profile', 'name']
 * parsePath('files.report\\.pdf') // ['files', 'report.pdf']
 * parsePath(['files', 'report.pdf']) // ['files', 'report.pdf']
 */
export function parsePath(key: unknown): string[] {
  if (typeof key === 'string') return parseString(key)
  if (Array.isArray(key)) return copySegments(key)
  throw new InvalidSessionKey(
    `a session key must be a string or an array of strings, got ${kind(key)}`,
  )
}

/**
 * Escape segments back into a dot path string: `.` becomes `\.` and `\` becomes `\\`.
 * `parsePath(formatPath(segments))` returns `segments` whenever the result fits in
 * {@link MAX_KEY_LENGTH}.
 */
export function formatPath(segments: Segments): string {
  return segments.map((s) => s.replace(/[\\.]/g, '\\$&')).join('.')
}

/**
 * The value at `segments`, or `undefined` when missing (also when the path runs through a
 * primitive). Follows only own properties of objects and valid indices of arrays.
 * @throws {InvalidSessionKey} when `segments` is not a valid segment list.
 */
export function getAt(root: object, segments: Segments): unknown {
  checkSegments(segments)
  let node: unknown = root
  for (const segment of segments) {
    node = child(node, segment)
    if (node === undefined) return undefined
  }
  return node
}

/**
 * True when the path is present, even if its value is `null`.
 * @throws {InvalidSessionKey} when `segments` is not a valid segment list.
 */
export function existsAt(root: object, segments: Segments): boolean {
  checkSegments(segments)
  const parent = parentOf(root, segments)
  return parent !== undefined && hasChild(parent, segments[segments.length - 1] as string)
}

/**
 * Set the value at `segments`, creating null-prototype intermediate objects. An intermediate that
 * is a primitive or `null` is replaced by a new object. In an array, a segment must be a canonical
 * index from `0` to `length` (`length` appends).
 *
 * Nothing is modified when it throws: every check on existing containers happens before the
 * first write, and everything below a newly created object is new.
 * @throws {InvalidSessionKey} for an invalid segment list, a non-index segment (or an index past
 *   the end) in an array, or a container that is not a null-prototype object or an array.
 */
export function setAt(root: object, segments: Segments, value: unknown): void {
  checkSegments(segments)
  let node: object = root
  const last = segments.length - 1
  for (let i = 0; i <= last; i++) {
    const segment = segments[i] as string
    if (Array.isArray(node)) {
      const index = INDEX.test(segment) ? Number(segment) : -1
      if (index < 0 || index > node.length) {
        throw new InvalidSessionKey(
          `cannot set ${preview(formatPath(segments))}: ${preview(segment)} is not an index from 0 to ${node.length} of an array`,
        )
      }
    } else if (Object.getPrototypeOf(node) !== null) {
      throw new InvalidSessionKey(
        `cannot set ${preview(formatPath(segments))}: the container is not session data`,
      )
    }
    const container = node as Record<string, unknown>
    if (i === last) {
      container[segment] = value
      return
    }
    const next = Object.hasOwn(container, segment) ? container[segment] : undefined
    if (typeof next === 'object' && next !== null) {
      node = next
    } else {
      const created: object = Object.create(null)
      container[segment] = created
      node = created
    }
  }
}

/**
 * Delete the value at `segments`. Deleting an array index removes the element (later elements
 * shift down).
 * @returns whether something was removed.
 * @throws {InvalidSessionKey} when `segments` is not a valid segment list.
 */
export function deleteAt(root: object, segments: Segments): boolean {
  checkSegments(segments)
  const parent = parentOf(root, segments)
  const segment = segments[segments.length - 1] as string
  if (parent === undefined || !hasChild(parent, segment)) return false
  if (Array.isArray(parent)) parent.splice(Number(segment), 1)
  else delete (parent as Record<string, unknown>)[segment]
  return true
}

function parseString(key: string): string[] {
  // Length first: a 1 MB key is refused without being scanned.
  if (key.length > MAX_KEY_LENGTH) {
    throw new InvalidSessionKey(
      `a session key is ${key.length} characters, over the limit of ${MAX_KEY_LENGTH}`,
    )
  }
  const segments: string[] = []
  let current = ''
  let start = 0
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i)
    if (code === BACKSLASH) {
      const next = key.charCodeAt(i + 1)
      if (next !== DOT && next !== BACKSLASH) {
        throw new InvalidSessionKey(
          `invalid session key ${preview(key)}: only \\. and \\\\ are escapes`,
        )
      }
      current += key.slice(start, i)
      start = i + 1
      i++
    } else if (code === DOT) {
      pushSegment(segments, current + key.slice(start, i), key)
      current = ''
      start = i + 1
    }
  }
  pushSegment(segments, current + key.slice(start), key)
  return segments
}

function pushSegment(segments: string[], segment: string, key: string): void {
  if (segment === '')
    throw new InvalidSessionKey(`invalid session key ${preview(key)}: empty segment`)
  if (segments.length === MAX_PATH_SEGMENTS) {
    throw new InvalidSessionKey(`a session key has more than ${MAX_PATH_SEGMENTS} segments`)
  }
  if (FORBIDDEN.has(segment)) {
    throw new InvalidSessionKey(`invalid session key: the segment "${segment}" is forbidden`)
  }
  segments.push(segment)
}

function copySegments(key: readonly unknown[]): string[] {
  // Each element is read once into a copy that is then checked, so a getter or proxy cannot
  // answer differently between the check and the use.
  const length = key.length
  if (!Number.isInteger(length) || length < 1 || length > MAX_PATH_SEGMENTS) {
    throw new InvalidSessionKey(`a session key array must have 1 to ${MAX_PATH_SEGMENTS} segments`)
  }
  const segments: unknown[] = []
  for (let i = 0; i < length; i++) segments.push(key[i])
  checkSegments(segments)
  return segments as string[]
}

function checkSegments(segments: readonly unknown[]): void {
  if (!Array.isArray(segments) || segments.length < 1 || segments.length > MAX_PATH_SEGMENTS) {
    throw new InvalidSessionKey(`a session key array must have 1 to ${MAX_PATH_SEGMENTS} segments`)
  }
  for (const segment of segments) {
    if (typeof segment !== 'string') {
      throw new InvalidSessionKey(`a session key segment must be a string, got ${kind(segment)}`)
    }
    if (segment === '' || segment.length > MAX_KEY_LENGTH) {
      throw new InvalidSessionKey(
        `a session key segment must have 1 to ${MAX_KEY_LENGTH} characters, got ${segment.length}`,
      )
    }
    if (FORBIDDEN.has(segment)) {
      throw new InvalidSessionKey(`invalid session key: the segment "${segment}" is forbidden`)
    }
  }
}

/** The container holding the last segment, or undefined when the path is broken before it. */
function parentOf(root: object, segments: Segments): object | undefined {
  let node: unknown = root
  for (let i = 0; i < segments.length - 1; i++) {
    node = child(node, segments[i] as string)
    if (node === undefined) return undefined
  }
  return typeof node === 'object' && node !== null ? node : undefined
}

function hasChild(node: object, segment: string): boolean {
  if (Array.isArray(node)) {
    return INDEX.test(segment) && Number(segment) < node.length && Object.hasOwn(node, segment)
  }
  return Object.hasOwn(node, segment)
}

function child(node: unknown, segment: string): unknown {
  if (typeof node !== 'object' || node === null || !hasChild(node, segment)) return undefined
  return (node as Record<string, unknown>)[segment]
}

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}

function kind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value
}
