/**
 * The user-level operations of the sessions object, outside any request: listing a user's
 * sessions and revoking sessions by handle or by user.
 */

import { type Engine, storeCall } from './engine.js'
import { ConfigError } from './errors.js'
import type { Revocations } from './revocation.js'
import { checkUserId } from './session-checks.js'
import type { Store } from './store.js'
import type { UserSessionSummary } from './types.js'

const HANDLE_PATTERN = /^[A-Za-z0-9_-]{43}$/

/** The store's user index; ConfigError when it has none. */
function userIndex(engine: Engine): Required<Pick<Store, 'listByUser' | 'destroyByUser'>> {
  const { store } = engine
  if (!store.capabilities.userIndex || !store.listByUser || !store.destroyByUser) {
    throw new ConfigError([{ path: 'store', message: 'this store has no user index' }])
  }
  return {
    listByUser: store.listByUser.bind(store),
    destroyByUser: store.destroyByUser.bind(store),
  }
}

/** The cookie store's revocation store; ConfigError when it has none. */
function revocationsOf(engine: Engine): Revocations {
  const revocations = engine.clientSide?.revocations
  if (!revocations) {
    throw new ConfigError([
      {
        path: 'store',
        message: 'sessions in cookies can only be revoked with createCookieStore({ revocation })',
      },
    ])
  }
  return revocations
}

/** `Sessions.listUserSessions`: the user's live sessions, most recently seen first. */
export async function listUserSessions(
  engine: Engine,
  userId: string,
  options?: { current?: string },
): Promise<UserSessionSummary[]> {
  const index = userIndex(engine)
  const entries = await storeCall(engine, null, 'listByUser', () => index.listByUser(userId))
  const now = engine.now()
  return entries
    .filter(([, record]) => record.movedTo === undefined && record.expiresAt > now)
    .map(([handle, record]) => ({
      handle,
      createdAt: record.meta?.createdAt ?? null,
      lastSeenAt: record.meta?.lastSeenAt ?? null,
      expiresAt: record.expiresAt,
      ip: record.meta?.ip ?? null,
      userAgent: record.meta?.userAgent ?? null,
      current: handle === options?.current,
    }))
    .sort((a, b) => (b.lastSeenAt ?? 0) - (a.lastSeenAt ?? 0))
}

/** `Sessions.revoke`: end the session with this handle (deny it, for sessions in cookies). */
export async function revoke(engine: Engine, handle: string): Promise<void> {
  if (typeof handle !== 'string' || !HANDLE_PATTERN.test(handle)) {
    throw new ConfigError([{ path: 'handle', message: 'is not a session handle' }])
  }
  if (engine.clientSide !== null) {
    const revocations = revocationsOf(engine)
    const now = engine.now()
    await storeCall(engine, null, 'set', () => revocations.deny(handle, now, now))
    return
  }
  await storeCall(engine, null, 'destroy', () => engine.store.destroy(handle))
}

/** `Sessions.revokeUserSessions`: end the user's sessions but `except`; how many were ended. */
export async function revokeUserSessions(
  engine: Engine,
  userId: string,
  options?: { except?: string | readonly string[] },
): Promise<number> {
  const except =
    options?.except === undefined
      ? []
      : typeof options.except === 'string'
        ? [options.except]
        : options.except
  if (engine.clientSide !== null) {
    checkUserId(userId)
    const revocations = revocationsOf(engine)
    await storeCall(engine, null, 'set', () => revocations.revokeUser(userId, except))
    return 0
  }
  const index = userIndex(engine)
  return storeCall(engine, null, 'destroyByUser', () => index.destroyByUser(userId, except))
}
