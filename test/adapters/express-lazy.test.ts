// sessionkit/express on cookie-less Express requests: nothing is opened until the session is
// used. A file of its own: Express's response prototype takes only a few middlewares' hooks per
// process (response-prototype.ts), and express.test.ts creates more than that.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import express from 'express'
import express4 from 'express4'
import { session, sessionOf } from '../../src/adapters/express.js'
import { createSessions } from '../../src/index.js'

describe('sessionkit/express on cookie-less Express requests (the session opens on first use)', () => {
  const listen = async (app: express.Express) => {
    const server = createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    return {
      base: `http://127.0.0.1:${port}`,
      close: async () => {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      },
    }
  }

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
    const { base, close } = await listen(app)
    try {
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
    } finally {
      await close()
    }
  })

  it('starts and saves a session first used in a sub-app, also of another Express major', async () => {
    const app = express()
    app.use(session(createSessions()))
    const views = (req: IncomingMessage, res: ServerResponse) => {
      res.end(`views ${String(req.session.increment('views'))}`)
    }
    const sub5 = express()
    sub5.get('/views', views)
    const sub4 = express4()
    sub4.get('/views', views)
    app.use('/five', sub5)
    app.use('/four', sub4)
    const { base, close } = await listen(app)
    try {
      await (await fetch(`${base}/five/views`)).text()
      for (const path of ['/five/views', '/four/views']) {
        const first = await fetch(`${base}${path}`)
        assert.equal(await first.text(), 'views 1', `${path} started a session`)
        const cookie = first.headers.get('set-cookie')?.split(';')[0]
        assert.ok(cookie, `${path} set the session cookie`)
        const second = await fetch(`${base}${path}`, { headers: { cookie } })
        assert.equal(await second.text(), 'views 2', `${path} saved it`)
      }
    } finally {
      await close()
    }
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
    const { base, close } = await listen(app)
    try {
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
    } finally {
      await close()
    }
  })
})
