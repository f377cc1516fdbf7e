/**
 * Peer: Express 5 + express-session on its MemoryStore (`BENCH_STORE=memory`), connect-redis
 * (`redis`) or better-sqlite3-session-store (`sqlite`). `resave: false`,
 * `saveUninitialized: false`, as its docs recommend.
 */

import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { RedisStore } from 'connect-redis'
import express from 'express'
import expressSession, { type Store } from 'express-session'
import { createClient } from 'redis'
import { BLOB, childEnv, listen, wantsBig } from './child.js'

type StoreClass = new (options: { client: unknown }) => Store

const env = childEnv()
const closers: Array<() => Promise<unknown>> = []
let store: Store | undefined
if (env.store === 'redis') {
  const client = createClient({ socket: { host: '127.0.0.1', port: env.redisPort } })
  await client.connect()
  store = new RedisStore({ client, prefix: `bench-es:${process.pid}:` })
  closers.push(() => client.quit())
} else if (env.store === 'sqlite') {
  const require = createRequire(import.meta.url)
  const factory = require('better-sqlite3-session-store') as (s: unknown) => StoreClass
  const db = new Database(join(env.dir, 'express-sessions.db'))
  db.pragma('journal_mode = WAL')
  const SqliteStore = factory(expressSession)
  store = new SqliteStore({ client: db })
  closers.push(async () => db.close())
}

// express-session's data, without the augmentation of sessionkit's req.session.
interface PeerSession {
  views?: number | undefined
  blob?: string
  regenerate(cb: (err: unknown) => void): void
}
const sessionOf = (req: express.Request) => (req as unknown as { session: PeerSession }).session

const app = express()
app.use(
  expressSession({
    secret: 'bench-secret-bench-secret-bench-secret',
    resave: false,
    saveUninitialized: false,
    ...(store === undefined ? {} : { store }),
  }),
)
app.get('/hello', (_req, res) => {
  res.send('hello')
})
app.get('/read', (req, res) => {
  res.send(`views: ${String(sessionOf(req).views)}`)
})
const incr = (req: express.Request, res: express.Response) => {
  const s = sessionOf(req)
  s.views = (s.views ?? 0) + 1
  res.send(`views: ${s.views}`)
}
app.get('/incr', incr)
app.get('/big', incr)
app.get('/regen', (req, res, next) => {
  // express-session's regenerate empties the session; keep its data as an app would.
  const { views, blob } = sessionOf(req)
  sessionOf(req).regenerate((err) => {
    if (err) return next(err)
    const s = sessionOf(req)
    s.views = views
    if (blob !== undefined) s.blob = blob
    res.send('regenerated')
  })
})
app.get('/seed', (req, res) => {
  const s = sessionOf(req)
  s.views = 0
  if (wantsBig(req.url)) s.blob = BLOB
  res.send('seeded')
})
listen(createServer(app), ...closers)
