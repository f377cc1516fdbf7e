/**
 * Which stored session the session cookies of a request name: verifying their signatures,
 * loading the candidates, and choosing among duplicates (BI-03).
 */

import { MAX_COOKIE_CANDIDATES } from './cookie.js'
import { type Engine, type LoadedSession, loadSession, type RejectedId } from './engine.js'
import { verifyCookieValue } from './signing.js'
import type { InvalidIdReason, RequestContext } from './types.js'

/** What the presented session cookies resolve to. */
export type Resolution = {
  loaded: LoadedSession | null
  reason: InvalidIdReason | null
  adoptId: string | null
  /** Signed with an older key of the ring: re-sign with the newest in this response. */
  staleSignature: boolean
}

/** Load the session the presented cookie `values` name, if exactly one is usable. */
export async function resolveCookie(
  engine: Engine,
  request: RequestContext,
  values: string[],
): Promise<Resolution> {
  const presented = presentedIds(engine, values)
  const wellFormed = presented.ids
  if (wellFormed.length === 0) {
    return { loaded: null, reason: presented.reason, adoptId: null, staleSignature: false }
  }
  if (wellFormed.length === 1) {
    // One candidate (the usual case): what the general path below decides, without its sets.
    const id = wellFormed[0] as string
    const result = await loadSession(engine, request, id)
    if (result.ok) {
      const staleSignature = presented.stale.has(result.id)
      return { loaded: result, reason: null, adoptId: null, staleSignature }
    }
    const adoptId = !engine.strict && result.reason === 'unknown' ? id : null
    return { loaded: null, reason: result.reason, adoptId, staleSignature: false }
  }
  // Duplicate cookies (BI-03): adopt only if exactly one candidate is a live session.
  const results: Array<LoadedSession | RejectedId> = []
  for (const id of new Set(wellFormed)) results.push(await loadSession(engine, request, id))
  const live = results.filter((result): result is LoadedSession => result.ok)
  if (live.length === 1) {
    const loaded = live[0] as LoadedSession
    return { loaded, reason: null, adoptId: null, staleSignature: presented.stale.has(loaded.id) }
  }
  if (live.length > 1)
    return { loaded: null, reason: 'malformed', adoptId: null, staleSignature: false }
  const first = results[0] as RejectedId
  const adoptId =
    !engine.strict && wellFormed.length === 1 && first.reason === 'unknown'
      ? (wellFormed[0] as string)
      : null
  // Several candidates and none live is ambiguity, reported as malformed (BI-03).
  const reason = results.length > 1 ? 'malformed' : first.reason
  return { loaded: null, reason, adoptId, staleSignature: false }
}

/**
 * The ids carried by the presented cookie values (verifying signatures when `secret` is set),
 * and the reason to report when none is usable. More than MAX_COOKIE_CANDIDATES values are
 * treated as hostile without looking further.
 */
export function presentedIds(
  engine: Engine,
  values: readonly string[],
): { ids: string[]; reason: InvalidIdReason; stale: Set<string> } {
  const ids: string[] = []
  const stale = new Set<string>()
  let reason: InvalidIdReason = 'malformed'
  if (values.length > MAX_COOKIE_CANDIDATES) return { ids, reason, stale }
  for (const value of values) {
    if (engine.signing === null) {
      if (engine.isWellFormedId(value)) ids.push(value)
      continue
    }
    const verified = verifyCookieValue(engine.signing, value, engine.isWellFormedId)
    if (verified.ok) {
      ids.push(verified.id)
      if (verified.stale) stale.add(verified.id)
    } else if (verified.reason === 'bad-signature') reason = 'bad-signature'
  }
  return { ids, reason, stale }
}
