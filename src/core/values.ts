/**
 * Session values: what JSON carries faithfully, copied into null-prototype trees. Every walk here
 * uses an explicit stack, so hostile nesting cannot overflow the call stack.
 */
import { InvalidSessionValue } from './errors.js'

/**
 * Max nesting of objects and arrays in a value: a top-level object or array is at depth 1, and a
 * container at depth 65 is rejected.
 */
export const MAX_VALUE_DEPTH = 64

type Container = unknown[] | Record<string, unknown>

const FORBIDDEN: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor'])

interface CloneFrame {
  readonly source: object
  readonly target: Container
  readonly keys: readonly string[]
  readonly where: string
  readonly depth: number
  next: number
}

/**
 * Check that `value` survives JSON faithfully and return a deep copy made of null-prototype
 * objects and arrays (`-0` becomes `0`).
 *
 * Allowed: `null`, booleans, strings, finite numbers, dense arrays, and plain objects (prototype
 * `Object.prototype` or `null`) whose own properties are enumerable data properties with string
 * keys. Shared references are copied; cycles are rejected.
 * @param where - where the value is going, used in error messages (e.g. `'cart.items'`).
 * @throws {InvalidSessionValue} naming the offending location (e.g. `cart.items[2]`), never the
 *   value itself.
 * @example
 * cloneValue({ items: [1, 2] }, 'cart') // a null-prototype copy
 * cloneValue(new Date(), 'seen') // throws: store date.toISOString() or date.getTime()
 */
export function cloneValue(value: unknown, where: string): unknown {
  const root = cloneScalar(value, where)
  if (root !== PENDING) return root
  const ancestors = new Set<object>()
  const stack: CloneFrame[] = []
  const top = open(value as object, where, 1, ancestors)
  stack.push(top)
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as CloneFrame
    if (frame.next === frame.keys.length) {
      stack.pop()
      ancestors.delete(frame.source)
      continue
    }
    const key = frame.keys[frame.next++] as string
    const isArray = Array.isArray(frame.target)
    const where = isArray ? `${frame.where}[${key}]` : join(frame.where, key)
    const descriptor = Reflect.getOwnPropertyDescriptor(frame.source, key)
    if (descriptor === undefined) throw reject(where, 'is a hole in an array; store null instead')
    if (!('value' in descriptor)) throw reject(where, 'is a getter or setter; store a plain value')
    if (!descriptor.enumerable) throw reject(where, 'is a non-enumerable property')
    let copy = cloneScalar(descriptor.value, where)
    if (copy === PENDING) {
      const source = descriptor.value as object
      if (ancestors.has(source)) throw reject(where, 'is a circular reference')
      const child = open(source, where, frame.depth + 1, ancestors)
      stack.push(child)
      copy = child.target
    }
    if (isArray) (frame.target as unknown[]).push(copy)
    else (frame.target as Record<string, unknown>)[key] = copy
  }
  return top.target
}

/**
 * Convert freshly `JSON.parse`d data into null-prototype objects and new arrays, dropping own
 * keys `__proto__`, `prototype` and `constructor`. Primitives are returned as they are.
 */
export function toNullProto(parsed: unknown): unknown {
  if (typeof parsed !== 'object' || parsed === null) return parsed
  // Copies by source: input that did not come from JSON.parse (shared or cyclic) still terminates.
  const copies = new Map<object, Container>()
  const pending: object[] = []
  const copyOf = (item: unknown): unknown => {
    if (typeof item !== 'object' || item === null) return item
    let target = copies.get(item)
    if (target === undefined) {
      target = Array.isArray(item) ? [] : (Object.create(null) as Record<string, unknown>)
      copies.set(item, target)
      pending.push(item)
    }
    return target
  }
  const result = copyOf(parsed)
  while (pending.length > 0) {
    const source = pending.pop() as object
    const target = copies.get(source) as Container
    if (Array.isArray(target)) {
      for (const item of source as unknown[]) target.push(copyOf(item))
    } else {
      for (const key of Object.keys(source)) {
        if (!FORBIDDEN.has(key)) target[key] = copyOf((source as Record<string, unknown>)[key])
      }
    }
  }
  return result
}

/**
 * Structural equality of JSON-like values: objects are equal when they have the same own
 * enumerable keys with equal values, whatever their prototype and key order; arrays are equal
 * element by element; primitives by `===` (so `0` equals `-0`). Terminates on cyclic input.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]]
  // Pairs already being compared count as equal, so cyclic input terminates.
  const seen = new Map<object, Set<object>>()
  while (stack.length > 0) {
    const [x, y] = stack.pop() as [unknown, unknown]
    if (x === y) continue
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false
    let partners = seen.get(x)
    if (partners?.has(y)) continue
    if (partners === undefined) {
      partners = new Set()
      seen.set(x, partners)
    }
    partners.add(y)
    if (Array.isArray(x)) {
      if (!Array.isArray(y) || x.length !== y.length) return false
      for (let i = 0; i < x.length; i++) stack.push([x[i], y[i]])
      continue
    }
    if (Array.isArray(y)) return false
    const keys = Object.keys(x)
    if (keys.length !== Object.keys(y).length) return false
    for (const key of keys) {
      if (!Object.hasOwn(y, key)) return false
      stack.push([(x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]])
    }
  }
  return true
}

const PENDING: unique symbol = Symbol('pending')

/** A copy of a primitive, or PENDING for an object or array still to be walked. */
function cloneScalar(value: unknown, where: string): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      if (!Number.isFinite(value))
        throw reject(where, 'is NaN or Infinity, which JSON turns into null')
      return value === 0 ? 0 : value
    case 'undefined':
      throw reject(where, 'is undefined, which JSON drops; store null or delete the key')
    case 'bigint':
      throw reject(where, 'is a BigInt, which JSON cannot carry; store bigint.toString()')
    case 'symbol':
      throw reject(where, 'is a Symbol, which JSON cannot carry')
    case 'function':
      throw reject(where, 'is a function, which JSON cannot carry')
    default:
      return value === null ? null : PENDING
  }
}

/** Check a container and prepare its copy. */
function open(source: object, where: string, depth: number, ancestors: Set<object>): CloneFrame {
  if (depth > MAX_VALUE_DEPTH)
    throw reject(where, `is nested deeper than ${MAX_VALUE_DEPTH} levels`)
  const proto: unknown = Object.getPrototypeOf(source)
  let keys: string[]
  let target: Container
  if (Array.isArray(source)) {
    if (proto !== Array.prototype) throw reject(where, 'is an instance of an Array subclass')
    const length = source.length
    // An array's own keys are its indices and `length`: fewer means holes (checked before a
    // huge sparse array could make us allocate), more means properties JSON drops.
    if (Reflect.ownKeys(source).length !== length + 1) {
      throw reject(where, 'is an array with holes or extra properties, which JSON does not keep')
    }
    keys = []
    for (let i = 0; i < length; i++) keys.push(String(i))
    target = []
  } else {
    if (proto !== Object.prototype && proto !== null) throw reject(where, describeInstance(source))
    keys = []
    for (const key of Reflect.ownKeys(source)) {
      if (typeof key === 'symbol') throw reject(where, 'has a Symbol key, which JSON drops')
      if (FORBIDDEN.has(key)) throw reject(join(where, key), 'is a forbidden key')
      keys.push(key)
    }
    target = Object.create(null)
  }
  ancestors.add(source)
  return { source, target, keys, where, depth, next: 0 }
}

function describeInstance(value: object): string {
  if (value instanceof Date) return 'is a Date; store date.toISOString() or date.getTime()'
  if (value instanceof Map) return 'is a Map; store Object.fromEntries(map) or [...map]'
  if (value instanceof Set) return 'is a Set; store [...set]'
  if (value instanceof RegExp) return 'is a RegExp; store regexp.source and regexp.flags'
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return 'is binary data (a Buffer, typed array or ArrayBuffer); store it as a base64 string'
  }
  return 'is a class instance; store a plain object with its data'
}

function join(where: string, key: string): string {
  const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key
  return where === '' ? shown : `${where}.${shown}`
}

function reject(where: string, problem: string): InvalidSessionValue {
  return new InvalidSessionValue(`session value ${where === '' ? '' : `at ${where} `}${problem}`)
}
