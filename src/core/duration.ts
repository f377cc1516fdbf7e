/**
 * Durations: a non-negative integer of milliseconds, or a string such as `'30m'`.
 */
import { ConfigError } from './errors.js'

/** A non-negative integer of milliseconds or a string matching `^\d+(ms|s|m|h|d|w)$`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd' | 'w'}`

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

const DURATION_PATTERN = /^(\d{1,15})(ms|s|m|h|d|w)$/

/** Milliseconds of a duration, or null when `value` is not a valid duration. */
export function parseDuration(value: unknown): number | null {
  if (typeof value === 'number') {
    // `+ 0` turns -0 into 0.
    return Number.isSafeInteger(value) && value >= 0 ? value + 0 : null
  }
  if (typeof value !== 'string') return null
  const match = DURATION_PATTERN.exec(value)
  if (!match) return null
  const ms = Number(match[1]) * (UNIT_MS[match[2] as string] as number)
  return Number.isSafeInteger(ms) ? ms : null
}

/**
 * Milliseconds of a duration given to a public API.
 * @throws {ConfigError} naming `path` when `value` is not a duration.
 */
export function durationMs(value: unknown, path: string): number {
  const ms = parseDuration(value)
  if (ms === null) {
    throw new ConfigError([
      { path, message: `expected a duration (milliseconds or e.g. '30m'), got ${describe(value)}` },
    ])
  }
  return ms
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value
}
