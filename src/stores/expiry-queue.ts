/**
 * Expiry bookkeeping for stores that keep records in process memory: a binary min-heap of
 * deadlines with lazy deletion, so collecting expired records costs O(expired · log n) rather
 * than a walk over every record.
 */

/** The queue's bookkeeping on an item; start an item with `gen: 0`. */
export interface Expiring {
  expiresAt: number
  /** Generation of the item's current heap node (0: none yet). */
  gen: number
  /** When that node falls due; never later than `expiresAt`. */
  dueAt: number
}

/**
 * Schedules the items of a map by `expiresAt`. Each item has one current heap node; moving its
 * expiry later re-arms lazily when the node falls due, moving it earlier pushes a new node and
 * supersedes the old one, which is skipped when popped.
 */
export class ExpiryQueue<T extends Expiring> {
  readonly #heap = new ExpiryHeap()
  readonly #items: ReadonlyMap<string, T>
  #gen = 0

  constructor(items: ReadonlyMap<string, T>) {
    this.#items = items
  }

  /** Call after `item` (stored under `key`) was added or its `expiresAt` changed. */
  schedule(key: string, item: T): void {
    if (item.gen !== 0 && item.dueAt <= item.expiresAt) return
    item.gen = ++this.#gen
    item.dueAt = item.expiresAt
    this.#heap.push(item.expiresAt, key, item.gen)
    // Superseded nodes pile up under churn; rebuild when they outnumber the items.
    if (this.#heap.size > 2 * this.#items.size + 1024) {
      const nodes: ExpiryNode[] = []
      for (const [k, it] of this.#items) {
        it.dueAt = it.expiresAt
        nodes.push({ at: it.expiresAt, key: k, gen: it.gen })
      }
      this.#heap.rebuild(nodes)
    }
  }

  /** Pop the nodes due by `now`, calling `remove` for each item expired; returns how many. */
  collect(now: number, remove: (key: string) => void): number {
    const heap = this.#heap
    let count = 0
    for (let top = heap.peek(); top !== undefined && top.at <= now; top = heap.peek()) {
      heap.pop()
      const item = this.#items.get(top.key)
      if (item === undefined || item.gen !== top.gen) continue
      if (item.expiresAt <= now) {
        remove(top.key)
        count++
      } else {
        item.dueAt = item.expiresAt
        heap.push(item.expiresAt, top.key, item.gen)
      }
    }
    return count
  }
}

/** One deadline: `key` is due at `at`; `gen` tells a current node from a superseded one. */
interface ExpiryNode {
  at: number
  key: string
  gen: number
}

/** Min-heap ordered by `at`. Superseded nodes are not removed; their owner skips them. */
class ExpiryHeap {
  #nodes: ExpiryNode[] = []

  /** Number of nodes, superseded ones included. */
  get size(): number {
    return this.#nodes.length
  }

  /** The earliest deadline, or undefined when empty. */
  peek(): ExpiryNode | undefined {
    return this.#nodes[0]
  }

  push(at: number, key: string, gen: number): void {
    const nodes = this.#nodes
    nodes.push({ at, key, gen })
    this.#up(nodes.length - 1)
  }

  /** Remove and return the earliest deadline. */
  pop(): ExpiryNode | undefined {
    const nodes = this.#nodes
    const top = nodes[0]
    const last = nodes.pop()
    if (top !== undefined && last !== undefined && nodes.length > 0) {
      nodes[0] = last
      this.#down(0)
    }
    return top
  }

  /** Replace every node at once (O(n) heapify), dropping superseded ones. */
  rebuild(nodes: ExpiryNode[]): void {
    this.#nodes = nodes
    for (let i = (nodes.length >> 1) - 1; i >= 0; i--) this.#down(i)
  }

  #up(index: number): void {
    const nodes = this.#nodes
    const node = nodes[index] as ExpiryNode
    let i = index
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = nodes[parent] as ExpiryNode
      if (p.at <= node.at) break
      nodes[i] = p
      i = parent
    }
    nodes[i] = node
  }

  #down(index: number): void {
    const nodes = this.#nodes
    const n = nodes.length
    const node = nodes[index] as ExpiryNode
    let i = index
    for (;;) {
      let child = 2 * i + 1
      if (child >= n) break
      const right = child + 1
      if (right < n && (nodes[right] as ExpiryNode).at < (nodes[child] as ExpiryNode).at) {
        child = right
      }
      const c = nodes[child] as ExpiryNode
      if (c.at >= node.at) break
      nodes[i] = c
      i = child
    }
    nodes[i] = node
  }
}
