// Shared by the Express test files: a server for one test, the counting route, and the check
// that a session started on one request is saved for the next.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import express4 from 'express4'

/** Serve `app` on a loopback port while `run` gets its base URL, then close every connection. */
export async function serve(
  app: (req: IncomingMessage, res: ServerResponse) => void,
  run: (base: string) => Promise<void>,
): Promise<void> {
  const server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  try {
    await run(`http://127.0.0.1:${port}`)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

/** A route answering `views N` after incrementing `views` in `req.session`. */
export function views(req: IncomingMessage, res: ServerResponse): void {
  res.end(`views ${String(req.session.increment('views'))}`)
}

/** `path` started a session (`views 1`, its cookie set) that the next request sees saved. */
export async function countViews(base: string, path: string): Promise<void> {
  const first = await fetch(`${base}${path}`)
  const cookie = first.headers.get('set-cookie')?.split(';')[0]
  assert.ok(cookie, `the first response to ${path} sets the session cookie`)
  assert.equal(await first.text(), 'views 1', `${path} started a session`)
  const second = await fetch(`${base}${path}`, { headers: { cookie } })
  assert.equal(await second.text(), 'views 2', `the second request to ${path} sees the saved write`)
}

/** `/five/views` in an Express 5 sub-app and `/four/views` in an Express 4 one, under `app`. */
export function mountSubApps(app: express.Express): void {
  const sub5 = express()
  sub5.get('/views', views)
  const sub4 = express4()
  sub4.get('/views', views)
  app.use('/five', sub5)
  app.use('/four', sub4)
}
