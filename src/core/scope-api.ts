/**
 * The read/write and flash API of one scope (the session root or a segment). Reads go straight
 * to the live state; every write becomes a recorded Change through the host (the session).
 */
import { durationMs } from './duration.js'
import { InvalidSessionKey, InvalidSessionValue } from './errors.js'
import type { FlashScope } from './flash.js'
import type { Change } from './merge.js'
import { existsAt, formatPath, getAt, parsePath } from './paths.js'
import type { ScopeName, ScopeState } from './state.js'
import type { FlashOptions, SetOptions } from './types.js'
import { cloneValue } from './values.js'

/** What a scope needs from the session that owns it. */
export interface ScopeHost {
  /** The live scope state, or undefined (a segment never written). */
  readScope(scope: ScopeName): ScopeState | undefined
  /** Start the session if needed, apply `change` to the live state and record it. */
  write(change: Change): unknown
  /** Throw HeadersSent / ReadOnlySession before any other check of a write. */
  assertWritable(): void
  /** The flash runtime of a scope; `start` starts the session first (flash writes). */
  flashOf(scope: ScopeName, start: boolean): FlashScope
  /** Remember that an object at this path was handed out (in-place mutation detection). */
  noteObjectRead(scope: ScopeName, path: readonly string[]): void
  /** The injected clock. */
  now(): number
}

const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor'])

function flashKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024 || FORBIDDEN.has(key)) {
    throw new InvalidSessionKey(
      'a flash key must be a non-empty string that is not a reserved name',
    )
  }
  return key
}

/** The DataAccess implementation for one scope. Typed views are applied by the session. */
export class ScopeApi {
  readonly #host: ScopeHost
  readonly #scope: ScopeName

  constructor(host: ScopeHost, scope: ScopeName) {
    this.#host = host
    this.#scope = scope
  }

  get(key: unknown, fallback?: unknown): unknown {
    const path = parsePath(key)
    const scope = this.#host.readScope(this.#scope)
    const value = scope === undefined ? undefined : getAt(scope.d, path)
    if (value === undefined) return fallback
    if (typeof value === 'object' && value !== null) this.#host.noteObjectRead(this.#scope, path)
    return value
  }

  set(key: unknown, value: unknown, options?: SetOptions): void {
    this.#host.assertWritable()
    const path = parsePath(key)
    const copy = cloneValue(value, formatPath(path))
    const ttl = options?.ttl === undefined ? undefined : durationMs(options.ttl, 'ttl')
    this.#host.write({
      t: 'set',
      s: this.#scope,
      p: path,
      v: copy,
      e: ttl === undefined ? undefined : this.#host.now() + ttl,
    })
  }

  put(record: unknown): void {
    this.#host.assertWritable()
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new InvalidSessionValue('put() takes an object of top-level keys')
    }
    for (const key of Object.keys(record)) this.set([key], (record as Record<string, unknown>)[key])
  }

  has(key: unknown): boolean {
    const value = this.#peek(key)
    return value !== undefined && value !== null
  }

  exists(key: unknown): boolean {
    const path = parsePath(key)
    const scope = this.#host.readScope(this.#scope)
    return scope !== undefined && existsAt(scope.d, path)
  }

  pull(key: unknown, fallback?: unknown): unknown {
    const path = parsePath(key)
    const value = this.#peek(path)
    if (value === undefined) return fallback
    this.#host.write({ t: 'del', s: this.#scope, p: path })
    return value
  }

  forget(keys: unknown): void {
    const list = Array.isArray(keys) ? keys : [keys]
    const paths = list.map((key) => parsePath(key))
    for (const path of paths) {
      if (this.#peekPath(path) !== undefined)
        this.#host.write({ t: 'del', s: this.#scope, p: path })
    }
  }

  flush(): void {
    const scope = this.#host.readScope(this.#scope)
    if (scope !== undefined && Object.keys(scope.d).length > 0)
      this.#host.write({ t: 'flush', s: this.#scope })
  }

  all(): Record<string, unknown> {
    const scope = this.#host.readScope(this.#scope)
    return scope === undefined ? {} : (structuredClone(scope.d) as Record<string, unknown>)
  }

  push(key: unknown, value: unknown): void {
    this.#host.assertWritable()
    const path = parsePath(key)
    this.#host.write({ t: 'push', s: this.#scope, p: path, v: cloneValue(value, formatPath(path)) })
  }

  increment(key: unknown, by = 1): number {
    this.#host.assertWritable()
    if (typeof by !== 'number' || !Number.isFinite(by)) {
      throw new InvalidSessionValue('increment() takes a finite number')
    }
    return this.#host.write({ t: 'inc', s: this.#scope, p: parsePath(key), by }) as number
  }

  decrement(key: unknown, by = 1): number {
    if (typeof by !== 'number' || !Number.isFinite(by)) {
      throw new InvalidSessionValue('decrement() takes a finite number')
    }
    return this.increment(key, -by)
  }

  flash(key: string, value: unknown, options?: FlashOptions): void {
    this.#host.assertWritable()
    const name = flashKey(key)
    const copy = cloneValue(value, `flash ${name}`)
    const flash = this.#host.flashOf(this.#scope, true)
    flash.touched = true
    flash.next[name] = copy
    if (options?.now === true) flash.available[name] = copy
  }

  flashNow(key: string, value: unknown): void {
    this.#host.assertWritable()
    const name = flashKey(key)
    const copy = cloneValue(value, `flash ${name}`)
    const flash = this.#host.flashOf(this.#scope, true)
    flash.touched = true
    flash.available[name] = copy
  }

  getFlash(key: string, fallback?: unknown): unknown {
    const name = flashKey(key)
    const flash = this.#host.flashOf(this.#scope, false)
    flash.touched = true
    return Object.hasOwn(flash.available, name) ? flash.available[name] : fallback
  }

  getFlashNext(key: string, fallback?: unknown): unknown {
    const name = flashKey(key)
    const flash = this.#host.flashOf(this.#scope, false)
    flash.touched = true
    return Object.hasOwn(flash.next, name) ? flash.next[name] : fallback
  }

  keepFlash(...keys: string[]): void {
    for (const key of keys) flashKey(key)
    this.#host.flashOf(this.#scope, false).keep(keys)
  }

  clearFlash(): void {
    this.#host.flashOf(this.#scope, false).clear()
  }

  #peek(key: unknown): unknown {
    return this.#peekPath(parsePath(key))
  }

  #peekPath(path: readonly string[]): unknown {
    const scope = this.#host.readScope(this.#scope)
    return scope === undefined ? undefined : getAt(scope.d, path)
  }
}
