// The shared scenario table: observable behaviour every node:http-based adapter must show,
// through a real listening server. express.test.ts runs every row against every adapter.
import { concurrencyScenarios } from './scenarios-concurrency.js'
import { hostileScenarios } from './scenarios-hostile.js'
import { lifecycleScenarios } from './scenarios-lifecycle.js'
import { responseScenarios } from './scenarios-response.js'

export type { Scenario } from './scenario-setup.js'

export const scenarios = [
  ...lifecycleScenarios,
  ...hostileScenarios,
  ...responseScenarios,
  ...concurrencyScenarios,
]
