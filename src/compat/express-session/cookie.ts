/**
 * The session cookie of express-session 1.19 (`session/cookie.js`), reproduced member for member:
 * `maxAge` (a getter/setter over `expires`), `originalMaxAge`, `expires`, `data`, `serialize`,
 * `toJSON`, and the plain attributes `path`, `httpOnly`, `secure`, `sameSite`, `domain`,
 * `partitioned`, `priority`. Stored sessions round-trip through `toJSON` exactly as before.
 */
import { serialize } from 'cookie'
import { deprecateOnce } from './deprecate.js'

/** What `cookie.data` (and `toJSON`) returns: the `cookie.serialize` options of the session cookie. */
export interface CookieData {
  /** The max-age set by the options, in ms (null for a browser-session cookie). */
  originalMaxAge: number | null | undefined
  /** The `Partitioned` attribute (CHIPS). */
  partitioned: boolean | undefined
  /** The `Priority` attribute. */
  priority: 'low' | 'medium' | 'high' | undefined
  /** When the cookie expires (null or undefined: at the end of the browser session). */
  expires: Date | null | undefined
  /** The `Secure` attribute (`'auto'` is resolved per request when the session is created). */
  secure: boolean | 'auto' | undefined
  /** The `HttpOnly` attribute. */
  httpOnly: boolean | undefined
  /** The `Domain` attribute. */
  domain: string | undefined
  /** The `Path` attribute. */
  path: string | undefined
  /** The `SameSite` attribute (`'auto'` is resolved per request when the session is created). */
  sameSite: boolean | 'lax' | 'strict' | 'none' | 'auto' | undefined
}

/** Options of the session cookie: the `cookie` option of `session()`. */
export interface CookieOptions {
  /** Lifetime in ms from now; null or absent: a browser-session cookie. @default null */
  maxAge?: number | null | undefined
  /** Absolute expiry; prefer `maxAge`. */
  expires?: Date | null | undefined
  /** @default '/' */
  path?: string | undefined
  /** @default true */
  httpOnly?: boolean | undefined
  /** `'auto'`: secure when the request is (see the `proxy` option). @default undefined (not set) */
  secure?: boolean | 'auto' | undefined
  /** `'auto'`: `'none'` on secure requests, `'lax'` otherwise. */
  sameSite?: boolean | 'lax' | 'strict' | 'none' | 'auto' | undefined
  /** @default undefined (host-only cookie) */
  domain?: string | undefined
  /** The `Partitioned` attribute (CHIPS). */
  partitioned?: boolean | undefined
  /** The `Priority` attribute. */
  priority?: 'low' | 'medium' | 'high' | undefined
  /** The max-age originally set, as stored sessions carry it. */
  originalMaxAge?: number | null | undefined
  /** Creation time (ms since epoch) kept by the `sessionkit.absoluteTimeout` extra. */
  createdAt?: number | undefined
}

/**
 * The session cookie class (`session.Cookie`), as in express-session 1.19.
 *
 * @example
 * ```js
 * const { Cookie } = require('sessionkit/express-session')
 * const cookie = new Cookie({ maxAge: 60_000, sameSite: 'lax' })
 * cookie.serialize('connect.sid', 'value') // 'connect.sid=value; Path=/; Expires=…; HttpOnly; SameSite=Lax'
 * ```
 * @throws {TypeError} when `options` is not an object, or `maxAge` is neither a number nor a Date.
 */
export class Cookie {
  // Declared, never initialised as class fields: own properties appear only when assigned, as in
  // express-session (the stored JSON and `Object.keys(cookie)` stay the same).
  /** The `Path` attribute. */
  declare path?: string | undefined
  /** The `HttpOnly` attribute. */
  declare httpOnly?: boolean | undefined
  /** The `Secure` attribute. */
  declare secure?: boolean | 'auto' | undefined
  /** The `SameSite` attribute. */
  declare sameSite?: boolean | 'lax' | 'strict' | 'none' | 'auto' | undefined
  /** The `Domain` attribute. */
  declare domain?: string | undefined
  /** The `Partitioned` attribute. */
  declare partitioned?: boolean | undefined
  /** The `Priority` attribute. */
  declare priority?: 'low' | 'medium' | 'high' | undefined
  /** The max-age the cookie was configured with; `touch()` resets `maxAge` to it. */
  declare originalMaxAge: number | null | undefined
  /** Set only by the `sessionkit.absoluteTimeout` extra: when the session was created. */
  declare createdAt?: number | undefined
  /** The raw expiry behind `expires` (as in express-session). */
  declare _expires?: Date | null | undefined

  constructor(options?: CookieOptions | null) {
    this.path = '/'
    this.maxAge = null
    this.httpOnly = true
    if (options) {
      if (typeof options !== 'object') throw new TypeError('argument options must be a object')
      // for…in, as in 1.19: inherited enumerable options are copied too, through the setters.
      for (const key in options) {
        if (key !== 'data') {
          ;(this as unknown as Record<string, unknown>)[key] = (options as Record<string, unknown>)[
            key
          ]
        }
      }
    }
    if (this.originalMaxAge === undefined || this.originalMaxAge === null) {
      this.originalMaxAge = this.maxAge
    }
  }

  /** When the cookie expires; setting it also sets `originalMaxAge` to the remaining time. */
  set expires(date: Date | null | undefined) {
    this._expires = date
    this.originalMaxAge = this.maxAge
  }

  get expires(): Date | null | undefined {
    return this._expires
  }

  /** Milliseconds until `expires` (null for a browser-session cookie); setting it moves `expires`. */
  set maxAge(ms: number | Date | null | undefined) {
    if (ms && typeof ms !== 'number' && !(ms instanceof Date)) {
      throw new TypeError('maxAge must be a number or Date')
    }
    if (ms instanceof Date) {
      deprecateOnce('maxAge as Date; pass number of milliseconds instead')
    }
    this.expires = typeof ms === 'number' ? new Date(Date.now() + ms) : ms
  }

  get maxAge(): number | null | undefined {
    const expires = this.expires
    return expires instanceof Date ? expires.valueOf() - Date.now() : expires
  }

  /** The attributes, as the options `cookie.serialize` takes. */
  get data(): CookieData {
    return {
      originalMaxAge: this.originalMaxAge,
      partitioned: this.partitioned,
      priority: this.priority,
      expires: this._expires,
      secure: this.secure,
      httpOnly: this.httpOnly,
      domain: this.domain,
      path: this.path,
      sameSite: this.sameSite,
    }
  }

  /** A `Set-Cookie` value for `name=val` with this cookie's attributes. */
  serialize(name: string, val: string): string {
    return serialize(name, val, this.data as Parameters<typeof serialize>[2])
  }

  /** What a store persists: `data`, plus `createdAt` when the absolute-timeout extra set it. */
  toJSON(): CookieData & { createdAt?: number } {
    const data: CookieData & { createdAt?: number } = this.data
    if (typeof this.createdAt === 'number') data.createdAt = this.createdAt
    return data
  }
}
