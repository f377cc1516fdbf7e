// The benchmark's "regenerate per request" load on the file store: a request still running on
// the server when the warm-up ends must not make the measured run fail. autocannon ends a run by
// destroying its sockets, so the new cookie of a request in flight at that moment never reaches
// the cookie jar while the server is still regenerating that session. Here each warm-up request
// is stopped inside its regenerate, at the compare-and-set that retires the old id, by the
// record's write lease held as another process would hold it; a later request carrying the same
// cookie lets it go once it has loaded the session, so that the two really race to regenerate
// one session (a real file store behind the Express middleware, as in bench/servers/node.ts).
import '../adapters/test-env.js'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, describe, it } from 'node:test'
import { CONNECTIONS, load } from '../../bench/load.js'
import { session } from '../../src/adapters/express.js'
import { createSessions } from '../../src/index.js'
import { createFileStore } from '../../src/stores/file.js'
import { LeaseFiles } from '../../src/stores/file-lease.js'
import { FileLayout } from '../../src/stores/file-paths.js'
import { keyToHex } from '../../src/stores/key-hex.js'
import { tempDir } from '../harness/process.js'

/** A node:http server with sessionkit on a file store in `dir`, and `/seed` and `/regen`. */
async function regenServer(dir: string) {
  // A held request waits for its lease as long as the test runs: no store-call timeout cuts it.
  const sessions = createSessions({ store: createFileStore({ dir }), storeTimeout: '60s' })
  const withSession = session(sessions)
  const layout = new FileLayout(dir)
  const leases = new LeaseFiles(Date.now)
  /** Warm-up requests stopped inside their regenerate, by cookie: what lets each go on. */
  const held = new Map<string, () => Promise<void>>()
  let arrived = 0

  /** Take the write lease of the session's record, as another process writing it would. */
  async function holdRecord(handle: string): Promise<() => Promise<void>> {
    const path = layout.writeLease(keyToHex(handle) as string)
    const token = await leases.acquire(path, 60_000)
    assert.ok(token !== null, 'the write lease of a seeded session is free')
    let released: Promise<void> | undefined
    return () => {
      released ??= leases.release(path, token)
      return released
    }
  }

  async function regen(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const cookie = req.headers.cookie ?? ''
    const earlier = held.get(cookie)
    if (earlier === undefined && arrived++ < CONNECTIONS) {
      // One of the warm-up's requests: it regenerates up to the retiring compare-and-set, then
      // waits there for the lease (and its client gives up when the warm-up ends).
      held.set(cookie, await holdRecord(req.session.handle as string))
      await req.session.regenerate()
      res.end('regenerated')
      return
    }
    // The same session again, loaded while the cut-off request is still regenerating it.
    if (earlier !== undefined) await earlier()
    await req.session.regenerate()
    res.end('regenerated')
  }

  // Every request's handling, also of those whose client went away: all settle before cleanup.
  const running = new Set<Promise<void>>()
  const server = createServer((req, res) => {
    const fail = (error: unknown) => {
      res.statusCode = (error as { status?: number }).status ?? 500
      res.end()
    }
    const handled = new Promise<void>((resolve) => {
      withSession(req, res, (err) => {
        if (err) return resolve(fail(err))
        if (req.url === '/seed') {
          req.session.put({ views: 0 })
          res.end('seeded')
          return resolve()
        }
        regen(req, res).catch(fail).finally(resolve)
      })
    })
    running.add(handled)
    void handled.then(() => running.delete(handled))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    held,
    async close() {
      await Promise.all([...held.values()].map((release) => release()))
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      while (running.size > 0) await Promise.all(running)
      await sessions.close()
    },
  }
}

describe('bench load: regenerate per request on the file store', () => {
  const dir = tempDir('bench-load')
  after(() => dir.cleanup())

  it('requests cut off at the end of the warm-up do not make measured requests fail', async (t) => {
    const server = await regenServer(dir.path)
    t.after(() => server.close())
    const notAChild = () => Promise.reject(new Error('the server runs in this process'))
    const result = await load(
      {
        port: server.port,
        pid: process.pid,
        cpu: async () => {
          const usage = process.cpuUsage()
          return usage.user + usage.system
        },
        startProfile: notAChild,
        stopProfile: notAChild,
        stop: async () => {},
      },
      { path: '/regen', seed: '/seed', followCookies: true, duration: 0.5, warmup: 0.2 },
    )
    assert.equal(server.held.size, CONNECTIONS, 'each connection left a warm-up request running')
    assert.ok(result.requests > CONNECTIONS, `the measured run ran (${result.requests} requests)`)
    assert.equal(result.failures, 0, `no measured request failed (${result.failures} did)`)
  })
})
