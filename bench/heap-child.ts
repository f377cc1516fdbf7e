/**
 * Heap bytes per stored session: `node --expose-gc --import tsx bench/heap-child.ts
 * <sessionkit|express-session> <count>` stores `count` sessions holding the same data
 * (`{ views: 1, user: 'alice' }`) in sessionkit's memory store (through the core, with
 * `recordClientInfo` off) or express-session's MemoryStore (with its default cookie), and prints
 * `{ bytes }`: the `heapUsed` growth after `gc()`, divided by `count`.
 */
import { randomBytes } from 'node:crypto'
import expressSession from 'express-session'
import type { RequestContext } from '../src/core/types.js'
import { createSessions } from '../src/index.js'
import { createMemoryStore } from '../src/stores/memory.js'

const [library = 'sessionkit', countArg = '50000'] = process.argv.slice(2)
const count = Number(countArg)
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')
const DATA = { views: 1, user: 'alice' }

const request: RequestContext = {
  cookieHeader: undefined,
  method: 'GET',
  url: '/',
  header: () => undefined,
  remoteAddress: '127.0.0.1',
  encrypted: false,
}

function heapUsed(): number {
  gc?.()
  gc?.()
  return process.memoryUsage().heapUsed
}

let keep: unknown
let before = 0
if (library === 'sessionkit') {
  const store = createMemoryStore({ max: count + 10, sweepInterval: 0 })
  const sessions = createSessions({ store, recordClientInfo: { ip: false, userAgent: false } })
  // One session first, so that lazily built state is not counted.
  const warm = async () => {
    const rs = await sessions.open(request)
    rs.session.put(DATA)
    rs.finalize()
    await rs.commit()
  }
  await warm()
  before = heapUsed()
  for (let i = 0; i < count; i++) await warm()
  keep = sessions
} else {
  const store = new expressSession.MemoryStore()
  const set = (sid: string) =>
    new Promise<void>((resolve, reject) => {
      const data = { cookie: new expressSession.Cookie(), ...DATA }
      store.set(sid, data, (err) => (err ? reject(err) : resolve()))
    })
  await set(randomBytes(24).toString('base64url'))
  before = heapUsed()
  // express-session's ids: uid-safe, 24 random bytes as base64url (32 characters).
  for (let i = 0; i < count; i++) await set(randomBytes(24).toString('base64url'))
  keep = store
}
const after = heapUsed()
process.stdout.write(`${JSON.stringify({ bytes: (after - before) / count, kept: typeof keep })}\n`)
