/**
 * Fingerprint checks: an app-defined profile of the client (e.g. user agent family) recorded
 * per session; a request whose profile was not seen before is allowed, rejected or given a new
 * id, as `onFingerprintChange` decides (default: reject).
 */
import { callHook } from './hooks.js'
import type { SessionCore } from './session.js'
import { regenerate } from './session-lifecycle.js'
import type { HookContext, RequestContext } from './types.js'

/** What to do with a request whose fingerprint the session has not seen. */
export type FingerprintDecision = 'allow' | 'reject' | 'regenerate'

/** The fingerprint options of `createSessions`. */
export interface FingerprintOptions {
  /** The client's profile for this request. */
  fingerprint: (request: RequestContext) => string
  /** Decide about an unseen profile; `seen` lists the profiles recorded so far. @default () => 'reject' */
  onFingerprintChange?: (
    ctx: HookContext,
    seen: readonly string[],
    current: string,
  ) => FingerprintDecision
}

/** Most profiles remembered per session (oldest dropped first). */
export const MAX_FINGERPRINTS = 8
/** Longest profile kept (longer ones are cut). */
export const MAX_FINGERPRINT_LENGTH = 256

/** The profile of a request, or null when the app's function failed (treated as unchanged). */
export function fingerprintOf(options: FingerprintOptions, request: RequestContext): string | null {
  try {
    const value = options.fingerprint(request)
    return typeof value === 'string' ? value.slice(0, MAX_FINGERPRINT_LENGTH) : null
  } catch {
    return null
  }
}

/** `seen` with `current` added (most recent last, bounded). */
export function withFingerprint(seen: readonly string[], current: string): string[] {
  return [...seen.filter((profile) => profile !== current), current].slice(-MAX_FINGERPRINTS)
}

/** The app's decision about an unseen profile; a throwing callback means reject. */
export function decide(
  options: FingerprintOptions,
  ctx: HookContext,
  seen: readonly string[],
  current: string,
): FingerprintDecision {
  if (!options.onFingerprintChange) return 'reject'
  try {
    const decision = options.onFingerprintChange(ctx, seen, current)
    return decision === 'allow' || decision === 'regenerate' ? decision : 'reject'
  } catch {
    return 'reject'
  }
}

/**
 * `fingerprint`: a loaded session seeing an unseen client profile is allowed (and the profile
 * recorded), given a new id, or rejected (the request continues with a fresh session and
 * `invalidId('fingerprint')`), as `onFingerprintChange` decides.
 */
export async function checkFingerprint(core: SessionCore, readOnly: boolean): Promise<void> {
  const options = core.engine.fingerprint
  if (options === null || core.base === null) return
  const current = fingerprintOf(options, core.request)
  if (current === null) return
  const seen = core.copy.state.h ?? []
  if (seen.includes(current)) return
  const record = (): void => {
    if (!readOnly) core.write({ t: 'field', f: 'h', v: withFingerprint(seen, current) })
  }
  // Sessions created before fingerprinting was turned on adopt the first profile they see.
  if (seen.length === 0) return record()
  callHook(core.engine.hooks, 'fingerprintChanged', core.hookContext())
  const decision = decide(options, core.hookContext(), seen, current)
  if (decision === 'reject') {
    callHook(core.engine.hooks, 'invalidId', core.hookContext(), 'fingerprint')
    core.forgetVanished()
    return
  }
  if (decision === 'regenerate' && !readOnly) await regenerate(core)
  record()
}
