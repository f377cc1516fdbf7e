/** A manual clock for store tests: `now` is a bound function, `advance` moves it. */
export interface ManualClock {
  now(): number
  advance(ms: number): void
}

/** A clock starting at `start` (default 2030-01-01) that only moves when told to. */
export function manualClock(start = Date.UTC(2030, 0, 1)): ManualClock {
  let t = start
  return {
    now: () => t,
    advance: (ms) => {
      t += ms
    },
  }
}
