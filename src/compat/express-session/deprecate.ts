/** express-session's deprecation notices (printed by `depd` there), once per message per process. */

const warned = new Set<string>()

/**
 * Emit `express-session deprecated <message>` as a `DeprecationWarning`, once per process.
 *
 * @example
 * ```ts
 * deprecateOnce('undefined resave option; provide resave option')
 * ```
 */
export function deprecateOnce(message: string): void {
  if (warned.has(message)) return
  warned.add(message)
  process.emitWarning(`express-session deprecated ${message}`, {
    type: 'DeprecationWarning',
    code: 'SESSIONKIT_EXPRESS_SESSION',
  })
}
