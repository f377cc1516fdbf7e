// sessionkit/express on cookie-less Express requests: nothing is opened until the session is
// used. A file of its own: Express's response prototype takes only a few middlewares' hooks per
// process (response-prototype.ts), and express.test.ts creates more than that.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import express from 'express'
import { session, sessionOf } from '../../src/adapters/express.js'
import { createSessions } from '../../src/index.js'
import { countViews, mountSubApps, serve } from './express-apps.js'

describe('sessionkit/express on cookie-less Express requests (the session opens on first use)', () => {
  it('opens nothing for a route that never uses the session, and starts, hooks and saves one that does', async (t) => {
    const sessions = createSessions()
    const opens = t.mock.method(
      sessions as unknown as Record<string, () => unknown>,
      'openWithoutCookie',
    )
    const app = express()
    app.use(session(sessions))
    // Wraps res.end on the response itself after session() ran, as compression() does.
    app.use((_req, res, next) => {
      const end = res.end.bind(res) as (...args: unknown[]) => typeof res
      res.end = ((...args: unknown[]) => end(...args)) as typeof res.end
      next()
    })
    app.get('/hello', (_req, res) => {
      res.end('hello')
    })
    app.get('/views', async (req, res) => {
      await new Promise((resolve) => setImmediate(resolve))
      res.end(`views ${String(sessionOf(req, sessions).increment('views'))}`)
    })
    await serve(app, async (base) => {
      await (await fetch(`${base}/hello`)).text()
      const learnt = opens.mock.callCount()
      const hello = await fetch(`${base}/hello`)
      assert.equal(await hello.text(), 'hello')
      assert.equal(hello.headers.get('set-cookie'), null, 'an untouched session sends no cookie')
      assert.equal(opens.mock.callCount(), learnt, 'no session opened for /hello')
      const first = await fetch(`${base}/views`)
      assert.equal(await first.text(), 'views 1')
      assert.equal(opens.mock.callCount(), learnt + 1, 'one session opened, on first use')
      const cookie = first.headers.get('set-cookie')?.split(';')[0]
      assert.ok(cookie, 'the session started after an await sets its cookie')
      const second = await fetch(`${base}/views`, { headers: { cookie } })
      assert.equal(await second.text(), 'views 2', 'and was saved')
    })
  })

  it('starts and saves a session first used in a sub-app, also of another Express major', async () => {
    const app = express()
    app.use(session(createSessions()))
    mountSubApps(app)
    await serve(app, async (base) => {
      // The middleware's first cookie-less request opens at once; the next ones wait for use.
      await (await fetch(`${base}/five/views`)).text()
      await countViews(base, '/five/views')
      await countViews(base, '/four/views')
    })
  })

  it('keeps two stacked middlewares apart, and saves both sessions of one response hooked through the prototype', async () => {
    const a = createSessions({ cookie: { name: 'a' } })
    const b = createSessions({ cookie: { name: 'b' } })
    const app = express()
    app.use(session(a))
    app.use(session(b, { property: 'other' }))
    app.get('/a', (req, res) => {
      const other = (req as unknown as Record<string, unknown>).other
      const same = [
        req.session === sessionOf(req, a),
        other === sessionOf(req, b),
        other !== req.session,
      ]
      req.session.set('n', 1)
      res.end(JSON.stringify(same))
    })
    app.get('/both', (req, res) => {
      const other = sessionOf(req, b)
      const body = `${req.session.increment('n')},${other.increment('n', 10)},${Object.hasOwn(res, 'end')}`
      res.end(body)
    })
    await serve(app, async (base) => {
      await (await fetch(`${base}/a`)).text()
      const response = await fetch(`${base}/a`)
      assert.deepEqual(JSON.parse(await response.text()), [true, true, true], 'sessions as mounted')
      const cookies = response.headers.getSetCookie().map((c) => c.split('=')[0])
      assert.deepEqual(cookies, ['a'], 'only the session written to sets its cookie')

      const first = await fetch(`${base}/both`)
      assert.equal(await first.text(), '1,10,false', 'both started; no method put on the response')
      const cookie = first.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ')
      assert.deepEqual(
        cookie
          .split('; ')
          .map((c) => c.split('=')[0])
          .sort(),
        ['a', 'b'],
        'both cookies set',
      )
      const second = await fetch(`${base}/both`, { headers: { cookie } })
      assert.equal(await second.text(), '2,20,false', 'both saved')
    })
  })
})
