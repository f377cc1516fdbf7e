/**
 * A stored record as `sessionkit list` and `show` describe it: metadata only, never the payload.
 */
import { type EnvelopeInfo, envelopeInfo } from '../core/inspect.js'
import type { SessionRecord } from '../core/store.js'
import { formatRelative, formatTable, formatTime, printable } from './output.js'

/** One session in `list --json` output. Times are ms since epoch, as in the library's API. */
export interface SessionSummary {
  handle: string
  userId: string | null
  createdAt: number | null
  lastSeenAt: number | null
  expiresAt: number
  ip: string | null
  userAgent: string | null
  /** A retired id kept for a grace window after `regenerate({ grace })`. */
  moved: boolean
  /** Size of the stored payload (`data`) in bytes. */
  size: number
}

/** `show --json` output: the summary plus the record's version and envelope. */
export interface SessionDetails extends SessionSummary {
  version: number
  format: EnvelopeInfo['format']
  codec: string | null
  encrypted: boolean
}

/**
 * The summary of `record`, stored under `handle`.
 * @example
 * ```ts
 * for await (const [handle, record] of store.scan()) console.log(summarize(handle, record))
 * ```
 */
export function summarize(handle: string, record: SessionRecord): SessionSummary {
  return {
    handle,
    userId: record.userId ?? null,
    createdAt: record.meta?.createdAt ?? null,
    lastSeenAt: record.meta?.lastSeenAt ?? null,
    expiresAt: record.expiresAt,
    ip: record.meta?.ip ?? null,
    userAgent: record.meta?.userAgent ?? null,
    moved: record.movedTo !== undefined,
    size: Buffer.byteLength(record.data, 'utf8'),
  }
}

/** The details of `record`, stored under `handle`, for `show`. */
export function details(handle: string, record: SessionRecord): SessionDetails {
  const envelope = envelopeInfo(record.data)
  return {
    ...summarize(handle, record),
    version: record.version,
    format: envelope.format,
    codec: envelope.codec,
    encrypted: envelope.format === 'sk1e',
  }
}

/** Summaries as a text table (handle, user, last seen, expires, ip). */
export function summaryTable(summaries: readonly SessionSummary[], now: number): string[] {
  return formatTable(
    ['HANDLE', 'USER', 'LAST SEEN', 'EXPIRES', 'IP'],
    summaries.map((s) => [
      s.moved ? `${s.handle} (moved)` : s.handle,
      s.userId === null ? '-' : printable(s.userId),
      formatTime(s.lastSeenAt),
      formatRelative(s.expiresAt, now),
      s.ip === null ? '-' : printable(s.ip),
    ]),
  )
}
