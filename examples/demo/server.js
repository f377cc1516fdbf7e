// The sessionkit demo: an Express 5 app, on the SQLite store unless SESSIONKIT_STORE names
// another. `npm start` builds the package and runs this file; it imports sessionkit by name,
// exactly as an application would.
//
//   PORT                      port to listen on (default 3000; 0 picks a free one)
//   HOST                      interface to listen on (default: all)
//   SESSIONKIT_STORE          a store URL (redis://…, postgres://…, file:…, sqlite:…, memory:)
//   SESSIONKIT_DEMO_DATA_DIR  where demo-sessions.db lives without SESSIONKIT_STORE
//                             (default: <repo>/.sessionkit-data)
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import express from 'express'
import { CsrfError, createSessions, createStoreFromUrl } from 'sessionkit'
import { csrf, session } from 'sessionkit/express'
import { createSqliteStore } from 'sessionkit/stores/sqlite'
import { mountRoutes } from './routes.js'
import { errorPage } from './views.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '../..')

/** The store: SESSIONKIT_STORE when set, else a SQLite file in the data directory. */
async function openStore() {
  const url = process.env.SESSIONKIT_STORE
  if (url) return createStoreFromUrl(url)
  const dataDir = resolve(process.env.SESSIONKIT_DEMO_DATA_DIR || join(root, '.sessionkit-data'))
  mkdirSync(dataDir, { recursive: true })
  return createSqliteStore({ path: join(dataDir, 'demo-sessions.db') })
}

function createApp(sessions) {
  const app = express()
  app.disable('x-powered-by')
  app.use((_req, res, next) => {
    res.set({
      // No inline style or script anywhere: the stylesheet is a file, and there is no script.
      'Content-Security-Policy':
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'Referrer-Policy': 'same-origin',
      'X-Content-Type-Options': 'nosniff',
    })
    next()
  })
  // Static files come before the session: a stylesheet costs no store read.
  app.use('/assets', express.static(join(here, 'public'), { maxAge: '1h' }))
  app.get('/favicon.ico', (_req, res) => res.status(204).end())
  app.use(express.urlencoded({ extended: false }))
  app.use(session(sessions))
  // Every POST below needs a same-origin request and the session's token in the `_csrf` field.
  app.use(csrf())
  mountRoutes(app, sessions)

  app.use((req, res) => {
    res
      .status(404)
      .send(errorPage(pageView(req), { status: 404, message: 'There is nothing here.' }))
  })
  // Express 5 passes rejected async handlers here. sessionkit errors carry their HTTP status:
  // 403 for a failed CSRF check, 503 when the store is down, 413 when the session grew too large.
  app.use((error, req, res, _next) => {
    const status = Number.isInteger(error?.status) && error.status >= 400 ? error.status : 500
    if (status >= 500) console.error(error)
    if (res.headersSent) {
      res.destroy()
      return
    }
    const message =
      error instanceof CsrfError
        ? 'The form expired or came from another site. Please go back, reload and try again.'
        : 'Something went wrong.'
    res.status(status).send(errorPage(pageView(req), { status, message }))
  })
  return app
}

/** The frame of an error page: no user details, since the session may be what failed. */
const pageView = (req) => ({ path: req.path, user: null, csrfToken: null, cartCount: 0 })

async function main() {
  const sessions = createSessions({
    store: await openStore(),
    idleTimeout: '30m',
    absoluteTimeout: '12h',
  })
  const app = createApp(sessions)
  const port = Number(process.env.PORT ?? 3000)
  const listenArgs = process.env.HOST ? [port, process.env.HOST] : [port]
  const server = app.listen(...listenArgs, (error) => {
    if (error) {
      console.error(error)
      process.exit(1)
    }
    console.log(`sessionkit demo listening on http://localhost:${server.address().port}`)
  })

  let closing = false
  async function shutdown() {
    if (closing) return
    closing = true
    // Finish in-flight requests (their sessions are saved before their responses end), then
    // close the store.
    const closed = new Promise((done) => server.close(done))
    server.closeIdleConnections?.()
    const force = setTimeout(() => server.closeAllConnections?.(), 5000)
    force.unref()
    await closed
    await sessions.close()
  }
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      shutdown().catch((error) => {
        console.error(error)
        process.exitCode = 1
      })
    })
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
