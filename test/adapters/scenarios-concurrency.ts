// Scenarios: concurrent requests on one session through the adapter, and what a request the
// client abandons leaves behind.
import assert from 'node:assert/strict'
import { get } from 'node:http'
import { hangStarted } from './app-routes.js'
import { type Scenario, setup } from './scenario-setup.js'

export const concurrencyScenarios: Scenario[] = [
  {
    name: 'parallel requests on one session lose no increments (merge and lock modes)',
    async run(adapter, t) {
      for (const concurrency of ['merge', 'lock'] as const) {
        const { client } = await setup(adapter, t, { options: { concurrency } })
        await client.request('/views')
        await Promise.all(Array.from({ length: 10 }, () => client.request('/views')))
        assert.equal((await client.request('/views')).body, '12', concurrency)
      }
    },
  },
  {
    name: "'lock' mode: a client that goes away before the response releases the lock",
    async run(adapter, t) {
      const { client } = await setup(adapter, t, {
        options: { concurrency: 'lock', lock: { ttl: '30s', timeout: '1s' } },
      })
      await client.request('/views')
      const started = new Promise<void>((resolve) => hangStarted.push(resolve))
      const abandoned = get(`${client.url}/hang`, {
        headers: { cookie: client.jar.header() },
        agent: false,
      })
      abandoned.on('error', () => {})
      await started
      abandoned.destroy()
      const next = await client.request('/views')
      assert.equal(next.status, 200, 'the lock was released, not held until its ttl')
      assert.equal(next.body, '2', 'the abandoned request wrote nothing')
    },
  },
]
