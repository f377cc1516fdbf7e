/**
 * Expiry bookkeeping for stores that keep records in process memory, without an object per
 * record: keys are filed in time buckets (an array of keys per bucket, a min-heap of bucket
 * numbers), so collecting expired records costs O(expired + re-filed), not a walk over every
 * record.
 */

/**
 * Files keys by expiry, lazily. A key is filed again only when its expiry moves to an earlier
 * bucket; when a bucket falls due, each of its keys is looked up and removed if expired,
 * re-filed if its expiry moved later, and dropped if gone or filed twice.
 */
export class ExpiryQueue {
  readonly #width: number
  readonly #expiresAt: (key: string) => number | undefined
  readonly #buckets = new Map<number, string[]>()
  readonly #heap: number[] = []
  /** Keys filed, stale filings (of removed or re-filed keys) included. */
  #filed = 0
  // The bucket that holds the present moment is swept in place; until the earliest expiry
  // among its remaining keys, sweeping it again would find nothing.
  #current = Number.NaN
  #currentNext = Number.POSITIVE_INFINITY

  /**
   * @param expiresAt a key's current expiry, or undefined once it is gone.
   * @param width bucket width in ms.
   */
  constructor(expiresAt: (key: string) => number | undefined, width = 1000) {
    this.#expiresAt = expiresAt
    this.#width = width
  }

  /** Keys filed, stale filings included; rebuild when it far exceeds the live count. */
  get filed(): number {
    return this.#filed
  }

  /** Call after `key` was added (`previous` undefined) or its expiry changed from `previous`. */
  schedule(key: string, expiresAt: number, previous: number | undefined): void {
    const bucket = this.#bucketOf(expiresAt)
    if (previous === undefined || bucket < this.#bucketOf(previous)) {
      this.#file(key, bucket, expiresAt)
    } else if (bucket === this.#current && expiresAt < this.#currentNext) {
      this.#currentNext = expiresAt
    }
  }

  /** Pop the keys due by `now`, calling `remove` for each key expired; returns how many. */
  collect(now: number, remove: (key: string) => void): number {
    const last = this.#bucketOf(now)
    let count = 0
    for (
      let bucket = this.#heap[0];
      bucket !== undefined && bucket <= last;
      bucket = this.#heap[0]
    ) {
      const keys = this.#buckets.get(bucket) as string[]
      if (bucket === last) {
        count += this.#sweepCurrent(bucket, keys, now, remove)
        break
      }
      this.#drop(bucket, keys)
      for (const key of keys) {
        const expiresAt = this.#expiresAt(key)
        if (expiresAt === undefined) continue
        if (expiresAt <= now) {
          remove(key)
          count++
        } else {
          this.#file(key, this.#bucketOf(expiresAt), expiresAt)
        }
      }
    }
    return count
  }

  /** Forget every filing and file `entries` afresh (drops stale filings). */
  rebuild(entries: Iterable<readonly [string, number]>): void {
    this.#buckets.clear()
    this.#heap.length = 0
    this.#filed = 0
    this.#current = Number.NaN
    this.#currentNext = Number.POSITIVE_INFINITY
    for (const [key, expiresAt] of entries) this.#file(key, this.#bucketOf(expiresAt), expiresAt)
  }

  #bucketOf(at: number): number {
    return Math.floor(at / this.#width)
  }

  #file(key: string, bucket: number, expiresAt: number): void {
    let keys = this.#buckets.get(bucket)
    if (keys === undefined) {
      keys = []
      this.#buckets.set(bucket, keys)
      heapPush(this.#heap, bucket)
    }
    keys.push(key)
    this.#filed++
    if (bucket === this.#current && expiresAt < this.#currentNext) this.#currentNext = expiresAt
  }

  #drop(bucket: number, keys: string[]): void {
    heapPop(this.#heap)
    this.#buckets.delete(bucket)
    this.#filed -= keys.length
    if (bucket === this.#current) this.#current = Number.NaN
  }

  /** Remove the expired keys of the bucket holding `now`, keeping the rest in it. */
  #sweepCurrent(bucket: number, keys: string[], now: number, remove: (key: string) => void) {
    if (bucket === this.#current && now < this.#currentNext) return 0
    let count = 0
    let kept = 0
    let next = Number.POSITIVE_INFINITY
    const seen = new Set<string>()
    for (const key of keys) {
      const expiresAt = this.#expiresAt(key)
      if (expiresAt === undefined || seen.has(key)) continue
      if (expiresAt <= now) {
        remove(key)
        count++
      } else if (this.#bucketOf(expiresAt) > bucket) {
        seen.add(key)
        this.#file(key, this.#bucketOf(expiresAt), expiresAt)
      } else {
        seen.add(key)
        keys[kept++] = key
        if (expiresAt < next) next = expiresAt
      }
    }
    this.#filed -= keys.length - kept
    keys.length = kept
    if (kept === 0) {
      this.#drop(bucket, keys)
      return count
    }
    this.#current = bucket
    this.#currentNext = next
    return count
  }
}

function heapPush(heap: number[], value: number): void {
  let i = heap.length
  heap.push(value)
  while (i > 0) {
    const parent = (i - 1) >> 1
    const p = heap[parent] as number
    if (p <= value) break
    heap[i] = p
    i = parent
  }
  heap[i] = value
}

function heapPop(heap: number[]): void {
  const last = heap.pop() as number
  const n = heap.length
  if (n === 0) return
  let i = 0
  for (;;) {
    let child = 2 * i + 1
    if (child >= n) break
    if (child + 1 < n && (heap[child + 1] as number) < (heap[child] as number)) child++
    const c = heap[child] as number
    if (c >= last) break
    heap[i] = c
    i = child
  }
  heap[i] = last
}
