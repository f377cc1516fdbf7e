/**
 * The parts of `csrf()` the Fetch-API adapters share on top of the csrf gate: which bodies may
 * carry the token, the fields the check reads from a form, and the default 403 answer.
 */
import type { CsrfError } from '../core/errors.js'

/** The headers a CSRF decision on an unsafe request depends on. */
export const CSRF_VARY: readonly string[] = ['Origin', 'Sec-Fetch-Site']

/** What kind of body may carry the token: a form, JSON, or none worth reading. */
export function bodyKind(method: string, headers: Headers): 'form' | 'json' | null {
  if (method === 'GET' || method === 'HEAD') return null
  const type = headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase() ?? ''
  if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') return 'form'
  if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) return 'json'
  return null
}

/**
 * The fields the check reads from a form: the token field and `_method`, each a single value,
 * or every value when repeated (which the check then rejects). A file is kept as it is: not a
 * string, so never a token.
 */
export function formFields(
  form: { getAll(name: string): unknown[] },
  fieldName: string,
): Record<string, unknown> {
  const fields: Record<string, unknown> = Object.create(null)
  for (const name of [fieldName, '_method']) {
    const values = form.getAll(name)
    if (values.length === 1) fields[name] = values[0]
    else if (values.length > 1) fields[name] = values
  }
  return fields
}

/** The default answer to a failed check: 403 with the reason as text. */
export function csrfFailureResponse(error: CsrfError): Response {
  return new Response(`403 Forbidden: ${error.message}\n`, {
    status: 403,
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      Vary: CSRF_VARY.join(', '),
    },
  })
}
