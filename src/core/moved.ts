/**
 * The `movedTo` field of a record retired by `regenerate({ grace })`: the new id and the end of
 * the grace window, sealed with a key derived from the old id. The deadline travels inside the
 * seal, so nothing the store does to the record (a touch extending its expiry) can stretch the
 * window the old id answers in.
 */
import { openWithId, sealWithId } from './crypto.js'

/** Where a retired session went, and until when its old id may follow. */
export interface Move {
  newId: string
  graceEndsAt: number
}

/** Seal a move for the record under `oldKey` of `oldId`. */
export function sealMove(oldId: string, oldKey: string, move: Move): string {
  return sealWithId(oldId, oldKey, `${move.graceEndsAt}:${move.newId}`)
}

/** Open a sealed move; null for anything that is not one (never throws). */
export function openMove(oldId: string, oldKey: string, sealed: string): Move | null {
  const text = openWithId(oldId, oldKey, sealed)
  if (text === null) return null
  const colon = text.indexOf(':')
  const graceEndsAt = Number(text.slice(0, colon))
  if (colon < 1 || !Number.isSafeInteger(graceEndsAt)) return null
  return { newId: text.slice(colon + 1), graceEndsAt }
}
