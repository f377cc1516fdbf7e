/**
 * Calling user hooks so that a throwing hook never breaks a request (logged via debuglog).
 */
import { debuglog } from 'node:util'
import type { SessionHooks } from './types.js'

/** sessionkit's debug logger (`NODE_DEBUG=sessionkit`). Never log payloads, whole ids, tokens or keys. */
export const debug = debuglog('sessionkit')

/** Call hook `name` with `args`, swallowing (and debug-logging) anything it throws. */
export function callHook<K extends keyof SessionHooks>(
  hooks: SessionHooks,
  name: K,
  ...args: Parameters<NonNullable<SessionHooks[K]>>
): void {
  const hook = hooks[name] as ((...a: unknown[]) => unknown) | undefined
  if (!hook) return
  try {
    const result = hook.apply(hooks, args)
    if (result instanceof Promise)
      result.catch((error: unknown) => debug('hook %s rejected: %s', name, describeError(error)))
  } catch (error) {
    debug('hook %s threw: %s', name, describeError(error))
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.name : typeof error
}
