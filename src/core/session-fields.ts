/**
 * The session's own fields beside its data and flash: its metadata, the bound user, remember-me,
 * the previous URL and the CSRF secret.
 */

import { generateCsrfSecret, maskCsrfToken, verifyCsrfToken } from './csrf.js'
import { durationMs } from './duration.js'
import { expiryOf } from './engine.js'
import { InvalidSessionValue } from './errors.js'
import type { SessionCore } from './session.js'
import { checkUserId } from './session-checks.js'
import type { Duration, SessionMeta } from './types.js'

export function sessionMeta(core: SessionCore): SessionMeta {
  const meta = core.base?.meta
  const createdAt = core.createdAt
  const lastSeenAt = meta?.lastSeenAt ?? createdAt
  return {
    createdAt,
    lastSeenAt,
    expiresAt:
      createdAt === null || lastSeenAt === null
        ? null
        : expiryOf(core.engine, createdAt, lastSeenAt),
    authenticatedAt: core.copy.state.a ?? null,
    userId: core.copy.userId ?? null,
    ip: meta?.ip ?? null,
    userAgent: meta?.userAgent ?? null,
  }
}

export function bindUser(core: SessionCore, userId: string): void {
  checkUserId(userId)
  core.write({ t: 'user', v: userId })
}

export function remember(core: SessionCore, duration: Duration | false): void {
  const ms = duration === false ? undefined : durationMs(duration, 'remember')
  core.write({ t: 'field', f: 'm', v: ms })
  core.cookie = 'set'
}

export function setPreviousUrl(core: SessionCore, url: string): void {
  if (typeof url !== 'string' || url.length > 2048) {
    throw new InvalidSessionValue('previousUrl must be a string of at most 2048 characters')
  }
  core.write({ t: 'field', f: 'p', v: url })
}

export function csrfToken(core: SessionCore): string {
  let secret = core.copy.state.k
  if (secret === undefined) {
    secret = generateCsrfSecret()
    core.write({ t: 'field', f: 'k', v: secret })
  }
  return maskCsrfToken(secret)
}

export function verifyCsrf(core: SessionCore, candidate: unknown): boolean {
  const secret = core.copy.state.k
  return secret !== undefined && verifyCsrfToken(secret, candidate)
}

export function regenerateCsrf(core: SessionCore): void {
  core.write({ t: 'field', f: 'k', v: generateCsrfSecret() })
}
