/**
 * Commit preparation for a SessionCore: turning flash aging and in-place mutations into recorded
 * changes, and building the record to write (with the client info it carries).
 */

import { decodeRecord, encodeState, expiryOf } from './engine.js'
import { SessionTooLarge } from './errors.js'
import { applyChange, type Change, diffChanges, replayChanges, type WorkingCopy } from './merge.js'
import { formatPath, getAt } from './paths.js'
import { clientIp, truncateIp } from './proxy.js'
import type { SessionCore } from './session.js'
import { emptyState, scopeOf } from './state.js'
import type { SessionRecord } from './store.js'

/** Turn flash aging and in-place mutations into recorded changes. */
export function collectPendingChanges(core: SessionCore): void {
  collectMutations(core)
  for (const flash of core.startedFlashes()) {
    const change = flash.agingChange()
    if (change) {
      applyChange(core.copy, change, false)
      core.changes.push(change)
      flash.touched = false
    }
  }
}

/** Record the in-place mutations of objects read out of the session as changes. */
export function collectMutations(core: SessionCore): void {
  if (core.objectReads === null) return
  const expected: WorkingCopy = {
    state:
      (core.base ? decodeRecord(core.engine, core.base, core.key as string) : null) ?? emptyState(),
    userId: core.base?.userId,
  }
  replayChanges(expected, core.changes)
  const seen = new Set<string>()
  const found: Change[] = []
  for (const [scope, path] of core.objectReads) {
    const label = `${scope ?? ''}\u0000${formatPath(path)}`
    if (seen.has(label)) continue
    seen.add(label)
    const before = getAt(scopeOf(expected.state, scope, false)?.d ?? Object.create(null), path)
    const after = getAt(scopeOf(core.copy.state, scope, false)?.d ?? Object.create(null), path)
    found.push(...diffChanges(scope, path, before, after))
  }
  core.objectReads = null
  core.changes.push(...found)
}

/** The record to write for `copy`, checked against `maxSize`. */
export function buildRecord(
  core: SessionCore,
  copy: WorkingCopy,
  version: number,
  createdAt: number,
  now: number,
  key: string,
): SessionRecord {
  const { engine } = core
  const data = encodeState(engine, copy.state, key, { userId: copy.userId, createdAt })
  const size = Buffer.byteLength(data)
  if (size > engine.maxSize) throw new SessionTooLarge(size, engine.maxSize)
  const record: SessionRecord = {
    data,
    version,
    expiresAt: expiryOf(engine, createdAt, now),
    meta: { createdAt, lastSeenAt: now, ...clientInfo(core) },
  }
  if (copy.userId !== undefined) record.userId = copy.userId
  return record
}

function clientInfo(core: SessionCore): { ip?: string; userAgent?: string } {
  const { engine, request } = core
  const info: { ip?: string; userAgent?: string } = {}
  if (engine.recordIp !== false) {
    const ip = clientIp(request.trustProxy ?? engine.trustProxy, request)
    if (ip) info.ip = engine.recordIp === 'truncate' ? truncateIp(ip) : ip
  }
  if (engine.recordUserAgent) {
    const userAgent = request.header('user-agent')
    if (userAgent) info.userAgent = userAgent.slice(0, 256)
  }
  return info
}
