/**
 * node-redis (v5+) bounds how long a command may wait unsent in its queue (while the client is
 * offline or reconnecting) with `commandOptions.timeout`, 5 s by default, by arming an
 * `AbortSignal.timeout()` for every command. That signal and its timer cost ~15 µs of CPU per
 * command (measured: 16.6–19.2 µs for `AbortSignal.timeout` + listener, 0.8–1.0 µs for a
 * listener on a shared signal), which is a fifth of what the store adds to a request. The store
 * keeps the bound but shares one signal between the commands of a short window: each command
 * passes `timeout: 0` (no per-command timer) and the shared `abortSignal`, so a queued command
 * is still dropped after the client's timeout, give or take {@link WINDOW_MS}.
 */
import { setMaxListeners } from 'node:events'

/** How long one shared signal is handed out; a command's bound is its timeout minus up to this. */
export const WINDOW_MS = 50

/**
 * Commands per shared signal at most. node-redis adds an abort listener per queued command and
 * Node's EventTarget scans a signal's listeners on every add, so a long outage must not pile
 * thousands of them on one signal.
 */
export const MAX_USES = 64

/** Per-command options of node-redis's `sendCommand(args, options)`. */
export interface NodeRedisCommandOptions {
  readonly timeout: 0
  readonly abortSignal: AbortSignal
}

/**
 * The command timeout a node-redis client or cluster applies to every command, read from its
 * effective command options; undefined when it has none (node-redis v4, `timeout: 0`) or the
 * shape is unknown, in which case commands are sent without options, as the client would.
 */
export function commandTimeout(client: unknown): number | undefined {
  const options = (client as { _commandOptions?: { timeout?: unknown } } | null)?._commandOptions
  const timeout = options?.timeout
  return typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0
    ? timeout
    : undefined
}

/** Hands out command options whose abort signal fires `timeout` ms after it was made. */
export class SharedDeadline {
  readonly #timeout: number
  readonly #window: number
  readonly #clock: () => number
  #options: NodeRedisCommandOptions | undefined
  #madeAt = 0
  #uses = 0

  /** @param clock monotonic milliseconds; only tests pass one. */
  constructor(timeout: number, clock: () => number = performance.now.bind(performance)) {
    this.#timeout = timeout
    // Never share a signal for long enough that it could fire while still handed out.
    this.#window = Math.min(WINDOW_MS, timeout / 4)
    this.#clock = clock
  }

  /**
   * Options for one command: aborted between `timeout - min(WINDOW_MS, timeout / 4)` and
   * `timeout` ms from now.
   */
  next(): NodeRedisCommandOptions {
    const now = this.#clock()
    const options = this.#options
    if (
      options === undefined ||
      now - this.#madeAt >= this.#window ||
      this.#uses >= MAX_USES ||
      options.abortSignal.aborted
    ) {
      const abortSignal = AbortSignal.timeout(this.#timeout)
      setMaxListeners(MAX_USES + 1, abortSignal)
      this.#options = Object.freeze({ timeout: 0, abortSignal })
      this.#madeAt = now
      this.#uses = 0
    }
    this.#uses++
    return this.#options as NodeRedisCommandOptions
  }
}
