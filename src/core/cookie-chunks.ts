/**
 * Splitting a sealed session across cookies `name`, `name.1` … `name.N-1`, and joining them
 * back. Browsers keep about 4096 bytes of `name=value` per cookie, so each cookie stays under
 * CHUNK_PAIR_BYTES; the total is bounded by `maxCookieBytes`.
 *
 * The first cookie's value starts with the chunk count (`3.…`): a reader takes exactly that many
 * chunks, so chunks left over from a longer earlier value never corrupt a shorter later one, and
 * every response sets all of its chunks, so the browser always holds one response's full set.
 */
import { readCookieValues } from './cookie.js'
import { SessionTooLarge } from './errors.js'

/** Most bytes of `name=value` in one chunk cookie. */
export const CHUNK_PAIR_BYTES = 4000

const COUNT_PREFIX = /^([1-9][0-9]?)\.(.+)$/

/** Cookie name of chunk `index` (0 is the base name). */
export function chunkName(name: string, index: number): string {
  return index === 0 ? name : `${name}.${index}`
}

/** The most chunks a value within `maxCookieBytes` can need. */
export function maxChunks(name: string, maxCookieBytes: number): number {
  return Math.min(99, Math.ceil(maxCookieBytes / (CHUNK_PAIR_BYTES - name.length - 8)))
}

/** How many bytes of `value` chunk `index` of `count` can hold. */
function capacity(name: string, index: number, count: number): number {
  const prefix = index === 0 ? `${count}.`.length : 0
  return CHUNK_PAIR_BYTES - chunkName(name, index).length - 1 - prefix
}

/**
 * The cookie values for `sealed`, first cookie first.
 * @throws {SessionTooLarge} when the cookies would exceed `maxCookieBytes` in total.
 */
export function splitChunks(name: string, sealed: string, maxCookieBytes: number): string[] {
  const limit = maxChunks(name, maxCookieBytes)
  for (let count = 1; count <= limit; count++) {
    let room = 0
    for (let index = 0; index < count; index++) room += capacity(name, index, count)
    if (room < sealed.length) continue
    const values: string[] = []
    let offset = 0
    let total = 0
    for (let index = 0; index < count; index++) {
      const part = sealed.slice(offset, offset + capacity(name, index, count))
      offset += part.length
      const value = index === 0 ? `${count}.${part}` : part
      values.push(value)
      total += chunkName(name, index).length + 1 + value.length
    }
    if (total > maxCookieBytes) throw new SessionTooLarge(total, maxCookieBytes)
    return values
  }
  throw new SessionTooLarge(sealed.length, maxCookieBytes)
}

/** What the request's cookies hold. */
export type ChunkRead =
  | { kind: 'none' }
  | { kind: 'malformed' }
  | { kind: 'value'; value: string; count: number }

/**
 * Join the chunks presented in `header`. Duplicates of any chunk, a bad count prefix, a count
 * over `limit`, or a missing or empty chunk are malformed.
 */
export function readChunks(header: string | undefined, name: string, limit: number): ChunkRead {
  const first = readCookieValues(header, name)
  if (first.length === 0) return { kind: 'none' }
  if (first.length > 1) return { kind: 'malformed' }
  const match = COUNT_PREFIX.exec(first[0] as string)
  if (match === null) return { kind: 'malformed' }
  const count = Number(match[1])
  if (count > limit) return { kind: 'malformed' }
  const parts = [match[2] as string]
  for (let index = 1; index < count; index++) {
    const values = readCookieValues(header, chunkName(name, index))
    if (values.length !== 1 || values[0] === '') return { kind: 'malformed' }
    parts.push(values[0] as string)
  }
  return { kind: 'value', value: parts.join(''), count }
}

/** Indexes (≥ 1) of the chunk cookies present in `header`, up to `limit`. */
export function presentChunks(header: string | undefined, name: string, limit: number): number[] {
  const present: number[] = []
  for (let index = 1; index < limit; index++) {
    if (readCookieValues(header, chunkName(name, index)).length > 0) present.push(index)
  }
  return present
}
