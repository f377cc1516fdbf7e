// sessionkit/express-session against the real express-session 1.19, through real Express 4 and 5
// servers: every row of the scenario table must be observed identically (cookies, bodies, store
// calls, stored JSON) and as the row expects.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { frameworks, impls } from './express-session/harness.js'
import { runScenario } from './express-session/runner.js'
import { scenarios } from './express-session/scenarios.js'

const [real, dropIn] = impls as [(typeof impls)[0], (typeof impls)[0]]

for (const framework of frameworks) {
  describe(`express-session drop-in on ${framework.name}: same behaviour as express-session 1.19`, () => {
    for (const scenario of scenarios) {
      it(scenario.name, async () => {
        const expected = await runScenario(scenario, real, framework)
        const actual = await runScenario(scenario, dropIn, framework)
        assert.deepEqual(actual, expected, 'the drop-in differs from express-session')
        scenario.expect(actual)
      })
    }
  })
}
