/**
 * The public `Session` and `Segment` objects handed to applications: thin views over the
 * SessionCore. User data lives in the core's state, never as properties of these objects, so a
 * key such as `then`, `save` or `toJSON` can never shadow the API (BI-47).
 */

import type { SessionData } from './paths-types.js'
import { saveNow } from './request-session.js'
import type { ScopeApi } from './scope-api.js'
import type { SessionCore } from './session.js'
import {
  bindUser,
  csrfToken,
  regenerateCsrf,
  remember,
  sessionMeta,
  setPreviousUrl,
  verifyCsrf,
} from './session-fields.js'
import {
  destroy,
  discard,
  invalidate,
  lockSession,
  login,
  regenerate,
  reload,
} from './session-lifecycle.js'
import type {
  Duration,
  FlashOptions,
  RegenerateOptions,
  Segment,
  Session,
  SessionMeta,
  SetOptions,
} from './types.js'

/** The data and flash API of one scope, as a public object. */
class ScopeView {
  readonly #api: ScopeApi
  constructor(api: ScopeApi) {
    this.#api = api
  }
  get(key: unknown, fallback?: unknown): unknown {
    return this.#api.get(key, fallback)
  }
  set(key: unknown, value: unknown, options?: SetOptions): void {
    this.#api.set(key, value, options)
  }
  put(record: unknown): void {
    this.#api.put(record)
  }
  has(key: unknown): boolean {
    return this.#api.has(key)
  }
  exists(key: unknown): boolean {
    return this.#api.exists(key)
  }
  pull(key: unknown, fallback?: unknown): unknown {
    return this.#api.pull(key, fallback)
  }
  forget(keys: unknown): void {
    this.#api.forget(keys)
  }
  flush(): void {
    this.#api.flush()
  }
  all(): Record<string, unknown> {
    return this.#api.all()
  }
  push(key: unknown, value: unknown): void {
    this.#api.push(key, value)
  }
  increment(key: unknown, by?: number): number {
    return this.#api.increment(key, by)
  }
  decrement(key: unknown, by?: number): number {
    return this.#api.decrement(key, by)
  }
  flash(key: string, value: unknown, options?: FlashOptions): void {
    this.#api.flash(key, value, options)
  }
  flashNow(key: string, value: unknown): void {
    this.#api.flashNow(key, value)
  }
  getFlash(key: string, fallback?: unknown): unknown {
    return this.#api.getFlash(key, fallback)
  }
  getFlashNext(key: string, fallback?: unknown): unknown {
    return this.#api.getFlashNext(key, fallback)
  }
  keepFlash(...keys: string[]): void {
    this.#api.keepFlash(...keys)
  }
  clearFlash(): void {
    this.#api.clearFlash()
  }
}

class SegmentView extends ScopeView {
  readonly name: string
  constructor(api: ScopeApi, name: string) {
    super(api)
    this.name = name
  }
}

/** The request-scoped session object. */
class SessionView extends ScopeView {
  readonly #core: SessionCore
  #segments: Map<string, SegmentView> | null = null

  constructor(core: SessionCore) {
    super(core.root)
    this.#core = core
  }
  get id(): string | null {
    return this.#core.id
  }
  get handle(): string | null {
    return this.#core.key
  }
  get isNew(): boolean {
    return this.#core.base === null
  }
  get meta(): SessionMeta {
    return sessionMeta(this.#core)
  }
  get previousUrl(): string | undefined {
    return this.#core.copy.state.p
  }
  setPreviousUrl(url: string): void {
    setPreviousUrl(this.#core, url)
  }
  segment(name: string): SegmentView {
    const api = this.#core.segment(name)
    this.#segments ??= new Map()
    let view = this.#segments.get(name)
    if (!view) {
      view = new SegmentView(api, name)
      this.#segments.set(name, view)
    }
    return view
  }
  override keepFlash(...keys: string[]): void {
    for (const flash of this.#core.allFlashScopes()) flash.keep(keys)
  }
  override clearFlash(): void {
    for (const flash of this.#core.allFlashScopes()) flash.clear()
  }
  regenerate(options?: RegenerateOptions): Promise<void> {
    return regenerate(this.#core, options)
  }
  login(userId: string): Promise<void> {
    return login(this.#core, userId)
  }
  logout(): Promise<void> {
    return destroy(this.#core)
  }
  invalidate(): Promise<void> {
    return invalidate(this.#core)
  }
  destroy(): Promise<void> {
    return destroy(this.#core)
  }
  reload(): Promise<void> {
    return reload(this.#core)
  }
  save(): Promise<void> {
    return saveNow(this.#core)
  }
  touch(): void {
    this.#core.touch()
  }
  bindUser(userId: string): void {
    bindUser(this.#core, userId)
  }
  remember(duration: Duration | false): void {
    remember(this.#core, duration)
  }
  discard(): void {
    discard(this.#core)
  }
  csrfToken(): string {
    return csrfToken(this.#core)
  }
  verifyCsrf(candidate: unknown): boolean {
    return verifyCsrf(this.#core, candidate)
  }
  regenerateCsrf(): void {
    regenerateCsrf(this.#core)
  }
  lock(): Promise<void> {
    return lockSession(this.#core)
  }
  get [Symbol.toStringTag](): string {
    return 'Session'
  }
}

/** The typed public session over a core. */
export function createSessionView<T extends object = SessionData>(core: SessionCore): Session<T> {
  return new SessionView(core) as unknown as Session<T>
}

/** The typed public segment type, for re-export. */
export type { Segment }
