// A small express-session application on connect-redis, as a user writes it. The code after
// `session` is handed in is the same for express-session and sessionkit/express-session: switching
// is changing the import that provides `session`.
import { RedisStore } from 'connect-redis'
import express, { type Express, type Request } from 'express'
import type { createClient } from 'redis'
import type { SessionFunction } from '../../../src/compat/express-session/index.js'

/** How the app is deployed: the Redis connection, key prefix and the session switches. */
export interface AppConfig {
  client: ReturnType<typeof createClient>
  /** connect-redis key prefix (unique per test run). */
  prefix: string
  /** @default false */
  resave?: boolean
  /** @default false */
  rolling?: boolean
  /** @default false */
  saveUninitialized?: boolean
}

interface AppSession {
  user?: { name: string }
  count?: number
  regenerate(callback: (error?: unknown) => void): void
  save(callback: (error?: unknown) => void): void
  destroy(callback: (error?: unknown) => void): void
}

// Typing only: the session's fields as this app uses them.
const sessionOf = (req: Request) => (req as unknown as { session: AppSession }).session

/** The app for `config`, as a function of the session module: `(session) => app`. */
export function defineApp(config: AppConfig): (session: SessionFunction) => Express {
  return (session) => {
    const app = express()
    app.use(
      session({
        store: new RedisStore({ client: config.client, prefix: config.prefix }),
        secret: ['new-secret', 'old-secret'],
        resave: config.resave ?? false,
        saveUninitialized: config.saveUninitialized ?? false,
        rolling: config.rolling ?? false,
        cookie: { maxAge: 60_000 },
      }),
    )

    // Passport's login: a new session id for the signed-in user, saved before redirecting.
    app.post('/sign-in', express.json(), (req, res, next) => {
      sessionOf(req).regenerate((error) => {
        if (error) return next(error)
        sessionOf(req).user = { name: String(req.body?.name) }
        sessionOf(req).save((error) => (error ? next(error) : res.redirect(303, '/me')))
      })
    })

    app.post('/count', (req, res) => {
      const s = sessionOf(req)
      s.count = (s.count ?? 0) + 1
      res.json({ count: s.count })
    })

    app.get('/me', (req, res) => {
      const s = sessionOf(req)
      res.json({ user: s.user ?? null, count: s.count ?? null })
    })

    app.post('/sign-out', (req, res, next) => {
      sessionOf(req).destroy((error) => (error ? next(error) : res.redirect(303, '/')))
    })

    return app
  }
}
