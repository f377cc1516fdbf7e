// The cookie store through every adapter and a real server: the session grows past one cookie
// (several Set-Cookie headers, next to another middleware's), shrinks (the unused chunk is
// expired), survives a restart of the server, and ends (every chunk cleared).
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, it } from 'node:test'
import { createSessions, type Session } from '../../src/index.js'
import { createCookieStore } from '../../src/stores/cookie.js'
import { createTestClient, type TestClient } from '../../src/testing/test-client.js'
import { KEY_A, noise } from '../stores/cookie-helpers.js'
import { fastifyAdapter, koaAdapter } from './framework-adapters.js'
import { adapters, router } from './harness.js'
import { fetchAdapter, honoAdapter, type WebHandler } from './web-harness.js'

/** What every app does with its session, by path. */
const actions: Record<string, (session: Session) => Promise<string> | string> = {
  '/grow': (session) => {
    session.set('blob', noise(6000))
    return 'grown'
  },
  '/shrink': (session) => {
    session.forget('blob')
    return 'shrunk'
  },
  '/read': (session) => String((session.get('blob') as string | undefined)?.length ?? 'none'),
  '/end': async (session) => {
    await session.destroy()
    return 'ended'
  },
}

function sessionsOnCookies() {
  return createSessions({ secret: KEY_A, store: createCookieStore() })
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void

function nodeApps(): Array<[string, () => Listener]> {
  return [...adapters, fastifyAdapter, koaAdapter].map((adapter) => [
    adapter.name,
    () => {
      const sessions = sessionsOnCookies()
      const routes = Object.fromEntries(
        Object.entries(actions).map(([path, action]) => [
          `GET ${path}`,
          async (req: IncomingMessage, res: ServerResponse) => {
            const session = (adapter.sessionOf ?? expressSessionOf)(req, sessions)
            const body = await action(session)
            res.setHeader('Set-Cookie', 'other=kept; Path=/')
            res.end(body)
          },
        ]),
      )
      return adapter.app([{ sessions }], router(routes))
    },
  ])
}

function expressSessionOf(req: IncomingMessage): Session {
  return (req as IncomingMessage & { session: Session }).session
}

function webApps(): Array<[string, () => Listener]> {
  return [fetchAdapter, honoAdapter].map((adapter) => [
    adapter.name,
    () => {
      const sessions = sessionsOnCookies()
      const routes: Record<string, WebHandler> = Object.fromEntries(
        Object.entries(actions).map(([path, action]) => [
          `GET ${path}`,
          async (_request: Request, ctx: Parameters<WebHandler>[1]) =>
            new Response(await action(ctx.session), {
              headers: { 'set-cookie': 'other=kept; Path=/' },
            }),
        ]),
      )
      return adapter.app([{ sessions }], routes)
    },
  ])
}

describe('cookie store through the adapters', () => {
  for (const [name, makeApp] of [...nodeApps(), ...webApps()]) {
    it(`${name}: chunks grow, shrink, survive a restart and end, other cookies kept`, async () => {
      let client: TestClient = await createTestClient(makeApp())
      try {
        const grown = await client.request('/grow')
        assert.equal(grown.body, 'grown')
        const names = grown.setCookies.map((line) => line.split('=', 1)[0])
        assert.deepEqual(names.sort(), ['other', 'sid', 'sid.1'], 'two chunks and the app cookie')
        assert.equal((await client.request('/read')).body, '6000')

        const jar = client.jar.header()
        await client.close()
        client = await createTestClient(makeApp())
        const restarted = await client.request('/read', { headers: { cookie: jar } })
        assert.equal(restarted.body, '6000', 'a new server with the same secret reads the cookies')

        const shrunk = await client.request('/shrink', { headers: { cookie: jar } })
        assert.ok(
          shrunk.setCookies.some((line) => /^sid\.1=;.*Max-Age=0/i.test(line)),
          'the unused chunk is expired',
        )
        const ended = await client.request('/end', { headers: { cookie: jar } })
        const cleared = ended.setCookies.filter((line) => /Max-Age=0/i.test(line))
        assert.deepEqual(
          cleared.map((line) => line.split('=', 1)[0]).sort(),
          ['sid', 'sid.1'],
          'every chunk is cleared',
        )
      } finally {
        await client.close()
      }
    })
  }
})
