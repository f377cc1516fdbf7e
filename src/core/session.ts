/**
 * The request-scoped session: live state, the change set, flash runtimes and the start of its
 * lifecycle. The rest of the lifecycle (adopt, regenerate, login, destroy, reload, …, lock) is in
 * session-lifecycle.ts, the session's own fields (meta, user, remember, CSRF) in
 * session-fields.ts, commit preparation in session-record.ts, committing in request-session.ts.
 */

import type { Engine } from './engine.js'
import { HeadersSent, ReadOnlySession } from './errors.js'
import { fingerprintOf } from './fingerprint.js'
import { FlashScope } from './flash.js'
import { storeKey } from './ids.js'
import type { HeldLock } from './lock.js'
import { applyChange, type Change, type WorkingCopy } from './merge.js'
import { ScopeApi, type ScopeHost } from './scope-api.js'
import { checkGeneratedId, checkSegmentName } from './session-checks.js'
import { adopt } from './session-lifecycle.js'
import type { Base, CookieChange, DeferredResponse, SessionInit } from './session-types.js'
import { emptyState, type ScopeName, type ScopeState, scopeOf } from './state.js'
import type { RecordMeta, SessionRecord } from './store.js'
import type { FlashOptions, HookContext, RequestContext, SetOptions } from './types.js'

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
  /** @internal Objects read out of the session, checked for in-place mutations at commit. */
  objectReads: Array<[ScopeName, readonly string[]]> | null = null
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
      adopt(this, init.loaded)
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
    if (this.id === null) this.start(true)
    const result = applyChange(this.copy, change, true)
    this.changes.push(change)
    return result
  }

  flashOf(scope: ScopeName, start: boolean): FlashScope {
    if (start) {
      this.assertWritable()
      if (this.id === null) this.start(true)
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
    this.objectReads ??= []
    this.objectReads.push([scope, path])
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
    checkSegmentName(name)
    this.#segments ??= new Map()
    let api = this.#segments.get(name)
    if (!api) {
      api = new ScopeApi(this, name)
      this.#segments.set(name, api)
    }
    return api
  }

  /** @internal Back to a session that has not started (nothing stored, nothing to write). */
  resetToUnstarted(): void {
    this.id = null
    this.key = null
    this.base = null
    this.resetCopy({ state: emptyState(), userId: undefined })
    this.createdAt = null
  }

  /** @internal A new working copy with no recorded changes, flash runtimes or object reads. */
  resetCopy(copy: WorkingCopy): void {
    this.copy = copy
    this.changes = []
    this.forceWrite = false
    this.#flash = null
    this.objectReads = null
  }

  /**
   * @internal Start the session under a new id: the presented unknown id (non-strict mode) when
   * `adoptPresented` allows it, else a generated one.
   */
  start(adoptPresented: boolean): void {
    const deferred = this.deferred
    if (deferred !== null) {
      this.deferred = null
      deferred.onStart()
    }
    const id = (adoptPresented ? this.#adoptId : null) ?? this.engine.genId()
    this.#adoptId = null
    checkGeneratedId(this.engine, id)
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

  /** @internal The flash runtimes built so far (a scope whose flash was never used has none). */
  startedFlashes(): Iterable<FlashScope> {
    return this.#flash?.values() ?? []
  }

  // ---- after a write or a lock --------------------------------------------------------------

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

  /** The session vanished (destroyed or moved by another request) while this one waited. */
  forgetVanished(): void {
    this.resetToUnstarted()
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

  // ---- touch and session-wide flash --------------------------------------------------------

  touch(): void {
    this.assertWritable()
    this.touchRequested = true
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

/** Re-exported for the public Session view. */
export type { FlashOptions, SetOptions }
