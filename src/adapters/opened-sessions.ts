/**
 * Which sessions object opened which session for a request (or context), under which property
 * and with which effective `trustProxy`: what `sessionOf` and `csrf()` look up.
 */
import type { Session, Sessions, TrustProxy } from '../core/types.js'

interface Opened {
  session: Session<object>
  property: string
  trust: TrustProxy
}

/** A registry keyed by the framework's request (or context) object. */
export class OpenedSessions<K extends object> {
  readonly #byKey = new WeakMap<K, Map<Sessions<object>, Opened>>()

  /** Record that `sessions` opened `session` for `key`. */
  record<T extends object>(
    key: K,
    sessions: Sessions<T>,
    session: Session<T>,
    property: string,
    trust: TrustProxy,
  ): void {
    let mine = this.#byKey.get(key)
    if (!mine) {
      mine = new Map()
      this.#byKey.set(key, mine)
    }
    mine.set(sessions as unknown as Sessions<object>, {
      session: session as unknown as Session<object>,
      property,
      trust,
    })
  }

  /** True when `sessions` already opened a session for `key` (the middleware ran twice). */
  has<T extends object>(key: K, sessions: Sessions<T>): boolean {
    return this.#byKey.get(key)?.has(sessions as unknown as Sessions<object>) ?? false
  }

  /** The session `sessions` opened for `key`, typed by the sessions object. */
  find<T extends object>(key: K, sessions: Sessions<T>): Session<T> | undefined {
    const found = this.#byKey.get(key)?.get(sessions as unknown as Sessions<object>)
    return found?.session as unknown as Session<T> | undefined
  }

  /** The effective `trustProxy` of the session put under `property` (false when none). */
  trustOf(key: K, property: string): TrustProxy {
    for (const opened of this.#byKey.get(key)?.values() ?? []) {
      if (opened.property === property) return opened.trust
    }
    return false
  }
}
