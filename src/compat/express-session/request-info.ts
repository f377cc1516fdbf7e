/**
 * Small request facts express-session relies on, reproduced exactly: whether the request is
 * secure (its `proxy` option), the original pathname (for the cookie-path check), and the hash
 * that detects a modified session.
 */
import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'

/**
 * express-session's `issecure`: an https socket is secure; `proxy: true` trusts the first
 * `X-Forwarded-Proto`; `proxy: false` trusts nothing else; unset defers to Express's
 * `req.secure` (its `trust proxy` setting).
 */
export function isSecure(
  req: Pick<IncomingMessage, 'socket' | 'headers'>,
  trustProxy: boolean | undefined,
): boolean {
  if ((req.socket as TLSSocket | null)?.encrypted) return true
  if (trustProxy === false) return false
  if (trustProxy !== true) return (req as { secure?: unknown }).secure === true
  const header = req.headers['x-forwarded-proto']
  const value = (Array.isArray(header) ? header.join(',') : (header ?? '')) as string
  const index = value.indexOf(',')
  const proto = index === -1 ? value : value.slice(0, index)
  return proto.toLowerCase().trim() === 'https'
}

/** The pathname of `req.originalUrl` (Express) or `req.url`, as `parseurl.original` gives it. */
export function originalPathname(req: { url?: string | undefined }): string {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/'
  if (url.startsWith('/')) {
    const end = url.search(/[?#]/)
    return (end === -1 ? url : url.slice(0, end)) || '/'
  }
  try {
    return new URL(url).pathname || '/'
  } catch {
    return '/'
  }
}

/**
 * express-session's change detector: SHA-1 of the session's JSON without its top-level `cookie`.
 * Kept (rather than sessionkit's change sets) because `resave`, `saveUninitialized` and `rolling`
 * are defined by it: the same requests must write the same sessions.
 */
export function hashSession(sess: object): string {
  const str = JSON.stringify(sess, function (this: unknown, key: string, val: unknown) {
    if (this === sess && key === 'cookie') return undefined
    return val
  })
  return createHash('sha1').update(str, 'utf8').digest('hex')
}
