/**
 * Checking `createSessions` options once, at construction. Every problem is collected, so a
 * ConfigError lists all bad options with their paths.
 */

import { resolveClientSide } from './client-side.js'
import { type Codec, isCodecId, jsonCodec } from './codec.js'
import { type CookieAttributes, cookieAttributes } from './cookie.js'
import { parseDuration } from './duration.js'
import type { Engine } from './engine.js'
import { ConfigError, type ConfigIssue } from './errors.js'
import type { FingerprintOptions } from './fingerprint.js'
import { debug } from './hooks.js'
import { generateId, isCustomId, isDefaultId } from './ids.js'
import { importKeyRing, type KeyRing } from './keys.js'
import { LockManager } from './lock.js'
import type { SchemaOptions } from './schema.js'
import type { Store } from './store.js'
import type { SessionHooks, SessionsOptions, TrustProxy } from './types.js'

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const PATH_VALUE = /^\/[\u0021-\u003A\u003C-\u007E]*$/
const DOMAIN_VALUE =
  /^\.?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i
const HOOK_NAMES = new Set([
  'created',
  'regenerated',
  'destroyed',
  'invalidId',
  'zombieAccess',
  'fingerprintChanged',
  'lockLost',
  'conflict',
  'storeError',
])
const STORE_METHODS = ['get', 'set', 'touch', 'destroy'] as const

function duration(
  issues: ConfigIssue[],
  path: string,
  value: unknown,
  fallback: string,
  positive: boolean,
): number {
  const ms = parseDuration(value ?? fallback)
  if (ms === null || (positive && ms === 0)) {
    issues.push({
      path,
      message: `expected a ${positive ? 'positive ' : ''}duration (milliseconds or e.g. '30m')`,
    })
    return 0
  }
  return ms
}

function checkCookie(issues: ConfigIssue[], cookie: CookieAttributes): void {
  if (!TOKEN.test(cookie.name))
    issues.push({ path: 'cookie.name', message: 'must be an RFC 6265 token' })
  if (!PATH_VALUE.test(cookie.path)) {
    issues.push({
      path: 'cookie.path',
      message: "must start with '/' and contain no ';', spaces or control characters",
    })
  }
  if (cookie.domain !== undefined && !DOMAIN_VALUE.test(cookie.domain)) {
    issues.push({ path: 'cookie.domain', message: 'must be a valid domain name' })
  }
  if (!['lax', 'strict', 'none'].includes(cookie.sameSite)) {
    issues.push({ path: 'cookie.sameSite', message: "must be 'lax', 'strict' or 'none'" })
  }
  if (cookie.secure !== true && cookie.secure !== false && cookie.secure !== 'auto') {
    issues.push({ path: 'cookie.secure', message: "must be true, false or 'auto'" })
  }
  if (typeof cookie.httpOnly !== 'boolean')
    issues.push({ path: 'cookie.httpOnly', message: 'must be a boolean' })
  if (typeof cookie.partitioned !== 'boolean')
    issues.push({ path: 'cookie.partitioned', message: 'must be a boolean' })
  if (cookie.sameSite === 'none' && cookie.secure !== true) {
    issues.push({ path: 'cookie.secure', message: "sameSite 'none' requires secure: true" })
  }
  if (cookie.partitioned && cookie.secure !== true) {
    issues.push({ path: 'cookie.secure', message: 'partitioned cookies require secure: true' })
  }
  if (cookie.name.startsWith('__Host-')) {
    if (cookie.secure !== true)
      issues.push({ path: 'cookie.secure', message: 'a __Host- cookie requires secure: true' })
    if (cookie.domain !== undefined)
      issues.push({ path: 'cookie.domain', message: 'a __Host- cookie cannot have a domain' })
    if (cookie.path !== '/')
      issues.push({ path: 'cookie.path', message: "a __Host- cookie requires path '/'" })
  } else if (cookie.name.startsWith('__Secure-') && cookie.secure !== true) {
    issues.push({ path: 'cookie.secure', message: 'a __Secure- cookie requires secure: true' })
  }
}

function checkStore(issues: ConfigIssue[], store: unknown): store is Store {
  const candidate = store as Partial<Store> | null
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.capabilities !== 'object'
  ) {
    issues.push({ path: 'store', message: 'must implement the Store interface' })
    return false
  }
  for (const method of STORE_METHODS) {
    if (typeof candidate[method] !== 'function')
      issues.push({ path: `store.${method}`, message: 'must be a function' })
  }
  return true
}

function checkTrustProxy(issues: ConfigIssue[], value: unknown): TrustProxy {
  if (value === undefined) return false
  if (typeof value === 'boolean' || typeof value === 'function') return value as TrustProxy
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  issues.push({
    path: 'trustProxy',
    message: 'must be a boolean, a hop count or a function (ip) => boolean',
  })
  return false
}

function checkGenId(issues: ConfigIssue[], genId: unknown): (() => string) | undefined {
  if (genId === undefined) return undefined
  if (typeof genId !== 'function') {
    issues.push({ path: 'genId', message: 'must be a function' })
    return undefined
  }
  const sample: unknown = genId()
  if (typeof sample !== 'string' || !isCustomId(sample)) {
    issues.push({ path: 'genId', message: 'must return ≥ 22 base64url characters (≥ 128 bits)' })
  } else if (genId() === sample) {
    // A constant (or low-entropy) generator would hand every visitor the same session.
    issues.push({ path: 'genId', message: 'returned the same id twice; it must be random' })
  }
  return genId as () => string
}

function checkHooks(issues: ConfigIssue[], hooks: unknown): SessionHooks {
  if (hooks === undefined) return {}
  if (typeof hooks !== 'object' || hooks === null) {
    issues.push({ path: 'hooks', message: 'must be an object of functions' })
    return {}
  }
  for (const [name, hook] of Object.entries(hooks)) {
    if (!HOOK_NAMES.has(name))
      issues.push({ path: `hooks.${name}`, message: 'is not a known hook' })
    else if (typeof hook !== 'function')
      issues.push({ path: `hooks.${name}`, message: 'must be a function' })
  }
  return hooks as SessionHooks
}

function checkCodec(issues: ConfigIssue[], codec: unknown): Codec {
  if (codec === undefined) return jsonCodec
  const candidate = codec as Partial<Codec> | null
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    !isCodecId(candidate.id) ||
    typeof candidate.encode !== 'function' ||
    typeof candidate.decode !== 'function'
  ) {
    issues.push({
      path: 'codec',
      message: 'must be { id, encode, decode } with an id of [a-z0-9-]',
    })
    return jsonCodec
  }
  return codec as Codec
}

function checkFingerprint(
  issues: ConfigIssue[],
  options: SessionsOptions,
): FingerprintOptions | null {
  const { fingerprint, onFingerprintChange } = options
  if (fingerprint === undefined) {
    if (onFingerprintChange !== undefined) {
      issues.push({ path: 'onFingerprintChange', message: 'needs the fingerprint option' })
    }
    return null
  }
  if (typeof fingerprint !== 'function')
    issues.push({ path: 'fingerprint', message: 'must be a function' })
  if (onFingerprintChange !== undefined && typeof onFingerprintChange !== 'function') {
    issues.push({ path: 'onFingerprintChange', message: 'must be a function' })
  }
  return onFingerprintChange === undefined ? { fingerprint } : { fingerprint, onFingerprintChange }
}

function checkSchema(issues: ConfigIssue[], schema: unknown): SchemaOptions | null {
  if (schema === undefined) return null
  const candidate = schema as Partial<SchemaOptions> | null
  const validate = (candidate?.validator as { '~standard'?: { validate?: unknown } } | undefined)?.[
    '~standard'
  ]?.validate
  if (typeof validate !== 'function') {
    issues.push({
      path: 'schema.validator',
      message: 'must be a Standard Schema validator (zod, valibot, arktype…)',
    })
  }
  const version = candidate?.version ?? 1
  if (!Number.isSafeInteger(version) || version < 1) {
    issues.push({ path: 'schema.version', message: 'must be an integer ≥ 1' })
  }
  if (candidate?.migrate !== undefined && typeof candidate.migrate !== 'function') {
    issues.push({
      path: 'schema.migrate',
      message: 'must be a function (data, fromVersion) => data',
    })
  }
  return schema as SchemaOptions
}

let warnedMemoryStore = false

/**
 * Resolve and check options into an Engine.
 * @throws {ConfigError} listing every bad option.
 */
export function resolveOptions(options: SessionsOptions & { store: Store }): Engine {
  const issues: ConfigIssue[] = []
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('options must be an object')
  checkStore(issues, options.store)
  const cookie = cookieAttributes(options.cookie)
  checkCookie(issues, cookie)
  const lock = options.lock ?? {}
  const lockTtlMs = duration(issues, 'lock.ttl', lock.ttl, '30s', true)
  const lockTimeoutMs = duration(issues, 'lock.timeout', lock.timeout, '10s', false)
  let concurrency = options.concurrency ?? 'merge'
  if (concurrency !== 'merge' && concurrency !== 'none' && concurrency !== 'lock') {
    issues.push({ path: 'concurrency', message: "must be 'merge', 'lock' or 'none'" })
  }
  const store = options.store as Partial<Store> | undefined
  if (
    concurrency === 'lock' &&
    (store?.capabilities?.lock !== true || typeof store.lock !== 'function')
  ) {
    issues.push({ path: 'concurrency', message: "'lock' needs a store with lock support" })
  }
  if (
    concurrency === 'merge' &&
    store?.capabilities &&
    store.capabilities.compareAndSet !== true &&
    store.capabilities.clientSide !== true
  ) {
    // DESIGN: a store without compare-and-set (the express-store bridge) degrades merge to none.
    process.emitWarning(
      "sessionkit: this store has no compare-and-set; concurrency 'merge' degrades to 'none' (last write wins)",
      'SessionkitWarning',
    )
    concurrency = 'none'
  }
  let rotate: Engine['rotate'] = null
  if (options.rotateEvery !== undefined) {
    const every = duration(issues, 'rotateEvery.every', options.rotateEvery?.every, '0', true)
    const grace = duration(issues, 'rotateEvery.grace', options.rotateEvery?.grace, '0', false)
    rotate = { everyMs: every, graceMs: grace }
  }
  const maxSize = options.maxSize ?? 65_536
  if (!Number.isSafeInteger(maxSize) || maxSize < 256) {
    issues.push({ path: 'maxSize', message: 'must be an integer number of bytes ≥ 256' })
  }
  for (const flag of ['strict'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') {
      issues.push({ path: flag, message: 'must be a boolean' })
    }
  }
  const clientInfo = options.recordClientInfo ?? {}
  const recordIp = clientInfo.ip ?? true
  if (recordIp !== true && recordIp !== false && recordIp !== 'truncate') {
    issues.push({ path: 'recordClientInfo.ip', message: "must be true, false or 'truncate'" })
  }
  const now = options.now ?? Date.now
  if (typeof now !== 'function')
    issues.push({ path: 'now', message: 'must be a function returning ms' })
  const genId = checkGenId(issues, options.genId)
  const signing =
    options.secret === undefined ? null : importKeyRing(options.secret, 'secret', issues)
  let encryption: KeyRing | null = null
  if (options.encryption !== undefined) {
    if (typeof options.encryption !== 'object' || options.encryption === null) {
      issues.push({ path: 'encryption', message: 'must be an object { keys?, acceptPlaintext? }' })
    } else if (options.encryption.keys !== undefined) {
      encryption = importKeyRing(options.encryption.keys, 'encryption.keys', issues)
    } else if (options.secret === undefined) {
      issues.push({
        path: 'encryption.keys',
        message: 'give keys, or a secret to derive them from',
      })
    } else {
      encryption = signing
    }
  }
  const engine: Engine = {
    store: options.store,
    codec: checkCodec(issues, options.codec),
    now,
    idleMs: duration(issues, 'idleTimeout', options.idleTimeout, '30m', true),
    absoluteMs: duration(issues, 'absoluteTimeout', options.absoluteTimeout, '12h', true),
    touchAfterMs: duration(issues, 'touchAfter', options.touchAfter, '1m', false),
    storeTimeoutMs: duration(issues, 'storeTimeout', options.storeTimeout, '2s', false),
    mergeTimeoutMs: duration(issues, 'mergeTimeout', options.mergeTimeout, '5s', false),
    maxSize,
    cookie,
    hooks: checkHooks(issues, options.hooks),
    trustProxy: checkTrustProxy(issues, options.trustProxy),
    recordIp,
    recordUserAgent: clientInfo.userAgent ?? true,
    strict: options.strict ?? true,
    concurrency,
    genId: genId ?? generateId,
    isWellFormedId: genId ? isCustomId : isDefaultId,
    inFlight: new Set(),
    commitTurns: new Map(),
    lockTtlMs,
    lockTimeoutMs,
    rotate,
    signing,
    encryption,
    acceptPlaintext: options.encryption?.acceptPlaintext ?? false,
    fingerprint: checkFingerprint(issues, options),
    schema: checkSchema(issues, options.schema),
    gcIntervalMs:
      options.gcInterval === undefined
        ? 0
        : duration(issues, 'gcInterval', options.gcInterval, '0', true),
    clientSide: null,
    get locks(): LockManager {
      return locks
    },
  }
  const locks = new LockManager(engine, lockTtlMs, lockTimeoutMs)
  if (options.store && typeof options.store === 'object' && options.store.capabilities) {
    engine.clientSide = resolveClientSide(issues, options.store, signing, {
      now: engine.now,
      absoluteMs: engine.absoluteMs,
      cookieName: cookie.name,
    })
  }
  if (issues.length > 0) throw new ConfigError(issues)
  if (!cookie.httpOnly) {
    process.emitWarning(
      'sessionkit: the session cookie is not HttpOnly; scripts can read it',
      'SessionkitWarning',
    )
  }
  debug(
    'sessions configured: cookie %s, idle %d ms, absolute %d ms',
    cookie.name,
    engine.idleMs,
    engine.absoluteMs,
  )
  return engine
}

/** Warn once per process when the default memory store is used in production. */
export function warnMemoryStoreInProduction(): void {
  if (warnedMemoryStore || process.env.NODE_ENV !== 'production') return
  warnedMemoryStore = true
  process.emitWarning(
    'sessionkit: using the in-memory store in production; sessions are lost on restart and not shared between processes',
    'SessionkitWarning',
  )
}
