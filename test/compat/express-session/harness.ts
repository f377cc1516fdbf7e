// Both implementations (the real express-session 1.19 and sessionkit's drop-in), both Express
// majors, a real server per run, a cookie-jar client over node:http, and the normalisation that
// makes two runs comparable (random ids → SID1, SID2…; Expires → minutes from now).
import '../../adapters/test-env.js'
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import express from 'express'
import express4 from 'express4'
import dropIn, { type SessionFunction } from '../../../src/compat/express-session/index.js'

const require = createRequire(import.meta.url)

/** The real express-session, loaded untyped (its @types would retype Express's Request). */
export const real = require('express-session') as SessionFunction

/** cookie-signature, the package express-session signs with, to check cookies independently. */
export const signature = require('cookie-signature') as {
  sign(value: string, secret: string): string
  unsign(input: string, secret: string): string | false
}

/** An implementation under test. */
export interface Impl {
  name: string
  session: SessionFunction
}

export const impls: Impl[] = [
  { name: 'express-session', session: real },
  { name: 'sessionkit', session: dropIn },
]

/** A minimal Express app type, common to Express 4 and 5 for what the tests use. */
export type App = ReturnType<typeof express>

export interface Framework {
  name: string
  create(): App
}

export const frameworks: Framework[] = [
  { name: 'Express 5', create: () => express() },
  { name: 'Express 4', create: () => express4() as unknown as App },
]

/** A server listening on a free loopback port. */
export interface Served {
  url: string
  server: Server
  close(): Promise<void>
}

export async function serve(app: App): Promise<Served> {
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A response as the tests see it. */
export interface Reply {
  status: number
  body: string
  setCookies: string[]
  headers: IncomingMessage['headers']
  /** When the response headers arrived (performance.now()). */
  headersAt: number
}

/** One request on a fresh connection (no keep-alive, so nothing stays open). */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false },
      (res) => {
        const headersAt = performance.now()
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            setCookies: res.headers['set-cookie'] ?? [],
            headers: res.headers,
            headersAt,
          }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end()
  })
}

/** A browser-like cookie jar over `request` (one origin, no path/expiry rules beyond deletion). */
export class Client {
  readonly jar = new Map<string, string>()
  readonly #base: string

  constructor(base: string) {
    this.#base = base
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    const cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ')
    const reply = await request(this.#base + path, {
      headers: cookie ? { cookie, ...headers } : headers,
    })
    for (const header of reply.setCookies) {
      const [pair = ''] = header.split(';')
      const index = pair.indexOf('=')
      const name = pair.slice(0, index)
      const expired = /expires=thu, 01 jan 1970/i.test(header) || /max-age=0/i.test(header)
      if (expired) this.jar.delete(name)
      else this.jar.set(name, pair.slice(index + 1))
    }
    return reply
  }
}

/** Replaces random session ids by SID1, SID2… in order of appearance, per run. */
export class Normalizer {
  readonly #ids = new Map<string, string>()
  readonly #secrets: readonly string[]
  readonly #keep: RegExp | undefined

  constructor(secrets: readonly string[] = [], keep?: RegExp) {
    this.#secrets = secrets
    this.#keep = keep
  }

  id(raw: string): string {
    if (this.#keep?.test(raw)) return raw
    let label = this.#ids.get(raw)
    if (!label) {
      label = `SID${this.#ids.size + 1}`
      this.#ids.set(raw, label)
    }
    return label
  }

  /** A Set-Cookie header with its value checked and replaced, and Expires made relative. */
  setCookie(header: string): string {
    const [pair = '', ...attributes] = header.split('; ')
    const index = pair.indexOf('=')
    const name = pair.slice(0, index)
    const value = decodeURIComponent(pair.slice(index + 1))
    const shown = value.startsWith('s:') ? this.#signed(value.slice(2)) : value && 'UNSIGNED'
    const attrs = attributes.map((attr) => {
      if (!attr.startsWith('Expires=')) return attr
      const minutes = Math.round((Date.parse(attr.slice(8)) - Date.now()) / 60_000)
      return `Expires=+${minutes}m`
    })
    return [`${name}=${shown}`, ...attrs].join('; ')
  }

  #signed(value: string): string {
    for (const [index, secret] of this.#secrets.entries()) {
      const id = signature.unsign(value, secret)
      if (id !== false) return `s:${this.id(id)}.sig(secret#${index})`
    }
    return 'BAD-SIGNATURE'
  }

  /** Every raw id known so far replaced in `text`. */
  text(text: string): string {
    let out = text
    for (const [raw, label] of this.#ids) out = out.split(raw).join(label)
    return out
  }
}
