/**
 * The lifecycle of a SessionCore beyond its start: adopting a loaded session, regenerate (and
 * the move of a stored session to its new id), login, invalidate, destroy, reload, discard, and
 * taking the session's lock (rebasing onto the record read under it).
 */

import { generateCsrfSecret } from './csrf.js'
import { durationMs } from './duration.js'
import { decodeRecord, type LoadedSession, loadSession, storeCall } from './engine.js'
import { SessionConflict } from './errors.js'
import { callHook } from './hooks.js'
import { storeKey } from './ids.js'
import { replayChanges } from './merge.js'
import { sealMove } from './moved.js'
import type { SessionCore } from './session.js'
import { checkGeneratedId, checkUserId } from './session-checks.js'
import { buildRecord, collectMutations } from './session-record.js'
import { emptyState } from './state.js'
import type { RecordMeta, SessionRecord } from './store.js'
import type { RegenerateOptions } from './types.js'

/** Regenerate retries when concurrent writes keep changing the old record's version. */
const MAX_MOVE_ATTEMPTS = 8

/** Take over a loaded session as the request's base and working copy. */
export function adopt(core: SessionCore, loaded: LoadedSession): void {
  const meta = loaded.record.meta as RecordMeta
  core.id = loaded.id
  core.key = loaded.key
  core.base = {
    version: loaded.record.version,
    data: loaded.record.data,
    userId: loaded.record.userId,
    meta,
  }
  core.resetCopy({ state: loaded.state, userId: loaded.record.userId })
  core.createdAt = meta.createdAt
  if (loaded.migrated) {
    // Persist what the schema's migrate produced (recorded so a merge replays it).
    const { state } = loaded
    core.changes.push({ t: 'flush', s: null })
    for (const key of Object.keys(state.r.d)) {
      core.changes.push({ t: 'set', s: null, p: [key], v: state.r.d[key], e: undefined })
    }
    core.changes.push({ t: 'field', f: 'sv', v: state.sv })
  }
  if (loaded.zombie) {
    core.cookie = 'set'
    callHook(core.engine.hooks, 'zombieAccess', core.hookContext())
  }
}

export async function regenerate(core: SessionCore, options?: RegenerateOptions): Promise<void> {
  core.assertWritable()
  const graceMs = options?.grace === undefined ? 0 : durationMs(options.grace, 'grace')
  if (core.id === null) {
    // A regenerate issues a server-chosen id: never adopt one the client presented (non-strict
    // mode), or login() would authenticate a planted id (session fixation, BI-61).
    core.start(false)
    core.write({ t: 'field', f: 'k', v: generateCsrfSecret() })
    return
  }
  const newId = core.engine.genId()
  checkGeneratedId(core.engine, newId)
  const newKey = storeKey(newId)
  core.write({ t: 'field', f: 'k', v: generateCsrfSecret() })
  if (core.engine.rotate) core.write({ t: 'field', f: 'i', v: core.engine.now() })
  if (core.base === null) {
    core.id = newId
    core.key = newKey
    core.cookie = 'set'
    return
  }
  await moveStoredSession(core, newId, newKey, graceMs)
}

/**
 * Write the session under its new key (create-only), then retire the old key with a
 * compare-and-set so that of two racing regenerations exactly one wins (BI-54).
 */
async function moveStoredSession(
  core: SessionCore,
  newId: string,
  newKey: string,
  graceMs: number,
  attempt = 1,
): Promise<void> {
  const { engine } = core
  const oldId = core.id as string
  const oldKey = core.key as string
  const base = core.base as NonNullable<SessionCore['base']>
  const now = engine.now()
  collectMutations(core)
  const record = buildRecord(core, core.copy, 1, core.createdAt as number, now, newKey)
  const created = await storeCall(engine, core.hookContext(), 'set', () =>
    engine.store.set(newKey, record, { ifVersion: 0 }),
  )
  if (!created) throw new SessionConflict('session id collision on regenerate')
  const tombstone: SessionRecord = {
    data: '',
    version: base.version + 1,
    expiresAt: now + graceMs,
    movedTo: sealMove(oldId, oldKey, { newId, graceEndsAt: now + graceMs }),
    meta: base.meta,
  }
  const retired = await storeCall(engine, core.hookContext(), 'set', () =>
    engine.store.set(oldKey, tombstone, { ifVersion: base.version }),
  )
  if (!retired) {
    // Another request changed or retired the old session first: undo ours and follow theirs.
    await storeCall(engine, core.hookContext(), 'destroy', () => engine.store.destroy(newKey))
    const winner = await loadSession(engine, core.request, oldId)
    if (!winner.ok) {
      throw new SessionConflict('the session was regenerated or destroyed by a concurrent request')
    }
    const pending = core.changes
    adopt(core, winner)
    replayChanges(core.copy, pending)
    core.changes = pending
    core.cookie = 'set'
    // The old id was only written concurrently, not moved: it is still live, so move again
    // from the fresh record. Returning here would keep the old id (fixation, BI-61).
    if (!winner.zombie) {
      if (attempt >= MAX_MOVE_ATTEMPTS) throw new SessionConflict()
      await moveStoredSession(core, newId, newKey, graceMs, attempt + 1)
    }
    return
  }
  if (graceMs === 0) {
    await storeCall(engine, core.hookContext(), 'destroy', () => engine.store.destroy(oldKey))
  }
  core.id = newId
  core.key = newKey
  core.markStored(record)
  core.cookie = 'set'
  callHook(engine.hooks, 'regenerated', core.hookContext(), oldKey)
}

export async function login(core: SessionCore, userId: string): Promise<void> {
  checkUserId(userId)
  await regenerate(core)
  core.write({ t: 'user', v: userId })
  core.write({ t: 'field', f: 'a', v: core.engine.now() })
}

export async function invalidate(core: SessionCore): Promise<void> {
  core.assertWritable()
  if (core.id !== null) {
    core.write({ t: 'clear' })
    for (const flash of core.startedFlashes()) flash.clear()
  }
  await regenerate(core)
}

export async function destroy(core: SessionCore): Promise<void> {
  core.assertWritable()
  const key = core.key
  if (core.base !== null && key !== null) {
    await storeCall(core.engine, core.hookContext(), 'destroy', () =>
      core.engine.store.destroy(key),
    )
    callHook(core.engine.hooks, 'destroyed', core.hookContext())
  }
  const hadCookie = core.hadCookie || core.base !== null
  core.resetToUnstarted()
  core.cookie = hadCookie ? 'clear' : 'none'
}

export async function reload(core: SessionCore): Promise<void> {
  core.assertWritable()
  if (core.base === null || core.id === null) {
    core.resetToUnstarted()
    core.cookie = 'none'
    return
  }
  const loaded = await loadSession(core.engine, core.request, core.id)
  if (loaded.ok) adopt(core, loaded)
  else core.resetToUnstarted()
}

export function discard(core: SessionCore): void {
  core.assertWritable()
  if (core.base === null) {
    core.resetToUnstarted()
    core.cookie = 'none'
    return
  }
  const state = decodeRecord(core.engine, core.base, core.key as string) ?? emptyState()
  core.resetCopy({ state, userId: core.base.userId })
}

/** Take the session's exclusive lock and move the request onto the record read under it. */
export async function lockSession(core: SessionCore): Promise<void> {
  core.assertWritable()
  if (core.heldLock !== null || core.base === null || core.id === null || core.key === null) return
  core.heldLock = await core.engine.locks.acquire(core.key, core.hookContext())
  const loaded = await loadSession(core.engine, core.request, core.id, false)
  if (loaded.ok) rebase(core, loaded)
  else core.forgetVanished()
}

/**
 * Move the request onto a freshly read record (after taking a lock): its recorded changes,
 * including in-place mutations so far, are re-applied on top.
 */
function rebase(core: SessionCore, loaded: LoadedSession): void {
  collectMutations(core)
  const meta = loaded.record.meta as RecordMeta
  core.base = {
    version: loaded.record.version,
    data: loaded.record.data,
    userId: loaded.record.userId,
    meta,
  }
  core.copy = { state: loaded.state, userId: loaded.record.userId }
  replayChanges(core.copy, core.changes)
}
