/** Argument checks of the session API: user ids, segment names, generated ids. */

import type { Engine } from './engine.js'
import { ConfigError, InvalidSessionKey, InvalidSessionValue } from './errors.js'

const FORBIDDEN_SEGMENT_NAMES = new Set(['__proto__', 'prototype', 'constructor'])

export function checkUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 256) {
    throw new InvalidSessionValue('a user id must be a non-empty string of at most 256 characters')
  }
}

export function checkSegmentName(name: unknown): asserts name is string {
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
}

/** An id from `genId` must be well formed before the session is stored under it. */
export function checkGeneratedId(engine: Engine, id: string): void {
  if (!engine.isWellFormedId(id)) {
    throw new ConfigError([
      { path: 'genId', message: 'generated an id that is not ≥ 22 base64url characters' },
    ])
  }
}
