/**
 * Per-key serialisation of async work within one process.
 */

/** Runs async work one at a time per key, in arrival order, within this process. */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<void>>()

  /** Run `fn` after every earlier `run` for `key` settled; `waited` tells if there were any. */
  async run<T>(key: string, fn: (waited: boolean) => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key)
    let done!: () => void
    const mine = new Promise<void>((resolve) => {
      done = resolve
    })
    const tail = previous === undefined ? mine : previous.then(() => mine)
    this.#tails.set(key, tail)
    try {
      await previous
      return await fn(previous !== undefined)
    } finally {
      done()
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    }
  }
}
