/**
 * Reading the session cookie from a raw `Cookie` header, and writing `Set-Cookie`.
 *
 * Reading is hand-written rather than `cookie.parse` because the policy differs on purpose:
 * names are matched by exact bytes (no decoding, no case folding: BI-04/05), pairs split on `;`
 * only (BI-06), every occurrence of our name is returned so duplicates can be judged (BI-03),
 * and values are not URL-decoded (a valid id never needs it, so `%` simply fails validation).
 */
import { serialize } from 'cookie'
import type { CookieOptions } from './types.js'

/** Most occurrences of the session cookie considered; more is treated as hostile. */
export const MAX_COOKIE_CANDIDATES = 4

/**
 * Every value of cookie `name` in `header`, in header order; at most
 * MAX_COOKIE_CANDIDATES + 1 entries (more means "too many"). Linear in the header length.
 */
export function readCookieValues(header: string | undefined, name: string): string[] {
  const values: string[] = []
  if (!header) return values
  const length = header.length
  let start = 0
  while (start < length) {
    let end = header.indexOf(';', start)
    if (end === -1) end = length
    let nameStart = start
    // Skip the optional whitespace browsers put after each ';' (RFC 6265 §4.2.1).
    while (
      nameStart < end &&
      (header.charCodeAt(nameStart) === 32 || header.charCodeAt(nameStart) === 9)
    ) {
      nameStart++
    }
    // Look for '=' only right after the name: searching the rest of the header for it made a
    // header of many '='-less pairs (';;;;…') quadratic (BI-02). Names are RFC 6265 tokens.
    const eq = nameStart + name.length
    if (eq < end && header.charCodeAt(eq) === 61 && header.startsWith(name, nameStart)) {
      values.push(header.slice(eq + 1, end))
      if (values.length > MAX_COOKIE_CANDIDATES) return values
    }
    start = end + 1
  }
  return values
}

/** The resolved attributes used to write the session cookie. */
export interface CookieAttributes {
  name: string
  path: string
  domain: string | undefined
  httpOnly: boolean
  sameSite: 'lax' | 'strict' | 'none'
  secure: boolean | 'auto'
  partitioned: boolean
}

/** Default cookie attributes. */
export const DEFAULT_COOKIE: CookieAttributes = {
  name: 'sid',
  path: '/',
  domain: undefined,
  httpOnly: true,
  sameSite: 'lax',
  secure: 'auto',
  partitioned: false,
}

/** Fill in defaults (validation happens in options.ts). */
export function cookieAttributes(options: CookieOptions | undefined): CookieAttributes {
  return {
    name: options?.name ?? DEFAULT_COOKIE.name,
    path: options?.path ?? DEFAULT_COOKIE.path,
    domain: options?.domain,
    httpOnly: options?.httpOnly ?? DEFAULT_COOKIE.httpOnly,
    sameSite: options?.sameSite ?? DEFAULT_COOKIE.sameSite,
    secure: options?.secure ?? DEFAULT_COOKIE.secure,
    partitioned: options?.partitioned ?? DEFAULT_COOKIE.partitioned,
  }
}

/** A `Set-Cookie` value carrying `value`; `maxAgeMs` undefined makes a browser-session cookie. */
export function serializeSessionCookie(
  attributes: CookieAttributes,
  value: string,
  secure: boolean,
  maxAgeMs: number | undefined,
): string {
  const maxAge = maxAgeMs === undefined ? undefined : Math.max(0, Math.floor(maxAgeMs / 1000))
  if (!TOKEN.test(value)) {
    return serialize(attributes.name, value, {
      ...sessionCookieOptions(attributes, secure),
      ...(maxAge === undefined ? {} : { maxAge }),
    })
  }
  // A value `cookie` would write as it is (ids, signed ids): the attributes after `Max-Age`
  // never change, so they are serialized (and validated) once per attributes and `secure`.
  let suffixes = SUFFIXES.get(attributes)
  if (suffixes === undefined) {
    suffixes = new Map()
    SUFFIXES.set(attributes, suffixes)
  }
  let suffix = suffixes.get(secure)
  if (suffix === undefined) {
    suffix = serialize(attributes.name, '', sessionCookieOptions(attributes, secure)).slice(
      attributes.name.length + 1,
    )
    suffixes.set(secure, suffix)
  }
  const maxAgePart = maxAge === undefined ? '' : `; Max-Age=${maxAge}`
  return `${attributes.name}=${value}${maxAgePart}${suffix}`
}

// Characters encodeURIComponent leaves alone and `cookie` accepts in a value.
const TOKEN = /^[A-Za-z0-9_.-]*$/
const SUFFIXES = new WeakMap<CookieAttributes, Map<boolean, string>>()

function sessionCookieOptions(attributes: CookieAttributes, secure: boolean) {
  return {
    path: attributes.path,
    ...(attributes.domain === undefined ? {} : { domain: attributes.domain }),
    httpOnly: attributes.httpOnly,
    sameSite: attributes.sameSite,
    secure,
    ...(attributes.partitioned ? { partitioned: true } : {}),
  }
}

/** A `Set-Cookie` value that deletes the session cookie (`Max-Age=0` and a past `Expires`). */
export function serializeClearingCookie(attributes: CookieAttributes, secure: boolean): string {
  return serialize(attributes.name, '', {
    path: attributes.path,
    ...(attributes.domain === undefined ? {} : { domain: attributes.domain }),
    httpOnly: attributes.httpOnly,
    sameSite: attributes.sameSite,
    secure,
    ...(attributes.partitioned ? { partitioned: true } : {}),
    maxAge: 0,
    expires: new Date(0),
  })
}
