/**
 * Flash values of one scope during one request. `available` is what `getFlash` reads (set by the
 * previous request, or now); `next` is what the next request will see. Only a request that
 * touched flash in a scope ages it, so a background request cannot eat a message meant for a page.
 */
import type { Change } from './merge.js'
import { type DataObject, emptyObject, type ScopeName } from './state.js'

export class FlashScope {
  readonly scope: ScopeName
  /** Values readable now. */
  available: DataObject
  /** Values for the next request. */
  next: DataObject
  /** Values stored when the request started: dropped when this scope ages, if still unchanged. */
  readonly loaded: DataObject
  /** Whether this request read or wrote flash in this scope. */
  touched = false

  constructor(scope: ScopeName, stored: DataObject | undefined) {
    this.scope = scope
    this.available = emptyObject()
    if (stored) for (const key of Object.keys(stored)) this.available[key] = stored[key]
    this.loaded = emptyObject()
    if (stored) for (const key of Object.keys(stored)) this.loaded[key] = stored[key]
    this.next = emptyObject()
  }

  keep(keys: readonly string[]): void {
    this.touched = true
    for (const key of keys.length > 0 ? keys : Object.keys(this.available)) {
      if (Object.hasOwn(this.available, key)) this.next[key] = this.available[key]
    }
  }

  clear(): void {
    this.touched = true
    this.available = emptyObject()
    this.next = emptyObject()
  }

  /** The change that ages this scope, or null when nothing needs writing. */
  agingChange(): Change | null {
    if (!this.touched) return null
    if (Object.keys(this.loaded).length === 0 && Object.keys(this.next).length === 0) return null
    return { t: 'flash', s: this.scope, drop: this.loaded, next: this.next }
  }
}
