// The sessionkit demo: an Express 5 app on the SQLite store. `npm start` builds the package and
// runs this file; it imports sessionkit by name, exactly as an application would.
//
//   PORT                      port to listen on (default 3000; 0 picks a free one)
//   HOST                      interface to listen on (default: all)
//   SESSIONKIT_DEMO_DATA_DIR  where demo-sessions.db lives (default: <repo>/.sessionkit-data)
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import express from 'express'
import { createSessions } from 'sessionkit'
import { session } from 'sessionkit/express'
import { createSqliteStore } from 'sessionkit/stores/sqlite'
import { errorPage, homePage, sessionPage, signInPage } from './views.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const dataDir = resolve(process.env.SESSIONKIT_DEMO_DATA_DIR || join(root, '.sessionkit-data'))
mkdirSync(dataDir, { recursive: true })

const sessions = createSessions({
  store: createSqliteStore({ path: join(dataDir, 'demo-sessions.db') }),
  idleTimeout: '30m',
  absoluteTimeout: '12h',
})

const app = express()
app.disable('x-powered-by')
app.use((_req, res, next) => {
  res.set({
    'Content-Security-Policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'Referrer-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
  })
  next()
})
app.use(express.urlencoded({ extended: false }))
app.use(session(sessions))

/** A name from the sign-in form, or null when it is not one. */
function nameFrom(body) {
  const name = typeof body?.name === 'string' ? body.name.trim() : ''
  return name.length >= 1 && name.length <= 40 ? name : null
}

// sessionkit's csrf() middleware is the way to do this in an app; the demo checks by hand to show
// what the session provides: a per-session secret, masked anew in every token.
function requireCsrf(req, res, next) {
  if (req.session.verifyCsrf(req.body?._csrf)) next()
  else
    res.status(403).send(errorPage({ status: 403, message: 'The form expired. Please try again.' }))
}

const signedInUser = (req) => req.session.meta.userId

app.get('/', (req, res) => {
  const views = req.session.increment('views')
  const user = signedInUser(req)
  res.send(
    homePage({
      views,
      flash: req.session.getFlash('notice'),
      user,
      csrfToken: user ? req.session.csrfToken() : null,
    }),
  )
})

app.get('/sign-in', (req, res) => {
  res.send(signInPage({ csrfToken: req.session.csrfToken() }))
})

app.post('/sign-in', requireCsrf, async (req, res) => {
  const name = nameFrom(req.body)
  if (name === null) {
    res.status(422).send(
      signInPage({
        csrfToken: req.session.csrfToken(),
        error: 'Please enter a name of 1 to 40 characters.',
        name: typeof req.body?.name === 'string' ? req.body.name : '',
      }),
    )
    return
  }
  // A new id at every privilege change (session fixation): login regenerates and binds the user.
  await req.session.login(name)
  req.session.flash('notice', `Welcome, ${name}`)
  res.redirect(303, '/')
})

app.post('/sign-out', requireCsrf, async (req, res) => {
  await req.session.logout()
  // The old session is gone; this flash starts a fresh one for the next page.
  req.session.flash('notice', 'Signed out')
  res.redirect(303, '/')
})

app.get('/session', (req, res) => {
  const user = signedInUser(req)
  res.send(
    sessionPage({
      id: req.session.id,
      handle: req.session.handle,
      meta: req.session.meta,
      user,
      csrfToken: user ? req.session.csrfToken() : null,
    }),
  )
})

app.use((_req, res) => {
  res.status(404).send(errorPage({ status: 404, message: 'There is nothing here.' }))
})

// Express 5 passes rejected async handlers here. sessionkit errors carry their HTTP status:
// 503 when the store is down, 413 when the session grew too large.
app.use((error, _req, res, _next) => {
  const status = Number.isInteger(error?.status) && error.status >= 400 ? error.status : 500
  if (status >= 500) console.error(error)
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.status(status).send(errorPage({ status, message: 'Something went wrong.' }))
})

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
  // Finish in-flight requests (their sessions are saved before their responses end), then close
  // the store.
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
