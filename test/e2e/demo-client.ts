// HTTP-level "devices" for driving the demo app: a cookie jar with its own User-Agent whose
// form posts carry an Origin header, as a browser's do, and readers for what the pages show.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createTestClient, type TestResponse } from '../../src/testing/test-client.js'

export const FIREFOX_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0'
export const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
export const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

export const visits = (html: string): number =>
  Number(/Visits in this session: <strong>(\d+)<\/strong>/.exec(html)?.[1])
export const csrfOf = (html: string): string => {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
  if (!token) throw new Error('no CSRF token in the page')
  return token
}
/** The store key (handle) of a session id: base64url(SHA-256(id)). */
export const handleOf = (id: string) => createHash('sha256').update(id).digest('base64url')

/** A browser-like client: its own cookie jar and User-Agent; forms carry an Origin header. */
export async function device(url: string, userAgent: string) {
  const client = await createTestClient(url)
  const get = (path: string, headers: Record<string, string> = {}) =>
    client.request(path, { headers: { 'user-agent': userAgent, ...headers } })
  const post = (path: string, fields: Record<string, string>, headers = {}) =>
    client.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: url,
        'user-agent': userAgent,
        ...headers,
      },
      body: new URLSearchParams(fields).toString(),
    })
  /** Post a form whose CSRF token comes from the page at `from`. */
  const submit = async (from: string, action: string, fields: Record<string, string> = {}) =>
    post(action, { ...fields, _csrf: csrfOf((await get(from)).body) })
  const signIn = async (name: string) => {
    const res = await submit('/sign-in', '/sign-in', { name })
    assert.equal(res.status, 303)
  }
  const sid = () => client.jar.get('sid') as string
  return { client, get, post, submit, signIn, sid }
}

/** The display name in the header, or null when signed out. */
export const signedInAs = (page: TestResponse) =>
  /Signed in as <strong>([^<]*)<\/strong>/.exec(page.body)?.[1] ?? null
