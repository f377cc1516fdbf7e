/**
 * `createTestClient(handler)`: a real HTTP server on a free loopback port, and a client with a
 * cookie jar that talks to it. Works with any node:http handler: an Express or Connect app, or
 * `(req, res) => …` with the `sessionkit/express` middleware inside.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'

/** Options of {@link TestClient.request}. */
export interface TestRequestInit {
  /** @default 'GET' */
  method?: string
  /**
   * Request headers. A `cookie` header given here is sent as is, instead of the jar's cookies
   * (to present hand-made or hostile cookies).
   */
  headers?: Record<string, string>
  /** A string is sent as is; anything else as JSON (with `Content-Type: application/json`). */
  body?: string | object
  /** Redirects are never followed; the 3xx response is returned. @default 'manual' */
  redirect?: 'manual'
  /** Send the jar's cookies and store the response's. @default true */
  jar?: boolean
}

/** A response as the test client received it. */
export interface TestResponse {
  /** The HTTP status code. */
  status: number
  /** Response headers, names in lower case (`set-cookie` is an array). */
  headers: IncomingHttpHeaders
  /** The body as UTF-8 text. */
  body: string
  /** Every `Set-Cookie` header value, in order. */
  setCookies: string[]
}

/** The client's cookies: name → value, as a browser without path or domain rules keeps them. */
export interface CookieJar {
  /** The value of cookie `name`, if the jar has it. */
  get(name: string): string | undefined
  /** Add or replace a cookie, as if a response had set it. */
  set(name: string, value: string): void
  /** Remove one cookie. */
  delete(name: string): void
  /** Remove every cookie (a new browser). */
  clear(): void
  /** The `Cookie` header the next request sends (`''` when empty). */
  header(): string
}

/** A server under test with a cookie-keeping client. */
export interface TestClient {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly url: string
  /** Send a request to `path` (never follows redirects). */
  request(path: string, init?: TestRequestInit): Promise<TestResponse>
  /** The cookies sent with every request (unless `jar: false` or an explicit `cookie` header). */
  readonly jar: CookieJar
  /** Stop the server and drop its connections. */
  close(): Promise<void>
}

/**
 * Start `handler` on 127.0.0.1 (a free port) and return a client with a cookie jar. Given a URL
 * instead, the client talks to a server that is already running (and `close()` leaves it be).
 *
 * @example
 * ```ts
 * const client = await createTestClient(app)
 * await client.request('/login', { method: 'POST', body: { name: 'ada' } })
 * const page = await client.request('/') // sends the session cookie the login set
 * await client.close()
 * ```
 */
export async function createTestClient(
  handler: ((req: IncomingMessage, res: ServerResponse) => void) | string,
): Promise<TestClient> {
  if (typeof handler === 'string') {
    const jar = createJar()
    const url = new URL(handler).origin
    return {
      url,
      jar,
      request: (path, init = {}) => send(url, path, init, jar),
      close: async () => {},
    }
  }
  const server = createServer(handler)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  const jar = createJar()
  let closed: Promise<void> | undefined

  return {
    url,
    jar,
    request: (path, init = {}) => send(url, path, init, jar),
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections?.()
      })
      return closed
    },
  }
}

function send(
  base: string,
  path: string,
  init: TestRequestInit,
  jar: CookieJar,
): Promise<TestResponse> {
  const useJar = init.jar !== false
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(init.headers ?? {}))
    headers[name.toLowerCase()] = value
  let body: string | undefined
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body)
    if (typeof init.body !== 'string') headers['content-type'] ??= 'application/json'
    headers['content-length'] = String(Buffer.byteLength(body))
  }
  if (useJar && headers['cookie'] === undefined && jar.header() !== '') {
    headers['cookie'] = jar.header()
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, base),
      { method: init.method ?? 'GET', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('aborted', () => reject(new Error('the response was aborted by the server')))
        res.on('end', () => {
          if (!res.complete) {
            reject(new Error('the response was cut off by the server'))
            return
          }
          const setCookies = res.headers['set-cookie'] ?? []
          if (useJar) for (const cookie of setCookies) storeCookie(jar, cookie)
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            setCookies,
          })
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

function createJar(): CookieJar {
  const cookies = new Map<string, string>()
  return {
    get: (name) => cookies.get(name),
    set: (name, value) => void cookies.set(name, value),
    delete: (name) => void cookies.delete(name),
    clear: () => cookies.clear(),
    header: () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
  }
}

/** Keep or drop one cookie from a `Set-Cookie` value (`Max-Age` ≤ 0 or a past `Expires` drops). */
function storeCookie(jar: CookieJar, setCookie: string): void {
  const [pair = '', ...attributes] = setCookie.split(';')
  const eq = pair.indexOf('=')
  if (eq <= 0) return
  const name = pair.slice(0, eq).trim()
  const value = pair.slice(eq + 1).trim()
  let expired = false
  for (const attribute of attributes) {
    const [key = '', ...rest] = attribute.split('=')
    const attrValue = rest.join('=').trim()
    const lower = key.trim().toLowerCase()
    if (lower === 'max-age' && Number(attrValue) <= 0) expired = true
    if (lower === 'expires' && Date.parse(attrValue) <= Date.now()) expired = true
  }
  if (expired) jar.delete(name)
  else jar.set(name, value)
}
