/**
 * The decoded session payload, as the core keeps it in memory and encodes into the envelope.
 * Short property names keep records small; everything is null-prototype data.
 */

/** A null-prototype data object. */
export type DataObject = Record<string, unknown>

/** One namespace: the root, or a segment. */
export interface ScopeState {
  /** Data. */
  d: DataObject
  /** Flash values waiting for the next request that reads or writes flash in this scope. */
  f: DataObject
  /** Expiry (ms since epoch) of values set with `ttl`, by formatted dot path. */
  x: Record<string, number>
}

/** The whole payload. */
export interface SessionState {
  /** Payload format version. */
  v: 1
  /** Root scope. */
  r: ScopeState
  /** Segments by name. */
  s: Record<string, ScopeState>
  /** CSRF secret. */
  k: string | undefined
  /** When the user last authenticated (ms since epoch). */
  a: number | undefined
  /** Persistent-cookie duration set by `remember` (ms). */
  m: number | undefined
  /** Previous URL. */
  p: string | undefined
  /** When the current id was issued (ms since epoch), for `rotateEvery`. */
  i: number | undefined
  /** Schema version of the root data (`schema.version`). */
  sv: number | undefined
  /** Client fingerprints seen by this session (`fingerprint`). */
  h: string[] | undefined
}

/** A key naming a scope: null for the root, else the segment name. */
export type ScopeName = string | null

export function emptyObject(): DataObject {
  return Object.create(null) as DataObject
}

export function emptyScope(): ScopeState {
  return { d: emptyObject(), f: emptyObject(), x: Object.create(null) as Record<string, number> }
}

export function emptyState(): SessionState {
  return {
    v: 1,
    r: emptyScope(),
    s: Object.create(null) as Record<string, ScopeState>,
    k: undefined,
    a: undefined,
    m: undefined,
    p: undefined,
    i: undefined,
    sv: undefined,
    h: undefined,
  }
}

/** The scope, created on demand when `create` is set. */
export function scopeOf(state: SessionState, name: ScopeName, create: true): ScopeState
export function scopeOf(
  state: SessionState,
  name: ScopeName,
  create: boolean,
): ScopeState | undefined
export function scopeOf(
  state: SessionState,
  name: ScopeName,
  create: boolean,
): ScopeState | undefined {
  if (name === null) return state.r
  let scope = Object.hasOwn(state.s, name) ? state.s[name] : undefined
  if (!scope && create) {
    scope = emptyScope()
    state.s[name] = scope
  }
  return scope
}

function isDataObject(value: unknown): value is DataObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// Empty `f`, `x` (and `s`) are left out when encoding; records written with them still load.
function decodeScope(value: unknown): ScopeState | null {
  if (!isDataObject(value)) return null
  const { d } = value
  const f = value.f === undefined ? emptyObject() : value.f
  const x = value.x === undefined ? emptyObject() : value.x
  if (!isDataObject(d) || !isDataObject(f) || !isDataObject(x)) return null
  for (const key of Object.keys(x)) {
    if (typeof x[key] !== 'number' || !Number.isFinite(x[key])) return null
  }
  return { d, f, x: x as Record<string, number> }
}

function optional<T>(value: unknown, check: (v: unknown) => v is T): T | undefined | null {
  if (value === undefined || value === null) return undefined
  return check(value) ? value : null
}

const isString = (v: unknown): v is string => typeof v === 'string'
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/**
 * Validate the shape of a decoded payload (already null-prototype data, BI-31/BI-43).
 * Returns null for anything that is not a state this version wrote.
 */
export function decodeState(value: unknown): SessionState | null {
  if (!isDataObject(value) || value.v !== 1) return null
  const root = decodeScope(value.r)
  const s = value.s === undefined ? emptyObject() : value.s
  if (!root || !isDataObject(s)) return null
  const segments = Object.create(null) as Record<string, ScopeState>
  for (const name of Object.keys(s)) {
    const scope = decodeScope(s[name])
    if (!scope) return null
    segments[name] = scope
  }
  const k = optional(value.k, isString)
  const a = optional(value.a, isFiniteNumber)
  const m = optional(value.m, isFiniteNumber)
  const p = optional(value.p, isString)
  const i = optional(value.i, isFiniteNumber)
  const sv = optional(value.sv, isFiniteNumber)
  const h = optional(value.h, isStringList)
  if (k === null || a === null || m === null || p === null || i === null) return null
  if (sv === null || h === null) return null
  return { v: 1, r: root, s: segments, k, a, m, p, i, sv, h }
}

function isStringList(value: unknown): value is string[] {
  return (
    Array.isArray(value) && value.length <= 64 && value.every((item) => typeof item === 'string')
  )
}

function isEmpty(object: object): boolean {
  for (const _ in object) return false
  return true
}

/** The scope as encoded: empty flash and expiry tables left out (every record is smaller). */
function scopeForEncoding(scope: ScopeState): ScopeState | { d: DataObject } {
  if (isEmpty(scope.f) && isEmpty(scope.x)) return { d: scope.d }
  return scope
}

/** The state as a plain JSON-ready object, leaving out unset fields and empty tables. */
export function stateForEncoding(state: SessionState): Record<string, unknown> {
  const out: Record<string, unknown> = { v: 1, r: scopeForEncoding(state.r) }
  if (!isEmpty(state.s)) {
    const segments = Object.create(null) as Record<string, unknown>
    for (const name of Object.keys(state.s)) {
      segments[name] = scopeForEncoding(state.s[name] as ScopeState)
    }
    out.s = segments
  }
  if (state.k !== undefined) out.k = state.k
  if (state.a !== undefined) out.a = state.a
  if (state.m !== undefined) out.m = state.m
  if (state.p !== undefined) out.p = state.p
  if (state.i !== undefined) out.i = state.i
  if (state.sv !== undefined) out.sv = state.sv
  if (state.h !== undefined) out.h = state.h
  return out
}
