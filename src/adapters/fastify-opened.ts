/**
 * What the Fastify plugin opened for a request, kept in a request decorator, and how a request
 * that ends without onSend gives back what its session holds.
 */
import { debuglog } from 'node:util'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { DeferredResponse } from '../core/session-types.js'
import type { RequestSession, Sessions, TrustProxy } from '../core/types.js'

const debug = debuglog('sessionkit')

/** Where the session is in the request's end: saved (`done`) or given up (`aborted`). */
export type Phase = 'open' | 'ending' | 'done' | 'aborted'

/**
 * What one registration of the plugin opened for a request; `next` is what another one (under
 * another `property`) opened for it. Until a fresh session starts, it is also the core's
 * deferred response: such a session holds nothing to release, so the response is watched only
 * from its start.
 */
export class Opened implements DeferredResponse {
  phase: Phase = 'open'
  rs!: RequestSession<object>
  constructor(
    readonly sessions: Sessions<object>,
    readonly property: string,
    readonly trust: TrustProxy,
    readonly reply: FastifyReply,
    readonly next: Opened | null,
  ) {}

  /** The fresh session started: from now on it may hold a lock to release. */
  onStart(): void {
    watch(this)
  }

  /** Too late to start the session: no cookie could reach the client. */
  sealed(): boolean {
    const raw = this.reply.raw
    return this.phase !== 'open' || raw.headersSent || raw.destroyed
  }
}

// A request decorator (null until onRequest) rather than a WeakMap: Fastify builds every
// request with it, so setting it neither changes the request's shape nor adds an ephemeron.
export const OPENED = Symbol('sessionkit.opened')

/** What the plugin's registrations opened for `request`, newest first (null: nothing). */
export function openedOn(request: FastifyRequest): Opened | null {
  return (request as unknown as Record<symbol, Opened | null | undefined>)[OPENED] ?? null
}

/** The effective `trustProxy` of the session put under `property` (false when none). */
export function trustOf(request: FastifyRequest, property: string): TrustProxy {
  for (let item = openedOn(request); item !== null; item = item.next) {
    if (item.property === property) return item.trust
  }
  return false
}

/** What the registration with `sessions` opened for `request`. */
export function findOpened(request: FastifyRequest, sessions: Sessions<object>): Opened | null {
  for (let item = openedOn(request); item !== null; item = item.next) {
    if (item.sessions === sessions) return item
  }
  return null
}

/** Give up the session (a lock it holds included); a failure is only logged. */
export function release(rs: RequestSession<object>): Promise<void> {
  return rs.abort().catch((error: unknown) => {
    debug('session abort failed (%s)', error instanceof Error ? error.name : typeof error)
  })
}

/** A request that ends without onSend (failed, client gone, reply hijacked) persists nothing. */
export function abandon(opened: Opened): Promise<void> | undefined {
  if (opened.phase !== 'open') return undefined
  opened.phase = 'aborted'
  return release(opened.rs)
}

/** Abandon the session if the response ends (or ended) without onSend. */
// A listener on the response rather than onResponse/onRequestAbort hooks: their presence makes
// Fastify add listeners, closures and timestamps of its own to every request of the instance.
// (The client may have gone while the store was read: then at once.)
export function watch(opened: Opened): void {
  const { raw } = opened.reply
  if (raw.closed) void abandon(opened)
  else raw.on('close', () => void abandon(opened))
}
