// Setting up one scenario: a memory store under a counting spy, sessions with an invalidId
// recorder, the app built by the adapter under test, and a test client; closed after the test.
import { randomBytes } from 'node:crypto'
import type { TestContext } from 'node:test'
import type { Store } from '../../src/core/store.js'
import type { InvalidIdReason, Sessions, SessionsOptions } from '../../src/core/types.js'
import { createSessions } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createTestClient, type TestClient } from '../../src/testing/test-client.js'
import { appRoutes } from './app-routes.js'
import {
  type Adapter,
  type Calls,
  cookieValue,
  type Handler,
  type Mount,
  router,
  spyStore,
} from './harness.js'
import type { WebAdapter, WebHandler } from './web-harness.js'
import { webRoutes } from './web-routes.js'

/** A node:http framework (Express, Connect, Fastify, Koa…) or a Fetch-API one (fetch, Hono). */
export type AnyAdapter = Adapter | WebAdapter

export interface Scenario {
  name: string
  /** Known to fail because of a core issue (named here): reported as TODO, not as a failure. */
  todo?: string
  /**
   * Why the scenario is about node's response object itself (writeHead/write/end wrapping), so
   * adapters whose routes answer through a response facade (`Adapter.facade`) skip it, and so
   * do the Fetch-API adapters (`WebAdapter`).
   */
  nodeOnly?: string
  run(adapter: AnyAdapter, t: TestContext): Promise<void>
}

export interface Setup {
  client: TestClient
  sessions: Sessions
  /** The memory store underneath the spy. */
  memory: Store
  calls: Calls
  reasons: InvalidIdReason[]
}

export interface SetupOptions {
  options?: Omit<SessionsOptions, 'store' | 'hooks'>
  overrides?: (memory: Store) => Parameters<typeof spyStore>[1]
  clock?: { now: () => number }
  routes?: Record<string, Handler>
  /** The same routes in Fetch-API terms, for a `WebAdapter` (default: web-routes.ts). */
  webRoutes?: Record<string, WebHandler>
  extraMounts?: Mount[]
  mountOptions?: Mount['options']
}

export async function setup(
  adapter: AnyAdapter,
  t: TestContext,
  opts: SetupOptions = {},
): Promise<Setup> {
  const memory = createMemoryStore(opts.clock ? { now: opts.clock.now } : {})
  const store = spyStore(memory, opts.overrides?.(memory))
  const reasons: InvalidIdReason[] = []
  const sessions = createSessions({
    ...opts.options,
    ...(opts.clock ? { now: opts.clock.now } : {}),
    store,
    hooks: { invalidId: (_ctx, reason) => void reasons.push(reason) },
  })
  const mounts: Mount[] = [
    opts.mountOptions ? { sessions, options: opts.mountOptions } : { sessions },
    ...(opts.extraMounts ?? []),
  ]
  const app =
    'kind' in adapter && adapter.kind === 'web'
      ? adapter.app(mounts, opts.webRoutes ?? webRoutes())
      : (adapter as Adapter).app(mounts, router(opts.routes ?? appRoutes()))
  const client = await createTestClient(app)
  t.after(async () => {
    await client.close()
    await sessions.close()
  })
  return { client, sessions, memory, calls: store.calls, reasons }
}

export const wellFormedId = (): string => randomBytes(32).toString('base64url')
export const sidOf = (setCookies: readonly string[]): string | undefined =>
  cookieValue(setCookies, 'sid')
