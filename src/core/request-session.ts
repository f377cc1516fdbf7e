/**
 * Ending a request: `finalize()` seals the session and computes the response headers
 * synchronously (so `SessionTooLarge` surfaces before anything is sent); `commit()` persists,
 * merging with concurrent writes by compare-and-set and replay.
 */
import { performance } from 'node:perf_hooks'
import { clientSideCookies } from './client-side.js'
import { backOff, inTurn } from './commit-turns.js'
import { serializeClearingCookie, serializeSessionCookie } from './cookie.js'
import { decodeRecord, expiryOf, storeCall } from './engine.js'
import { LockLost, SessionConflict } from './errors.js'
import { callHook, debug } from './hooks.js'
import { storeKey } from './ids.js'
import { conflictingPaths, replayChanges, type WorkingCopy } from './merge.js'
import { openMove } from './moved.js'
import type { SessionData } from './paths-types.js'
import { isSecureRequest } from './proxy.js'
import type { SessionCore } from './session.js'
import { buildRecord, collectPendingChanges } from './session-record.js'
import { signCookieValue } from './signing.js'
import type { SessionState } from './state.js'
import type { SessionRecord } from './store.js'
import type { RequestSession, ResponsePlan, Session } from './types.js'

type Pending =
  | { kind: 'write'; record: SessionRecord }
  | { kind: 'touch'; expiresAt: number; lastSeenAt: number }
  | null

/** Drives one request's session for an adapter. */
export class RequestSessionImpl<T extends object = SessionData> implements RequestSession<T> {
  readonly session: Session<T>
  readonly #core: SessionCore
  #plan: ResponsePlan | null = null
  #pending: Pending = null

  constructor(core: SessionCore, session: Session<T>) {
    this.#core = core
    this.session = session
  }

  finalize(): ResponsePlan {
    if (this.#plan) return this.#plan
    const core = this.#core
    const now = core.engine.now()
    this.#pending = preparePending(core, now)
    core.sealed = true
    const secure = cookieSecure(core)
    const side = core.engine.clientSide
    if (side !== null) {
      // The cookie is the store: the write happens here, in the headers; commit has nothing to do.
      const prepared = this.#pending
      this.#pending = null
      const setCookies = clientSideCookies(
        core,
        side,
        prepared,
        secure,
        rememberedMaxAge(core, now),
      )
      this.#plan = {
        setCookies,
        noStore: setCookies.length > 0,
        varyCookie: core.hadCookie || core.id !== null,
      }
      return this.#plan
    }
    const setCookies: string[] = []
    if (core.id !== null && core.cookie === 'set') {
      setCookies.push(
        serializeSessionCookie(
          core.engine.cookie,
          cookieValue(core),
          secure,
          rememberedMaxAge(core, now),
        ),
      )
    } else if (core.id === null && core.cookie === 'clear') {
      setCookies.push(serializeClearingCookie(core.engine.cookie, secure))
    }
    this.#plan = {
      setCookies,
      noStore: setCookies.length > 0,
      varyCookie: core.hadCookie || core.id !== null,
    }
    return this.#plan
  }

  async commit(): Promise<void> {
    try {
      if (!this.#plan) this.finalize()
      const pending = this.#pending
      this.#pending = null
      if (pending === null) return
      const work = persist(this.#core, pending)
      const inFlight = this.#core.engine.inFlight
      inFlight.add(work)
      try {
        await work
      } finally {
        inFlight.delete(work)
      }
    } finally {
      await this.#core.releaseLock()
    }
  }

  /** Finalized, and `commit()` would neither persist nor release anything. */
  hasNothingToCommit(): boolean {
    return this.#plan !== null && this.#pending === null && this.#core.heldLock === null
  }

  async abort(): Promise<void> {
    this.#pending = null
    this.#core.sealed = true
    await this.#core.releaseLock()
  }
}

/**
 * After `finalize()`: `commit()` has nothing to persist and no lock to release, so an adapter may
 * complete the response without waiting a turn for it (a read within `touchAfter`).
 */
export function commitIsEmpty(rs: RequestSession<object>): boolean {
  return rs instanceof RequestSessionImpl && rs.hasNothingToCommit()
}

/** Commit now, in the middle of a request (`session.save()`). */
export async function saveNow(core: SessionCore): Promise<void> {
  core.assertWritable()
  const pending = preparePending(core, core.engine.now())
  if (pending) await persist(core, pending)
}

function cookieValue(core: SessionCore): string {
  const id = core.id as string
  return core.engine.signing === null ? id : signCookieValue(core.engine.signing, id)
}

function cookieSecure(core: SessionCore): boolean {
  const { secure } = core.engine.cookie
  return secure === 'auto'
    ? isSecureRequest(core.request.trustProxy ?? core.engine.trustProxy, core.request)
    : secure
}

function rememberedMaxAge(core: SessionCore, now: number): number | undefined {
  const remember = core.copy.state.m
  if (remember === undefined || core.createdAt === null) return undefined
  return Math.min(remember, core.createdAt + core.engine.absoluteMs - now)
}

function preparePending(core: SessionCore, now: number): Pending {
  if (core.id === null || core.createdAt === null) return null
  collectPendingChanges(core)
  if (core.changes.length > 0 || core.forceWrite) {
    const version = core.base === null ? 1 : core.base.version + 1
    return {
      kind: 'write',
      record: buildRecord(core, core.copy, version, core.createdAt, now, core.key as string),
    }
  }
  const base = core.base
  if (base === null) return null
  const lastSeenAt = base.meta.lastSeenAt
  if (core.touchRequested || now - lastSeenAt >= core.engine.touchAfterMs) {
    core.touchRequested = false
    return { kind: 'touch', expiresAt: expiryOf(core.engine, core.createdAt, now), lastSeenAt: now }
  }
  return null
}

async function persist(core: SessionCore, pending: NonNullable<Pending>): Promise<void> {
  const { engine } = core
  const key = core.key as string
  if (pending.kind === 'touch') {
    await storeCall(engine, core.hookContext(), 'touch', () =>
      engine.store.touch(key, pending.expiresAt, pending.lastSeenAt),
    )
    if (core.base) core.base.meta = { ...core.base.meta, lastSeenAt: pending.lastSeenAt }
    return
  }
  const lock = core.heldLock
  if (lock && !(await lock.confirm(engine.lockTtlMs, core.hookContext()))) throw new LockLost()
  // Commits to one session from this process take turns (commit-turns.ts): measured 9,800
  // failed CAS for 200 increments on the file store without the queue, 199 with it.
  if (lock || core.base === null) return write(core, pending.record)
  return inTurn(engine.commitTurns, key, () => write(core, pending.record))
}

async function write(core: SessionCore, first: SessionRecord): Promise<void> {
  const { engine } = core
  let record = first
  const isNew = core.base === null
  const lock = core.heldLock
  // Every write is a compare-and-set, also in 'none' mode: there a conflict is resolved by
  // overwriting (last write wins) but a destroyed session is still never re-created.
  const lastWriteWins = engine.concurrency === 'none'
  let ifVersion = isNew ? 0 : (core.base?.version as number)
  const deadline = performance.now() + engine.mergeTimeoutMs
  let mergeBase: SessionState | null = null
  for (let attempt = 0; ; attempt++) {
    const currentKey = core.key as string
    const options = { ifVersion }
    const written = await storeCall(engine, core.hookContext(), 'set', () =>
      engine.store.set(currentKey, record, options),
    )
    if (written) {
      core.markStored(record)
      if (isNew) callHook(engine.hooks, 'created', core.hookContext())
      return
    }
    if (ifVersion === 0) throw new SessionConflict('a new session collided with an existing id')
    if (lock) {
      // Under a lock nobody else may write: a conflict means the lock was lost.
      callHook(engine.hooks, 'lockLost', core.hookContext())
      throw new LockLost()
    }
    if (performance.now() >= deadline) throw new SessionConflict()
    await backOff(attempt, deadline)
    const fresh = await readForMerge(core)
    if (fresh === null) {
      // Destroyed concurrently: a late write must never resurrect it.
      debug(
        'session %s destroyed concurrently; its late changes are dropped',
        currentKey.slice(0, 6),
      )
      return
    }
    if (lastWriteWins) {
      const createdAt = fresh.record.meta?.createdAt ?? (core.createdAt as number)
      record = buildRecord(
        core,
        core.copy,
        fresh.record.version + 1,
        createdAt,
        engine.now(),
        core.key as string,
      )
      ifVersion = fresh.record.version
      continue
    }
    mergeBase ??= (core.base && decodeRecord(engine, core.base, core.key as string)) ?? null
    if (mergeBase) {
      const paths = conflictingPaths(core.changes, mergeBase, fresh.state)
      if (paths.length > 0) callHook(engine.hooks, 'conflict', core.hookContext(), paths)
    }
    mergeBase = decodeRecord(engine, fresh.record, core.key as string)
    const copy: WorkingCopy = { state: fresh.state, userId: fresh.record.userId }
    replayChanges(copy, core.changes)
    core.copy = copy
    const createdAt = fresh.record.meta?.createdAt ?? (core.createdAt as number)
    record = buildRecord(
      core,
      copy,
      fresh.record.version + 1,
      createdAt,
      engine.now(),
      core.key as string,
    )
    ifVersion = fresh.record.version
  }
}

/** The current record of the session, following a regenerate that moved it; null if gone. */
async function readForMerge(
  core: SessionCore,
): Promise<{ record: SessionRecord; state: NonNullable<ReturnType<typeof decodeRecord>> } | null> {
  const { engine } = core
  for (let hops = 0; hops < 2; hops++) {
    const key = core.key as string
    const record = await storeCall(engine, core.hookContext(), 'get', () => engine.store.get(key))
    if (record === null) return null
    if (record.movedTo !== undefined) {
      // A late write follows the move even after the grace window: it was in flight before.
      const move = openMove(core.id as string, key, record.movedTo)
      if (move === null || !engine.isWellFormedId(move.newId)) return null
      core.switchTo(move.newId, storeKey(move.newId))
      continue
    }
    const state = decodeRecord(engine, record, key)
    return state === null ? null : { record, state }
  }
  return null
}
