/**
 * Payload codecs and the versioned envelope the core writes into `SessionRecord.data`:
 * `sk1:<codec id>:<payload>`. The format version lets later releases read what earlier ones
 * wrote, so an upgrade never logs users out.
 */
import { DecryptionFailed } from './errors.js'

/** Turns the session state into text and back. `decode` output is re-checked by the core. */
export interface Codec {
  /** A short id written into every envelope: lower-case letters, digits and `-`. */
  readonly id: string
  encode(value: unknown): string
  decode(text: string): unknown
}

/** The default codec: JSON, decoded into null-prototype objects. */
export const jsonCodec: Codec = {
  id: 'json',
  encode: (value) => JSON.stringify(value),
  decode: (text) => nullProtoTree(JSON.parse(text)),
}

const FORBIDDEN: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor'])

type Container = unknown[] | Record<string, unknown>

/**
 * `values.toNullProto` for a fresh `JSON.parse` result, which is a tree: no map of copies is
 * needed to keep shared references shared or to stop on cycles (about 3× faster per decode).
 * An explicit stack, so hostile nesting cannot overflow the call stack.
 */
function nullProtoTree(parsed: unknown): unknown {
  if (typeof parsed !== 'object' || parsed === null) return parsed
  const root = containerFor(parsed)
  const stack: unknown[] = [parsed, root]
  while (stack.length > 0) {
    const target = stack.pop() as Container
    const source = stack.pop() as object
    if (Array.isArray(source)) {
      for (const item of source as unknown[]) {
        if (typeof item !== 'object' || item === null) (target as unknown[]).push(item)
        else {
          const copy = containerFor(item)
          ;(target as unknown[]).push(copy)
          stack.push(item, copy)
        }
      }
      continue
    }
    for (const key of Object.keys(source)) {
      if (FORBIDDEN.has(key)) continue
      const item = (source as Record<string, unknown>)[key]
      if (typeof item !== 'object' || item === null) (target as Record<string, unknown>)[key] = item
      else {
        const copy = containerFor(item)
        ;(target as Record<string, unknown>)[key] = copy
        stack.push(item, copy)
      }
    }
  }
  return root
}

function containerFor(source: object): Container {
  return Array.isArray(source) ? [] : (Object.create(null) as Record<string, unknown>)
}

const FORMAT = 'sk1'
/** Envelope format of records sealed with encryption at rest. */
export const ENCRYPTED_FORMAT = 'sk1e'
const CODEC_ID = /^[a-z0-9-]{1,16}$/

/** True for a usable codec id. */
export function isCodecId(id: unknown): id is string {
  return typeof id === 'string' && CODEC_ID.test(id)
}

/** Wrap an encoded payload in the envelope. */
export function sealEnvelope(codec: Codec, payload: string, format: string = FORMAT): string {
  return `${format}:${codec.id}:${payload}`
}

/**
 * The payload of an envelope written with `codec`.
 * @throws {DecryptionFailed} for an unknown format or another codec's envelope.
 */
export function openEnvelope(codec: Codec, data: string, format: string = FORMAT): string {
  const prefixLength = format.length + codec.id.length + 2
  if (
    data.length < prefixLength ||
    !data.startsWith(format) ||
    data.charCodeAt(format.length) !== 58 ||
    data.slice(format.length + 1, prefixLength - 1) !== codec.id ||
    data.charCodeAt(prefixLength - 1) !== 58
  ) {
    throw new DecryptionFailed('unrecognised session envelope')
  }
  return data.slice(prefixLength)
}
