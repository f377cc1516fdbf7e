/**
 * Validated session data: a stored payload is migrated to the current schema version and
 * validated on load; one that fails is never handed to the app half-valid — the request gets a
 * fresh session and `invalidId` fires with reason `'schema'`.
 */
import type { StandardSchemaV1 } from './standard-schema.js'
import type { SessionState } from './state.js'
import { cloneValue, toNullProto } from './values.js'

/** The `schema` option of `createSessions`. */
export interface SchemaOptions {
  /** Any Standard Schema validator (zod, valibot, arktype…) for the root data. */
  validator: StandardSchemaV1
  /** The current data version; stored with each record. @default 1 */
  version?: number
  /** Upgrade data written under an older `version`; return the new data. */
  migrate?: (data: Record<string, unknown>, fromVersion: number) => unknown
}

/** The outcome of checking a loaded state. */
export type SchemaCheck = { ok: true; changed: boolean } | { ok: false }

/**
 * Migrate (when the stored version is older) and validate the root data of `state` in place.
 * Never throws: a throwing migrate or validator counts as a failure.
 */
export async function applySchema(
  schema: SchemaOptions,
  state: SessionState,
): Promise<SchemaCheck> {
  const version = schema.version ?? 1
  const stored = state.sv ?? 1
  try {
    let data: unknown = state.r.d
    let changed = false
    if (stored < version) {
      if (!schema.migrate) return { ok: false }
      data = await schema.migrate(structuredClone(state.r.d) as Record<string, unknown>, stored)
      changed = true
    } else if (stored > version) {
      return { ok: false }
    }
    const result = await schema.validator['~standard'].validate(
      changed ? data : structuredClone(data),
    )
    if (result.issues !== undefined) return { ok: false }
    if (changed) {
      const copy = toNullProto(cloneValue(result.value, 'schema output'))
      if (typeof copy !== 'object' || copy === null || Array.isArray(copy)) return { ok: false }
      state.r.d = copy as Record<string, unknown>
      state.sv = version
    }
    return { ok: true, changed }
  } catch {
    return { ok: false }
  }
}
