// Issue 7 item 1: user-level operations on the memory and SQLite stores (the shared checks of
// test/stores/user-sessions-checks.ts; "two processes" over SQLite are two createSessions objects
// with their own connection to one database file), and ConfigError on a store without a user
// index.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { ConfigError } from '../../src/core/errors.js'
import type { Store } from '../../src/core/store.js'
import { createSessions } from '../../src/index.js'
import { createMemoryStore } from '../../src/stores/memory.js'
import { createSqliteStore } from '../../src/stores/sqlite.js'
import { tempDir } from '../harness/process.js'
import { userSessionChecks } from '../stores/user-sessions-checks.js'
import { Browser } from './helpers.js'

describe('user-level operations on the memory store', () => {
  userSessionChecks({
    name: 'memory',
    fresh: (now) => {
      // One memory store is one process's memory: the "peer" shares the same instance.
      const store = createMemoryStore({ now, sweepInterval: 0 })
      return { store, peer: store }
    },
  })
})

describe('user-level operations on the SQLite store', () => {
  const dir = tempDir('user-sessions-sqlite')
  after(() => dir.cleanup())
  let files = 0
  userSessionChecks({
    name: 'SQLite',
    fresh: (now) => {
      const path = `${dir.path}/s${++files}.db`
      return { store: createSqliteStore({ path, now }), peer: createSqliteStore({ path, now }) }
    },
  })
})

describe('user-level operations on a store without a user index', () => {
  /** A store like Memcached's: it persists sessions but cannot find them by user. */
  function storeWithoutUserIndex(): Store {
    const memory = createMemoryStore({ sweepInterval: 0 })
    return {
      capabilities: { ...memory.capabilities, userIndex: false },
      get: (key) => memory.get(key),
      set: (key, record, options) => memory.set(key, record, options),
      touch: (key, expiresAt, lastSeenAt) => memory.touch(key, expiresAt, lastSeenAt),
      destroy: (key) => memory.destroy(key),
    }
  }

  it('listUserSessions and revokeUserSessions reject with ConfigError naming the store', async () => {
    const sessions = createSessions({ store: storeWithoutUserIndex() })
    const browser = new Browser(sessions)
    await browser.request((s) => s.login('ada'))
    for (const call of [
      () => sessions.listUserSessions('ada'),
      () => sessions.listUserSessions('ada', { current: 'x' }),
      () => sessions.revokeUserSessions('ada'),
      () => sessions.revokeUserSessions('ada', { except: ['x'] }),
    ]) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof ConfigError, 'a ConfigError')
        assert.deepEqual(
          error.issues.map((issue) => issue.path),
          ['store'],
        )
        return true
      })
    }
    const { result } = await browser.request((s) => s.meta.userId)
    assert.equal(result, 'ada', 'the session itself is untouched')
    await sessions.close()
  })

  it('a store that declares a user index but lacks the methods is refused too', async () => {
    const memory = createMemoryStore({ sweepInterval: 0 })
    const store: Store = {
      capabilities: { ...memory.capabilities, userIndex: true },
      get: (key) => memory.get(key),
      set: (key, record, options) => memory.set(key, record, options),
      touch: (key, expiresAt, lastSeenAt) => memory.touch(key, expiresAt, lastSeenAt),
      destroy: (key) => memory.destroy(key),
    }
    const sessions = createSessions({ store })
    await assert.rejects(sessions.listUserSessions('ada'), ConfigError)
    await assert.rejects(sessions.revokeUserSessions('ada'), ConfigError)
  })

  it('revoke rejects what is not a handle with ConfigError, before touching the store', async () => {
    let destroyed = 0
    const memory = createMemoryStore({ sweepInterval: 0 })
    const store: Store = {
      capabilities: memory.capabilities,
      get: (key) => memory.get(key),
      set: (key, record, options) => memory.set(key, record, options),
      touch: (key, expiresAt, lastSeenAt) => memory.touch(key, expiresAt, lastSeenAt),
      destroy: (key) => {
        destroyed++
        return memory.destroy(key)
      },
    }
    const sessions = createSessions({ store })
    for (const bad of [
      '',
      'short',
      `${'a'.repeat(43)}/`,
      'a'.repeat(44),
      42 as unknown as string,
    ]) {
      await assert.rejects(sessions.revoke(bad), ConfigError)
    }
    assert.equal(destroyed, 0)
  })
})
