/**
 * Paging over a sorted snapshot of keys (the `scan` cursor contract: resume after the last key).
 */

/** Index of the first element of sorted `keys` greater than `cursor`. */
export function upperBound(keys: readonly string[], cursor: string): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((keys[mid] as string) <= cursor) lo = mid + 1
    else hi = mid
  }
  return lo
}
