/**
 * The request-scoped session: live state, the change set, flash runtimes and the lifecycle
 * (start, regenerate, destroy, reload, save). Committing lives in commit.ts.
 */

import { generateCsrfSecret, maskCsrfToken, verifyCsrfToken } from './csrf.js'
import { durationMs } from './duration.js'
import {
  decodeRecord,
  type Engine,
  encodeState,
  expiryOf,
  type LoadedSession,
  loadSession,
  storeCall,
} from './engine.js'
import {
  ConfigError,
  HeadersSent,
  InvalidSessionKey,
  InvalidSessionValue,
  ReadOnlySession,
  SessionConflict,
  SessionTooLarge,
} from './errors.js'
import { fingerprintOf } from './fingerprint.js'
import { FlashScope } from './flash.js'
import { callHook } from './hooks.js'
import { storeKey } from './ids.js'
import type { HeldLock } from './lock.js'
import { applyChange, type Change, diffChanges, replayChanges, type WorkingCopy } from './merge.js'
import { sealMove } from './moved.js'
import { formatPath, getAt } from './paths.js'
import { clientIp, truncateIp } from './proxy.js'
import { ScopeApi, type ScopeHost } from './scope-api.js'
import { emptyState, type ScopeName, type ScopeState, scopeOf } from './state.js'
import type { RecordMeta, SessionRecord } from './store.js'
import type {
  Duration,
  FlashOptions,
  HookContext,
  RegenerateOptions,
  RequestContext,
  SessionMeta,
  SetOptions,
} from './types.js'

const FORBIDDEN_SEGMENT_NAMES = new Set(['__proto__', 'prototype', 'constructor'])
/** Regenerate retries when concurrent writes keep changing the old record's version. */
const MAX_MOVE_ATTEMPTS = 8

/**
 * For a request without a session cookie, what the adapter does instead of driving the response
 * from the start: until the session starts it has nothing to send or save.
 */
export interface DeferredResponse {
  /** The session starts: from now on the adapter finalizes and commits as usual. */
  onStart(): void
  /** The response's headers are out (or it closed): what `finalize` would have sealed. */
  sealed(): boolean
}

/** How the session cookie must change in this response. */
export type CookieChange = 'none' | 'set' | 'clear'

/** How a session starts its life in a request. */
export interface SessionInit {
  loaded: LoadedSession | null
  /** The request carried a session cookie (valid or not). */
  hadCookie: boolean
  /** Non-strict mode: the unknown id to adopt when the session starts. */
  adoptId: string | null
  readOnly: boolean
  /** The cookie was signed with an older key: send it re-signed. */
  staleSignature?: boolean
}

/** The base record the request's changes apply to. */
interface Base {
  version: number
  data: string
  userId: string | undefined
  meta: RecordMeta
}

export class SessionCore implements ScopeHost {
  readonly engine: Engine
  readonly request: RequestContext
  readonly #readOnly: boolean
  readonly hadCookie: boolean
  #adoptId: string | null
  id: string | null = null
  key: string | null = null
  /** The stored record this request builds on; null until the session is stored. */
  base: Base | null = null
  // Built on first use: a request that never touches its session allocates none of this.
  #copy: WorkingCopy | null = null
  changes: Change[] = []
  /** A new session (or one reset by regenerate) must be written even without data changes. */
  forceWrite = false
  cookie: CookieChange = 'none'
  touchRequested = false
  sealed = false
  createdAt: number | null = null
  /** The exclusive lock this request holds, if any. */
  heldLock: HeldLock | null = null
  /** Set by an adapter that hooks the response only once the session starts. */
  deferred: DeferredResponse | null = null
  #flash: Map<ScopeName, FlashScope> | null = null
  #objectReads: Array<[ScopeName, readonly string[]]> | null = null
  #segments: Map<string, ScopeApi> | null = null
  readonly root: ScopeApi

  constructor(engine: Engine, request: RequestContext, init: SessionInit) {
    this.engine = engine
    this.request = request
    this.#readOnly = init.readOnly
    this.hadCookie = init.hadCookie
    this.#adoptId = init.adoptId
    this.root = new ScopeApi(this, null)
    if (init.loaded) {
      this.#adopt(init.loaded)
      if (init.staleSignature) this.cookie = 'set'
    }
  }

  get copy(): WorkingCopy {
    this.#copy ??= { state: emptyState(), userId: undefined }
    return this.#copy
  }

  set copy(copy: WorkingCopy) {
    this.#copy = copy
  }

  // ---- ScopeHost ------------------------------------------------------------------------

  readScope(scope: ScopeName): ScopeState | undefined {
    return scopeOf(this.copy.state, scope, false)
  }

  write(change: Change): unknown {
    this.assertWritable()
    if (this.id === null) this.#start()
    const result = applyChange(this.copy, change, true)
    this.changes.push(change)
    return result
  }

  flashOf(scope: ScopeName, start: boolean): FlashScope {
    if (start) {
      this.assertWritable()
      if (this.id === null) this.#start()
    }
    this.#flash ??= new Map()
    let flash = this.#flash.get(scope)
    if (!flash) {
      flash = new FlashScope(scope, scopeOf(this.copy.state, scope, false)?.f)
      this.#flash.set(scope, flash)
    }
    return flash
  }

  noteObjectRead(scope: ScopeName, path: readonly string[]): void {
    this.#objectReads ??= []
    this.#objectReads.push([scope, path])
  }

  now(): number {
    return this.engine.now()
  }

  // ---- state ----------------------------------------------------------------------------

  hookContext(): HookContext {
    return { request: this.request, handle: this.key }
  }

  assertWritable(): void {
    if (this.#readOnly) throw new ReadOnlySession()
    if (this.sealed || this.deferred?.sealed() === true) throw new HeadersSent()
  }

  segment(name: unknown): ScopeApi {
    if (
      typeof name !== 'string' ||
      name.length === 0 ||
      name.length > 128 ||
      FORBIDDEN_SEGMENT_NAMES.has(name)
    ) {
      throw new InvalidSessionKey(
        'a segment name must be a non-empty string (≤ 128) that is not a reserved name',
      )
    }
    this.#segments ??= new Map()
    let api = this.#segments.get(name)
    if (!api) {
      api = new ScopeApi(this, name)
      this.#segments.set(name, api)
    }
    return api
  }

  meta(): SessionMeta {
    const meta = this.base?.meta
    const createdAt = this.createdAt
    const lastSeenAt = meta?.lastSeenAt ?? createdAt
    return {
      createdAt,
      lastSeenAt,
      expiresAt:
        createdAt === null || lastSeenAt === null
          ? null
          : expiryOf(this.engine, createdAt, lastSeenAt),
      authenticatedAt: this.copy.state.a ?? null,
      userId: this.copy.userId ?? null,
      ip: meta?.ip ?? null,
      userAgent: meta?.userAgent ?? null,
    }
  }

  #adopt(loaded: LoadedSession): void {
    const meta = loaded.record.meta as RecordMeta
    this.id = loaded.id
    this.key = loaded.key
    this.base = {
      version: loaded.record.version,
      data: loaded.record.data,
      userId: loaded.record.userId,
      meta,
    }
    this.copy = { state: loaded.state, userId: loaded.record.userId }
    this.createdAt = meta.createdAt
    this.changes = []
    this.forceWrite = false
    this.#flash = null
    this.#objectReads = null
    if (loaded.migrated) {
      // Persist what the schema's migrate produced (recorded so a merge replays it).
      const { state } = loaded
      this.changes.push({ t: 'flush', s: null })
      for (const key of Object.keys(state.r.d)) {
        this.changes.push({ t: 'set', s: null, p: [key], v: state.r.d[key], e: undefined })
      }
      this.changes.push({ t: 'field', f: 'sv', v: state.sv })
    }
    if (loaded.zombie) {
      this.cookie = 'set'
      callHook(this.engine.hooks, 'zombieAccess', this.hookContext())
    }
  }

  #resetToUnstarted(): void {
    this.id = null
    this.key = null
    this.base = null
    this.copy = { state: emptyState(), userId: undefined }
    this.createdAt = null
    this.changes = []
    this.forceWrite = false
    this.#flash = null
    this.#objectReads = null
  }

  #start(): void {
    const deferred = this.deferred
    if (deferred !== null) {
      this.deferred = null
      deferred.onStart()
    }
    const id = this.#adoptId ?? this.engine.genId()
    this.#adoptId = null
    if (!this.engine.isWellFormedId(id)) {
      throw new ConfigError([
        { path: 'genId', message: 'generated an id that is not ≥ 22 base64url characters' },
      ])
    }
    this.id = id
    this.key = storeKey(id)
    this.base = null
    this.createdAt = this.engine.now()
    this.forceWrite = true
    this.cookie = 'set'
    if (this.engine.rotate) this.copy.state.i = this.createdAt
    if (this.engine.schema) this.copy.state.sv = this.engine.schema.version ?? 1
    const fingerprint =
      this.engine.fingerprint && fingerprintOf(this.engine.fingerprint, this.request)
    if (fingerprint) this.copy.state.h = [fingerprint]
  }

  // ---- commit preparation -----------------------------------------------------------------

  /** Turn flash aging and in-place mutations into recorded changes. */
  collectPendingChanges(): void {
    this.#collectMutations()
    for (const flash of this.#flash?.values() ?? []) {
      const change = flash.agingChange()
      if (change) {
        applyChange(this.copy, change, false)
        this.changes.push(change)
        flash.touched = false
      }
    }
  }

  #collectMutations(): void {
    if (this.#objectReads === null) return
    const expected: WorkingCopy = {
      state:
        (this.base ? decodeRecord(this.engine, this.base, this.key as string) : null) ??
        emptyState(),
      userId: this.base?.userId,
    }
    replayChanges(expected, this.changes)
    const seen = new Set<string>()
    const found: Change[] = []
    for (const [scope, path] of this.#objectReads) {
      const label = `${scope ?? ''}\u0000${formatPath(path)}`
      if (seen.has(label)) continue
      seen.add(label)
      const before = getAt(scopeOf(expected.state, scope, false)?.d ?? Object.create(null), path)
      const after = getAt(scopeOf(this.copy.state, scope, false)?.d ?? Object.create(null), path)
      found.push(...diffChanges(scope, path, before, after))
    }
    this.#objectReads = null
    this.changes.push(...found)
  }

  /** The record to write for `copy`, checked against `maxSize`. */
  buildRecord(
    copy: WorkingCopy,
    version: number,
    createdAt: number,
    now: number,
    key: string,
  ): SessionRecord {
    const data = encodeState(this.engine, copy.state, key, { userId: copy.userId, createdAt })
    const size = Buffer.byteLength(data)
    if (size > this.engine.maxSize) throw new SessionTooLarge(size, this.engine.maxSize)
    const record: SessionRecord = {
      data,
      version,
      expiresAt: expiryOf(this.engine, createdAt, now),
      meta: { createdAt, lastSeenAt: now, ...this.#clientInfo() },
    }
    if (copy.userId !== undefined) record.userId = copy.userId
    return record
  }

  #clientInfo(): { ip?: string; userAgent?: string } {
    const info: { ip?: string; userAgent?: string } = {}
    if (this.engine.recordIp !== false) {
      const ip = clientIp(this.request.trustProxy ?? this.engine.trustProxy, this.request)
      if (ip) info.ip = this.engine.recordIp === 'truncate' ? truncateIp(ip) : ip
    }
    if (this.engine.recordUserAgent) {
      const userAgent = this.request.header('user-agent')
      if (userAgent) info.userAgent = userAgent.slice(0, 256)
    }
    return info
  }

  /** After a successful write: the written record is the new base. */
  markStored(record: SessionRecord): void {
    this.base = {
      version: record.version,
      data: record.data,
      userId: record.userId,
      meta: record.meta as RecordMeta,
    }
    this.changes = []
    this.forceWrite = false
  }

  /**
   * Move this request onto a freshly read record (after taking a lock): its recorded changes,
   * including in-place mutations so far, are re-applied on top.
   */
  rebase(loaded: LoadedSession): void {
    this.#collectMutations()
    const meta = loaded.record.meta as RecordMeta
    this.base = {
      version: loaded.record.version,
      data: loaded.record.data,
      userId: loaded.record.userId,
      meta,
    }
    this.copy = { state: loaded.state, userId: loaded.record.userId }
    replayChanges(this.copy, this.changes)
  }

  /** The session vanished (destroyed or moved by another request) while this one waited. */
  forgetVanished(): void {
    this.#resetToUnstarted()
    this.cookie = 'none'
  }

  /** Release the lock this request holds. */
  async releaseLock(): Promise<void> {
    const lock = this.heldLock
    this.heldLock = null
    if (lock) await lock.release()
  }

  /** Follow a session whose id another request changed; the changes stay to be replayed. */
  switchTo(id: string, key: string): void {
    this.id = id
    this.key = key
  }

  // ---- lifecycle --------------------------------------------------------------------------

  async regenerate(options?: RegenerateOptions): Promise<void> {
    this.assertWritable()
    const graceMs = options?.grace === undefined ? 0 : durationMs(options.grace, 'grace')
    if (this.id === null) {
      // A regenerate issues a server-chosen id: never adopt one the client presented (non-strict
      // mode), or login() would authenticate a planted id (session fixation, BI-61).
      this.#adoptId = null
      this.#start()
      this.write({ t: 'field', f: 'k', v: generateCsrfSecret() })
      return
    }
    const newId = this.engine.genId()
    if (!this.engine.isWellFormedId(newId)) {
      throw new ConfigError([
        { path: 'genId', message: 'generated an id that is not ≥ 22 base64url characters' },
      ])
    }
    const newKey = storeKey(newId)
    this.write({ t: 'field', f: 'k', v: generateCsrfSecret() })
    if (this.engine.rotate) this.write({ t: 'field', f: 'i', v: this.engine.now() })
    if (this.base === null) {
      this.id = newId
      this.key = newKey
      this.cookie = 'set'
      return
    }
    await this.#moveStoredSession(newId, newKey, graceMs)
  }

  /**
   * Write the session under its new key (create-only), then retire the old key with a
   * compare-and-set so that of two racing regenerations exactly one wins (BI-54).
   */
  async #moveStoredSession(
    newId: string,
    newKey: string,
    graceMs: number,
    attempt = 1,
  ): Promise<void> {
    const { engine } = this
    const oldId = this.id as string
    const oldKey = this.key as string
    const base = this.base as Base
    const now = engine.now()
    this.#collectMutations()
    const record = this.buildRecord(this.copy, 1, this.createdAt as number, now, newKey)
    const created = await storeCall(engine, this.hookContext(), 'set', () =>
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
    const retired = await storeCall(engine, this.hookContext(), 'set', () =>
      engine.store.set(oldKey, tombstone, { ifVersion: base.version }),
    )
    if (!retired) {
      // Another request changed or retired the old session first: undo ours and follow theirs.
      await storeCall(engine, this.hookContext(), 'destroy', () => engine.store.destroy(newKey))
      const winner = await loadSession(engine, this.request, oldId)
      if (!winner.ok) {
        throw new SessionConflict(
          'the session was regenerated or destroyed by a concurrent request',
        )
      }
      const pending = this.changes
      this.#adopt(winner)
      replayChanges(this.copy, pending)
      this.changes = pending
      this.cookie = 'set'
      // The old id was only written concurrently, not moved: it is still live, so move again
      // from the fresh record. Returning here would keep the old id (fixation, BI-61).
      if (!winner.zombie) {
        if (attempt >= MAX_MOVE_ATTEMPTS) throw new SessionConflict()
        await this.#moveStoredSession(newId, newKey, graceMs, attempt + 1)
      }
      return
    }
    if (graceMs === 0) {
      await storeCall(engine, this.hookContext(), 'destroy', () => engine.store.destroy(oldKey))
    }
    this.id = newId
    this.key = newKey
    this.markStored(record)
    this.cookie = 'set'
    callHook(engine.hooks, 'regenerated', this.hookContext(), oldKey)
  }

  async login(userId: string): Promise<void> {
    checkUserId(userId)
    await this.regenerate()
    this.write({ t: 'user', v: userId })
    this.write({ t: 'field', f: 'a', v: this.engine.now() })
  }

  async invalidate(): Promise<void> {
    this.assertWritable()
    if (this.id !== null) {
      this.write({ t: 'clear' })
      for (const flash of this.#flash?.values() ?? []) flash.clear()
    }
    await this.regenerate()
  }

  async destroy(): Promise<void> {
    this.assertWritable()
    const key = this.key
    if (this.base !== null && key !== null) {
      await storeCall(this.engine, this.hookContext(), 'destroy', () =>
        this.engine.store.destroy(key),
      )
      callHook(this.engine.hooks, 'destroyed', this.hookContext())
    }
    const hadCookie = this.hadCookie || this.base !== null
    this.#resetToUnstarted()
    this.cookie = hadCookie ? 'clear' : 'none'
  }

  async reload(): Promise<void> {
    this.assertWritable()
    if (this.base === null || this.id === null) {
      this.#resetToUnstarted()
      this.cookie = 'none'
      return
    }
    const loaded = await loadSession(this.engine, this.request, this.id)
    if (loaded.ok) this.#adopt(loaded)
    else this.#resetToUnstarted()
  }

  discard(): void {
    this.assertWritable()
    if (this.base === null) {
      this.#resetToUnstarted()
      this.cookie = 'none'
      return
    }
    const state = decodeRecord(this.engine, this.base, this.key as string) ?? emptyState()
    this.copy = { state, userId: this.base.userId }
    this.changes = []
    this.forceWrite = false
    this.#flash = null
    this.#objectReads = null
  }

  touch(): void {
    this.assertWritable()
    this.touchRequested = true
  }

  bindUser(userId: string): void {
    checkUserId(userId)
    this.write({ t: 'user', v: userId })
  }

  remember(duration: Duration | false): void {
    const ms = duration === false ? undefined : durationMs(duration, 'remember')
    this.write({ t: 'field', f: 'm', v: ms })
    this.cookie = 'set'
  }

  setPreviousUrl(url: string): void {
    if (typeof url !== 'string' || url.length > 2048) {
      throw new InvalidSessionValue('previousUrl must be a string of at most 2048 characters')
    }
    this.write({ t: 'field', f: 'p', v: url })
  }

  csrfToken(): string {
    let secret = this.copy.state.k
    if (secret === undefined) {
      secret = generateCsrfSecret()
      this.write({ t: 'field', f: 'k', v: secret })
    }
    return maskCsrfToken(secret)
  }

  verifyCsrf(candidate: unknown): boolean {
    const secret = this.copy.state.k
    return secret !== undefined && verifyCsrfToken(secret, candidate)
  }

  regenerateCsrf(): void {
    this.write({ t: 'field', f: 'k', v: generateCsrfSecret() })
  }

  /** Session-wide keepFlash / clearFlash act on the root and every segment. */
  allFlashScopes(): FlashScope[] {
    const names: ScopeName[] = [
      null,
      ...Object.keys(this.copy.state.s),
      ...(this.#segments?.keys() ?? []),
    ]
    return [...new Set(names)].map((name) => this.flashOf(name, false))
  }
}

export function checkUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 256) {
    throw new InvalidSessionValue('a user id must be a non-empty string of at most 256 characters')
  }
}

/** Re-exported for the public Session view. */
export type { FlashOptions, SetOptions }

/** Lock support, kept beside the core so session.ts stays about state and lifecycle. */
export async function lockSession(core: SessionCore): Promise<void> {
  core.assertWritable()
  if (core.heldLock !== null || core.base === null || core.id === null || core.key === null) return
  core.heldLock = await core.engine.locks.acquire(core.key, core.hookContext())
  const loaded = await loadSession(core.engine, core.request, core.id, false)
  if (loaded.ok) core.rebase(loaded)
  else core.forgetVanished()
}
