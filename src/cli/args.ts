/**
 * Command-line parsing for `sessionkit`, on `node:util` parseArgs: the options every command
 * shares, each command's own, and checks of the values (handles, limits) with errors that say
 * what to type instead.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util'

/** Option definitions, as `node:util` parseArgs takes them. */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>

/** Parsed option values. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>

/** A mistake on the command line: the command's usage is shown and the exit code is 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Options of every command that talks to a store. */
export const STORE_OPTIONS: OptionSpecs = {
  store: { type: 'string' },
  table: { type: 'string' },
  prefix: { type: 'string' },
}

/** Options of every command. */
export const COMMON_OPTIONS: OptionSpecs = {
  help: { type: 'boolean', short: 'h' },
}

/** A command's parsed arguments. */
export interface ParsedArgs {
  values: OptionValues
  positionals: string[]
}

/**
 * Parse `argv` (the arguments after the command name) against `options`.
 * @example
 * ```ts
 * parseCommandArgs(['u1', '--json'], { json: { type: 'boolean' } }) // { values: { json: true }, positionals: ['u1'] }
 * ```
 * @throws {UsageError} for an unknown option, a missing option value, and the like.
 */
export function parseCommandArgs(argv: readonly string[], options: OptionSpecs): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: normalize(argv, options),
      options,
      strict: true,
      allowPositionals: true,
    })
    return { values: values as OptionValues, positionals }
  } catch (error) {
    // parseArgs messages name the option (never a value), e.g. "Unknown option '--x'".
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}

const DASH_HANDLE = /^-[A-Za-z0-9_-]{42}$/

/**
 * Keys and handles are base64url and may start with `-`, which parseArgs would take for an
 * option: `--key -abc…` is joined into `--key=-abc…` (a string option always takes the next
 * word), and every positional is moved after `--`, so a handle `-abc…` stays a positional.
 */
function normalize(argv: readonly string[], options: OptionSpecs): string[] {
  const flags: string[] = []
  const positionals: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string
    if (word === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    const name = word.startsWith('--') && !word.includes('=') ? word.slice(2) : undefined
    const next = argv[i + 1]
    if (name !== undefined && Object.hasOwn(options, name) && options[name]?.type === 'string') {
      flags.push(next === undefined ? word : `${word}=${next}`)
      i++
    } else if (word.startsWith('-') && word !== '-' && !DASH_HANDLE.test(word)) {
      flags.push(word)
    } else {
      positionals.push(word)
    }
  }
  return [...flags, '--', ...positionals]
}

/** A string option's value, or undefined. */
export function stringValue(values: OptionValues, name: string): string | undefined {
  const value = values[name]
  return typeof value === 'string' ? value : undefined
}

/** A repeatable string option's values (empty when absent). */
export function listValue(values: OptionValues, name: string): string[] {
  const value = values[name]
  if (Array.isArray(value)) return value
  return typeof value === 'string' ? [value] : []
}

const HANDLE = /^[A-Za-z0-9_-]{43}$/

/**
 * `value` checked as a session handle (the 43-character store key).
 * @throws {UsageError} naming `what`, without echoing the value.
 */
export function handleValue(value: string | undefined, what: string): string {
  if (value === undefined) throw new UsageError(`missing ${what}`)
  if (!HANDLE.test(value)) {
    throw new UsageError(`${what} is not a session handle (43 base64url characters)`)
  }
  return value
}

/**
 * A positive integer option, or `fallback` when absent.
 * @throws {UsageError} for anything else.
 */
export function positiveInt(values: OptionValues, name: string, fallback: number): number {
  const raw = stringValue(values, name)
  if (raw === undefined) return fallback
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
    throw new UsageError(`--${name} must be a positive integer`)
  }
  return Number(raw)
}

/**
 * Check the number of positional arguments; `name` (e.g. `<handle>`) names the expected one.
 * @throws {UsageError} when there are fewer than `min` or more than `max`.
 */
export function expectPositionals(
  positionals: readonly string[],
  min: number,
  max: number,
  name = 'argument',
): void {
  if (positionals.length < min) throw new UsageError(`missing ${name}`)
  if (positionals.length > max) {
    throw new UsageError(max === 0 ? 'this command takes no arguments' : 'too many arguments')
  }
}
