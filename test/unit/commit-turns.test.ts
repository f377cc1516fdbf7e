// Commits to one session from one process take turns, and a conflicting commit retries at once
// the first time, then backs off, never past its deadline (core/commit-turns.ts).
import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'
import { describe, it } from 'node:test'
import { backOff, inTurn } from '../../src/core/commit-turns.js'

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('commit turns', () => {
  it('tasks under one key run one at a time, in order, and a failing task does not block the next', async () => {
    const turns = new Map<string, Promise<unknown>>()
    const log: string[] = []
    let running = 0
    const task =
      (name: string, fail = false) =>
      async () => {
        running++
        assert.equal(running, 1, `${name} runs alone`)
        log.push(`${name} start`)
        await tick()
        log.push(`${name} end`)
        running--
        if (fail) throw new Error(name)
        return name
      }
    const results = await Promise.allSettled([
      inTurn(turns, 'k', task('a')),
      inTurn(turns, 'k', task('b', true)),
      inTurn(turns, 'k', task('c')),
    ])
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    )
    assert.deepEqual(log, ['a start', 'a end', 'b start', 'b end', 'c start', 'c end'])
    assert.equal(turns.size, 0, 'no key is left queued once every task settled')
  })

  it('tasks under different keys do not wait for each other', async () => {
    const turns = new Map<string, Promise<unknown>>()
    let release = () => {}
    const held = inTurn(turns, 'a', () => new Promise<void>((resolve) => (release = resolve)))
    assert.equal(await inTurn(turns, 'b', async () => 'b done'), 'b done')
    release()
    await held
  })

  it('the first retry does not wait; later ones wait, but never past the deadline', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    let settled = false
    await backOff(0, performance.now() + 1_000)
    // Attempt 12 would wait up to 100 ms; the deadline leaves 0.
    const late = backOff(12, performance.now() - 1).then(() => (settled = true))
    t.mock.timers.tick(0)
    await tick()
    assert.ok(settled, 'a retry with no time left does not sleep past its deadline')
    await late
  })
})
