// A listening Fastify app with sessionkit's plugin on a (spied) memory store, for the Fastify
// adapter's own tests.
import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import Fastify, { type FastifyInstance } from 'fastify'
import { sessionkitPlugin } from '../../src/adapters/fastify.js'
import type { Store } from '../../src/core/store.js'
import type { Sessions, SessionsOptions } from '../../src/core/types.js'
import { createTestClient, type TestClient } from '../../src/testing/test-client.js'
import { spiedSessions, type spyStore } from './harness.js'

/** The app, its client and port, the sessions and their store (spied, and the memory underneath). */
export interface Served {
  app: FastifyInstance
  port: number
  client: TestClient
  sessions: Sessions
  store: ReturnType<typeof spyStore>
  memory: Store
}

/** A listening Fastify app with the plugin registered; `routes` adds the test's routes. */
export async function serve(
  t: TestContext,
  routes: (app: FastifyInstance) => void,
  options: Omit<SessionsOptions, 'store'> = {},
  overrides: (memory: Store) => Parameters<typeof spyStore>[1] = () => ({}),
): Promise<Served> {
  const { memory, store, sessions } = spiedSessions(options, overrides)
  const app = Fastify()
  await app.register(sessionkitPlugin, { sessions })
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  assert.ok(address && typeof address === 'object', 'the app listens on a port')
  const client = await createTestClient(`http://127.0.0.1:${address.port}`)
  t.after(async () => {
    await app.close()
    await sessions.close()
  })
  return { app, port: address.port, client, sessions, store, memory }
}
