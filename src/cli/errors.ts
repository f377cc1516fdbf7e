/**
 * How `sessionkit` reports a failure: a message on stderr and an exit code. Messages never carry
 * the store URL's credentials, keys or payloads.
 */
import { SessionError } from '../core/errors.js'
import { UsageError } from './args.js'

/** Exit codes of `sessionkit`. */
export const EXIT = {
  /** The command did what was asked. */
  ok: 0,
  /** The command failed: store unavailable, record not found, operation unsupported… */
  failure: 1,
  /** The command line or the store URL is wrong. */
  usage: 2,
} as const

/** A failure a command reports in its own words, with exit code 1 (or `code`). */
export class CommandFailed extends Error {
  override name = 'CommandFailed'
  /** The exit code. */
  readonly exitCode: number
  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message)
    this.exitCode = exitCode
  }
}

/** What to print and which exit code to use for an error. */
export interface FailureReport {
  message: string
  exitCode: number
  /** Print the command's usage after the message. */
  showUsage: boolean
}

/**
 * Secret parts of a store URL (the password, and the whole URL) replaced by `***` in `text`:
 * a driver's error message could repeat them.
 */
export function redact(text: string, url: string | undefined): string {
  if (url === undefined || url === '') return text
  let out = text.split(url).join('***')
  const password = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@]*?:([^@/]+)@/.exec(url)?.[1]
  if (password !== undefined) {
    out = out.split(password).join('***')
    try {
      out = out.split(decodeURIComponent(password)).join('***')
    } catch {
      // A malformed escape cannot be a decoded password that appears in a message.
    }
  }
  return out
}

function causeText(error: Error): string {
  const cause = error.cause
  if (cause instanceof Error && cause.message !== '') return `: ${cause.message}`
  return ''
}

/**
 * The report for `error`, with `url` redacted from every message.
 * @example
 * ```ts
 * const { message, exitCode } = describeFailure(error, storeUrl)
 * ```
 */
export function describeFailure(error: unknown, url: string | undefined): FailureReport {
  if (error instanceof UsageError) {
    return { message: error.message, exitCode: EXIT.usage, showUsage: true }
  }
  if (error instanceof CommandFailed) {
    return { message: redact(error.message, url), exitCode: error.exitCode, showUsage: false }
  }
  if (SessionError.is(error)) {
    if (error.code === 'CONFIG') {
      return { message: redact(error.message, url), exitCode: EXIT.usage, showUsage: false }
    }
    if (error.code === 'STORE_UNAVAILABLE') {
      const message = `store unavailable: ${error.message}${causeText(error)}`
      return { message: redact(message, url), exitCode: EXIT.failure, showUsage: false }
    }
    return { message: redact(error.message, url), exitCode: EXIT.failure, showUsage: false }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { message: redact(message, url), exitCode: EXIT.failure, showUsage: false }
}
