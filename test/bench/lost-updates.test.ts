// The benchmark's contention cases count lost updates: every request of the load shares one
// session (`pool: 1`), and after the load the session's count, read at `count`, is compared with
// the answered requests. Checked against a server that keeps every increment and one that keeps
// none, each counting per cookie as sessionkit's `/contend` and `/read` routes do.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it, type TestContext } from 'node:test'
import { load } from '../../bench/load.js'

/** A counter per cookie; `keep` decides whether an increment is applied. */
async function counterServer(t: TestContext, keep: boolean) {
  const views = new Map<string, number>()
  let seeded = 0
  const server = createServer((req, res) => {
    const cookie = req.headers.cookie ?? ''
    if (req.url === '/seed') {
      const sid = `s${++seeded}`
      views.set(`sid=${sid}`, 0)
      res.setHeader('set-cookie', `sid=${sid}; Path=/`)
      res.end('seeded')
      return
    }
    const count = views.get(cookie)
    if (count === undefined) {
      res.statusCode = 400
      res.end('unknown session')
      return
    }
    if (req.url === '/contend' && keep) views.set(cookie, count + 1)
    res.end(`views: ${views.get(cookie)}`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  const child = {
    port: (server.address() as AddressInfo).port,
    pid: process.pid,
    cpu: async () => {
      const usage = process.cpuUsage()
      return usage.user + usage.system
    },
    startProfile: () => Promise.reject(new Error('in process')),
    stopProfile: () => Promise.reject(new Error('in process')),
    stop: async () => {},
  }
  return { child, sessions: () => seeded }
}

const plan = {
  path: '/contend',
  seed: '/seed',
  pool: 1,
  count: '/read',
  duration: 0.3,
  warmup: 0.1,
}

describe('bench load: lost updates under contention', () => {
  it('one session for every request, and no loss counted when every increment is kept', async (t) => {
    const { child, sessions } = await counterServer(t, true)
    const result = await load(child, plan)
    assert.equal(sessions(), 1, 'pool: 1 seeds one session')
    assert.equal(result.failures, 0, 'every request carried the seeded cookie')
    assert.ok(result.requests > 0, 'the load ran')
    assert.equal(result.lost, 0, `no update lost (counted ${result.lost})`)
  })

  it('every answered increment counted as lost when the server keeps none', async (t) => {
    const { child } = await counterServer(t, false)
    const result = await load(child, plan)
    // Warm-up requests count too, so at least the measured ones are lost.
    assert.ok(
      (result.lost ?? 0) >= result.requests,
      `lost ${result.lost} of at least ${result.requests} answered`,
    )
  })

  it('no count without a `count` route', async (t) => {
    const { child } = await counterServer(t, true)
    const { count: _count, ...withoutCount } = plan
    const result = await load(child, withoutCount)
    assert.equal(result.lost, undefined, 'lost is only measured with a count route')
  })
})
