// Issue 3, "No lost updates", proved through a real Express 5 server with `session(sessions)` and
// real parallel HTTP requests, on the memory store and on SQLite (a file in a temp dir). The same
// lost-update scenarios run on the server stores in server-stores.test.ts.
import { after, describe } from 'node:test'
import { conflictTests } from './conflict-scenarios.js'
import { lockTests } from './lock-scenarios.js'
import { lostUpdateTests } from './lost-updates.js'
import { regenerateTests } from './regenerate-scenarios.js'
import { localStores } from './support.js'

const stores = localStores()
after(() => stores.cleanup())

for (const kit of stores.kits) {
  describe(`${kit.name} store: parallel requests on one session`, () => {
    describe('no lost updates', () => lostUpdateTests(kit))
    describe("'merge' conflicts", () => conflictTests(kit))
    describe("'lock' mode", () => lockTests(kit))
    describe('regenerate and rotateEvery under parallel requests', () => regenerateTests(kit))
  })
}
