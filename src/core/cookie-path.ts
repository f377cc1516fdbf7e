/**
 * The server-side half of cookie `Path` scoping (BI-64): a session cookie is only read on
 * requests whose normalized path path-matches the cookie's Path (RFC 6265 §5.1.4), so a cookie
 * set for `/app` never loads on `/app-evil`, `/application`, `/APP` or `/app/../admin`, even when
 * the middleware is mounted more widely than the cookie.
 */

const SLASH = 47

/** True when the request URL (origin- or absolute-form) is inside `cookiePath`. */
export function pathMatches(cookiePath: string, url: string): boolean {
  if (cookiePath === '/') return true
  let path: string
  try {
    // Resolves `.`/`..` segments as a browser would before sending; never percent-decodes.
    path = new URL(url, 'http://localhost').pathname
  } catch {
    return false
  }
  if (path === cookiePath) return true
  if (!path.startsWith(cookiePath)) return false
  return (
    cookiePath.charCodeAt(cookiePath.length - 1) === SLASH ||
    path.charCodeAt(cookiePath.length) === SLASH
  )
}
