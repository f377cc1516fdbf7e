// Where the drop-in deliberately differs from express-session 1.19: the bugs it fixes. Each test
// shows the drop-in's behaviour, and (where it is deterministic) express-session's, for contrast.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { NextFunction, Request, Response } from 'express'
import type { ErrorCallback, Store } from '../../src/compat/express-session/index.js'
import {
  Client,
  frameworks,
  type Impl,
  impls,
  request,
  serve,
  signature,
} from './express-session/harness.js'

const [realImpl, dropInImpl] = impls as [Impl, Impl]
const base = { secret: 'keyboard cat', resave: false, saveUninitialized: false }

/** A MemoryStore of `impl` whose `set` completes after `ms`, recording when it did. */
function slowStore(impl: Impl, ms: number) {
  const Base = impl.session.MemoryStore
  return new (class extends Base {
    savedAt = Number.POSITIVE_INFINITY
    override set(sid: string, sess: object, cb?: ErrorCallback): void {
      super.set(sid, sess, () =>
        setTimeout(() => {
          this.savedAt = performance.now()
          cb?.()
        }, ms),
      )
    }
  })()
}

/** A MemoryStore of `impl` whose `set` fails. */
function failingStore(impl: Impl): Store {
  const Base = impl.session.MemoryStore
  return new (class extends Base {
    override set(_sid: string, _sess: object, cb?: ErrorCallback): void {
      setImmediate(() => cb?.(new Error('store down')))
    }
  })()
}

async function once(impl: Impl, store: Store, route: (req: Request, res: Response) => void) {
  const app = frameworks[0]!.create()
  app.use(impl.session({ ...base, store } as never))
  app.get('/go', route)
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    if (!res.headersSent) res.status(503).send(`handled: ${err.message}`)
  })
  const served = await serve(app)
  try {
    return await request(`${served.url}/go`)
  } finally {
    await served.close()
  }
}

const redirectAfterWrite = (req: Request, res: Response) => {
  ;(req as unknown as { session: Record<string, unknown> }).session['flash'] = 'hello'
  res.redirect('/next')
}

describe('express-session drop-in: fixes over express-session 1.19', () => {
  it('a redirect never outruns the save (the response waits for a slow store)', async () => {
    const store = slowStore(dropInImpl, 150)
    const reply = await once(dropInImpl, store, redirectAfterWrite)
    assert.equal(reply.status, 302)
    assert.ok(reply.headersAt >= store.savedAt, 'headers arrived only after the save completed')
  })

  it('(contrast) express-session sends the redirect before its save completes', async () => {
    const store = slowStore(realImpl, 150)
    const reply = await once(realImpl, store, redirectAfterWrite)
    assert.equal(reply.status, 302)
    assert.ok(reply.headersAt < store.savedAt, 'express-session: headers before the save')
  })

  it("other middleware's Set-Cookie headers are kept, also repeated ones given to writeHead", async () => {
    const results: Record<string, Record<string, string[]>> = {}
    for (const impl of impls) {
      const app = frameworks[0]!.create()
      app.use((_req, res, next) => {
        res.cookie('early', '1')
        next()
      })
      app.use(impl.session({ ...base, saveUninitialized: true } as never))
      app.get('/append', (_req, res) => {
        res.cookie('late', '2')
        res.end('ok')
      })
      app.get('/write-head', (_req, res) => {
        // As in Node, a header given to writeHead replaces the same header set earlier.
        res.writeHead(200, [
          ['Set-Cookie', 'x=1'],
          ['Set-Cookie', 'y=2'],
        ] as never)
        res.end('ok')
      })
      const served = await serve(app)
      const names = async (path: string) =>
        (await new Client(served.url).get(path)).setCookies.map((c) => c.split('=')[0]!).sort()
      results[impl.name] = { append: await names('/append'), writeHead: await names('/write-head') }
      await served.close()
    }
    assert.deepEqual(results['sessionkit'], {
      append: ['connect.sid', 'early', 'late'],
      writeHead: ['connect.sid', 'x', 'y'],
    })
    assert.deepEqual(
      results['express-session']?.['writeHead'],
      ['connect.sid', 'y'],
      'express-session keeps only the last of repeated writeHead pairs',
    )
  })

  it('a failed save reaches the error handler before anything is sent', async () => {
    const reply = await once(dropInImpl, failingStore(dropInImpl), redirectAfterWrite)
    assert.equal(reply.status, 503)
    assert.equal(reply.body, 'handled: store down')
    assert.equal(reply.headers.location, undefined, 'the redirect was not delivered')
  })

  it("unset: 'destroy' never destroys a session that failed to load", async () => {
    const destroyed: Record<string, number> = {}
    for (const impl of impls) {
      const Base = impl.session.MemoryStore
      const store = new (class extends Base {
        override get(_sid: string, cb: (error?: unknown) => void): void {
          setImmediate(cb, new Error('read failed'))
        }
        override destroy(sid: string, cb?: ErrorCallback): void {
          destroyed[impl.name] = (destroyed[impl.name] ?? 0) + 1
          super.destroy(sid, cb)
        }
      })()
      const app = frameworks[0]!.create()
      app.use(impl.session({ ...base, unset: 'destroy', store } as never))
      const served = await serve(app)
      const cookie = `connect.sid=${encodeURIComponent(`s:${signature.sign('some-id', base.secret)}`)}`
      const reply = await request(`${served.url}/`, { headers: { cookie } })
      await served.close()
      assert.equal(reply.status, 500, `${impl.name}: the read error reaches the error handler`)
    }
    assert.deepEqual(destroyed, { 'express-session': 1 }, 'only express-session destroyed it')
  })

  it('(contrast) express-session delivers the redirect although its save failed', async () => {
    const reply = await once(realImpl, failingStore(realImpl), redirectAfterWrite)
    assert.equal(reply.status, 302)
  })
})
