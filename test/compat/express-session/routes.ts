// The routes every scenario runs against, written once as an express-session app would write
// them (plain req.session properties and callbacks). Bodies are JSON without raw ids.
import type { Request, Response } from 'express'
import type { App, Impl } from './harness.js'

type Sess = Record<string, unknown> & {
  id: string
  cookie: {
    maxAge: number | null
    originalMaxAge: number | null
    expires: Date | null | undefined
    secure?: unknown
    sameSite?: unknown
  }
  regenerate(cb: (err?: unknown) => void): void
  destroy(cb: (err?: unknown) => void): void
  reload(cb: (err?: unknown) => void): void
  save(cb?: (err?: unknown) => void): void
  touch(): void
}
type Req = Omit<Request, 'session'> & { session?: Sess | null; sessionID?: string }

function sess(req: Request): Sess {
  return (req as unknown as Req).session as Sess
}

/** What a handler reports about the session: data (no cookie), cookie facts, id consistency. */
function describe(req: Request, impl: Impl): Record<string, unknown> {
  const s = (req as unknown as Req).session
  if (!s)
    return { session: null, hasSessionID: typeof (req as unknown as Req).sessionID === 'string' }
  const data: Record<string, unknown> = {}
  for (const key of Object.keys(s)) if (key !== 'cookie') data[key] = s[key]
  const { cookie } = s
  return {
    data,
    idMatches: s.id === (req as unknown as Req).sessionID,
    isSession: s instanceof impl.session.Session,
    isCookie: cookie instanceof impl.session.Cookie,
    maxAgeS: cookie.maxAge === null ? null : Math.round(cookie.maxAge / 1000),
    // express-session itself sometimes stores 59999 for 60000 (a clock tick inside its setter).
    originalMaxAge: toSecond(cookie.originalMaxAge),
    hasExpires: cookie.expires instanceof Date,
    secure: cookie.secure ?? null,
    sameSite: cookie.sameSite ?? null,
  }
}

const done = (res: Response, next: (err?: unknown) => void) => (err?: unknown) =>
  err ? next(err) : res.json({ ok: true })

/** Mount the scenario routes on `app` for `impl`. */
export function mountRoutes(app: App, impl: Impl): void {
  app.get('/', (_req, res) => {
    res.send('ok')
  })
  app.get('/info', (req, res) => {
    res.json(describe(req, impl))
  })
  app.get('/views', (req, res) => {
    const s = sess(req)
    s['views'] = ((s['views'] as number | undefined) ?? 0) + 1
    res.json(describe(req, impl))
  })
  app.get('/set', (req, res) => {
    const s = sess(req)
    for (const [key, value] of Object.entries(req.query)) s[key] = value
    res.json(describe(req, impl))
  })
  app.get('/save', (req, res, next) => {
    sess(req)['saved'] = true
    sess(req).save((err) => (err ? next(err) : res.json(describe(req, impl))))
  })
  app.get('/regenerate', (req, res, next) => {
    sess(req).regenerate((err) => {
      if (err) return next(err)
      sess(req)['user'] = 'alice'
      res.json(describe(req, impl))
    })
  })
  app.get('/destroy', (req, res, next) => {
    sess(req).destroy(done(res, next))
  })
  app.get('/reload', (req, res, next) => {
    sess(req)['unsaved'] = true
    sess(req).reload((err) => (err ? next(err) : res.json(describe(req, impl))))
  })
  app.get('/touch', (req, res) => {
    sess(req).touch()
    res.json(describe(req, impl))
  })
  app.get('/max-age', (req, res) => {
    sess(req).cookie.maxAge = Number(req.query['ms'])
    res.json(describe(req, impl))
  })
  app.get('/unset', (req, res) => {
    ;(req as unknown as Req).session = null
    res.json({ ok: true })
  })
  app.get('/redirect', (req, res) => {
    sess(req)['flash'] = 'saved before redirect'
    res.redirect('/info')
  })
}

/** Milliseconds rounded to whole seconds (null kept). */
export function toSecond(ms: number | null | undefined): number | null | undefined {
  return typeof ms === 'number' ? Math.round(ms / 1000) * 1000 : ms
}
