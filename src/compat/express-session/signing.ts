/**
 * The session cookie's value, as express-session writes and reads it: `s:` + id + `.` +
 * base64(HMAC-SHA-256(id, secret)) without padding (the `cookie-signature` format), URL-encoded
 * in the header. The first secret signs; every secret of a rotation array verifies.
 */
import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { parse } from 'cookie'
import { deprecateOnce } from './deprecate.js'

/** A signing secret, as `crypto.createHmac` accepts it. */
export type Secret = string | NodeJS.ArrayBufferView | KeyObject

/** `val` + `.` + its signature (cookie-signature's `sign`). */
export function sign(val: string, secret: Secret): string {
  const mac = createHmac('sha256', secret).update(val).digest('base64').replace(/=+$/, '')
  return `${val}.${mac}`
}

/**
 * The value of a signed `input` when its signature is valid for `secret`, else false
 * (cookie-signature's `unsign`: the whole string is compared in constant time).
 */
export function unsign(input: string, secret: Secret): string | false {
  const tentative = input.slice(0, input.lastIndexOf('.'))
  const expected = Buffer.from(sign(tentative, secret))
  const given = Buffer.from(input)
  return expected.length === given.length && timingSafeEqual(expected, given) ? tentative : false
}

/** The value of `val` under the first secret that verifies it, else false. */
export function unsignWithAny(val: string, secrets: readonly Secret[]): string | false {
  for (const secret of secrets) {
    const result = unsign(val, secret)
    if (result !== false) return result
  }
  return false
}

/** The request as express-session reads it: the header, or cookie-parser's results. */
type CookieRequest = IncomingMessage & {
  signedCookies?: Record<string, unknown>
  cookies?: Record<string, unknown>
}

/**
 * The session id carried by the request's `name` cookie, if its signature verifies: read from the
 * `Cookie` header, else (for apps mounting cookie-parser first) from `req.signedCookies` and
 * `req.cookies`, as express-session does.
 */
export function readSessionId(
  req: IncomingMessage,
  name: string,
  secrets: readonly Secret[],
): string | undefined {
  const header = req.headers.cookie
  let val: string | undefined
  if (header) {
    const raw = parse(header)[name]
    if (raw && raw.slice(0, 2) === 's:') val = unsignWithAny(raw.slice(2), secrets) || undefined
  }
  const parsed = req as CookieRequest
  if (!val && parsed.signedCookies) {
    const signed = parsed.signedCookies[name]
    if (signed) {
      val = signed as string
      deprecateOnce('cookie should be available in req.headers.cookie')
    }
  }
  if (!val && parsed.cookies) {
    const raw = parsed.cookies[name]
    if (typeof raw === 'string' && raw.slice(0, 2) === 's:') {
      val = unsignWithAny(raw.slice(2), secrets) || undefined
      if (val) deprecateOnce('cookie should be available in req.headers.cookie')
    }
  }
  return val
}
