/**
 * CSPRNG bytes drawn from a pooled buffer: one `randomFillSync` per 4 KiB instead of one
 * `randomBytes` call per id, nonce or mask. A call costs ~3 µs here (up to ~7 µs under load) against
 * ~0.2 µs for a slice, and a regenerate draws three times. Node's own UUID generator caches entropy
 * the same way. Every byte is handed out once: the offset only moves forward, and the pool is
 * refilled from the CSPRNG before it would be reused. Never falls back to a weaker source: a
 * failing CSPRNG throws.
 */
import { randomFillSync } from 'node:crypto'

/** Bytes per refill; also the most one call may draw. */
export const RANDOM_POOL_BYTES = 4096

const pool = Buffer.allocUnsafeSlow(RANDOM_POOL_BYTES)
let offset = RANDOM_POOL_BYTES

function draw(size: number): number {
  if (!Number.isSafeInteger(size) || size < 1 || size > RANDOM_POOL_BYTES) {
    throw new RangeError(`random draw of ${size} bytes: expected 1 to ${RANDOM_POOL_BYTES}`)
  }
  if (offset + size > RANDOM_POOL_BYTES) {
    randomFillSync(pool)
    offset = 0
  }
  const start = offset
  offset += size
  return start
}

/** `size` fresh CSPRNG bytes in a buffer of their own. */
export function randomBytesPooled(size: number): Buffer {
  const start = draw(size)
  return Buffer.from(pool.subarray(start, start + size))
}

/** `size` fresh CSPRNG bytes as unpadded base64url. */
export function randomBase64url(size: number): string {
  const start = draw(size)
  return pool.toString('base64url', start, start + size)
}
