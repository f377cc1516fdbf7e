// Raw HTTP for the Express-level security tests: repeated headers, latin-1 (invalid UTF-8) header
// bytes, any body and content type, and the cookie jar of a sessionkit TestClient.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import type { TestClient } from '../../src/testing/test-client.js'

/** A request as the tests send it. */
export interface RawInit {
  method?: string
  headers?: Record<string, string | string[]>
  body?: string | Buffer
  /** Use the client's cookie jar (sent, and updated from Set-Cookie). @default true */
  jar?: boolean
}

/** A response as received. */
export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  body: string
  setCookies: string[]
  /** The parsed JSON body, or undefined. */
  json: Record<string, unknown> | undefined
}

/** Send one request to the client's server; headers are written as given (latin-1). */
export function send(client: TestClient, path: string, init: RawInit = {}): Promise<RawResponse> {
  const headers: Record<string, string | string[]> = { ...init.headers }
  const useJar = init.jar !== false
  if (useJar && headers.cookie === undefined && client.jar.header() !== '') {
    headers.cookie = client.jar.header()
  }
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body))
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, client.url),
      { method: init.method ?? 'GET', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          const setCookies = res.headers['set-cookie'] ?? []
          if (useJar) {
            for (const cookie of setCookies) {
              const [pair = ''] = cookie.split(';', 1)
              const eq = pair.indexOf('=')
              const name = pair.slice(0, eq)
              if (/;\s*Max-Age=0/i.test(cookie)) client.jar.delete(name)
              else client.jar.set(name, pair.slice(eq + 1))
            }
          }
          const body = Buffer.concat(chunks).toString('utf8')
          let json: Record<string, unknown> | undefined
          try {
            json = JSON.parse(body) as Record<string, unknown>
          } catch {
            json = undefined
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, setCookies, json })
        })
      },
    )
    req.on('error', reject)
    req.end(init.body)
  })
}

/** `application/x-www-form-urlencoded` body of `fields` (values already encoded as given). */
export function form(fields: Array<[string, string]>): {
  headers: Record<string, string>
  body: string
} {
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.map(([k, v]) => `${k}=${v}`).join('&'),
  }
}

/** A JSON body. */
export function json(value: unknown): { headers: Record<string, string>; body: string } {
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) }
}
