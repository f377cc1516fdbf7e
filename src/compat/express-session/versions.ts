/**
 * What a session was loaded as, for the sessionkit-store adapter: the store key, the record
 * version, the JSON it held and the request's own view of it. Kept per object (the object a store read returned, then the
 * `req.session` built from it) in a WeakMap, so nothing shows on the session itself.
 */

/** The stored state a session was read from. */
export interface LoadedBase {
  /** The store key (base64url SHA-256 of the session id). */
  key: string
  /** The record version, for compare-and-set. */
  version: number
  /** The session JSON as stored at `version`. */
  json: string
  /** This request's view at that point: equal to `json` unless a save merged others' writes. */
  view: string
  /** When the session was first stored (ms since epoch), kept on the record's metadata. */
  createdAt: number
}

const bases = new WeakMap<object, LoadedBase>()

/** Remember what `target` was loaded as. */
export function setBase(target: object, base: LoadedBase): void {
  bases.set(target, base)
}

/** What `target` was loaded as, if it came from the sessionkit-store adapter. */
export function baseOf(target: object): LoadedBase | undefined {
  return bases.get(target)
}

/** Pass `from`'s base on to `to` (a stored object becoming `req.session`). */
export function carryBase(from: object, to: object): void {
  const base = bases.get(from)
  if (base) bases.set(to, base)
}
