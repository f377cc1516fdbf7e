/**
 * `sessionkit stats`: one pass over every live record: counts, sizes, users, and when they
 * expire. Progress on stderr for long scans.
 */
import type { SessionRecord } from '../../core/store.js'
import { type Command, withStore } from '../command.js'
import { CommandFailed, EXIT } from '../errors.js'
import { formatBytes, formatFields, type Output } from '../output.js'

/** How often (in records) a progress line is printed. */
export const PROGRESS_EVERY = 1000

const HOUR = 3_600_000
const BUCKETS = [
  ['within1h', HOUR],
  ['within1d', 24 * HOUR],
  ['within1w', 7 * 24 * HOUR],
] as const

/** `stats --json` output. Sizes are bytes of the stored payload (`data`). */
export interface StoreStats {
  sessions: number
  /** Retired ids within their grace window (counted in `sessions`). */
  moved: number
  /** Sessions bound to a user, and how many distinct users. */
  withUser: number
  users: number
  totalSize: number
  averageSize: number
  maxSize: number
  /** Sessions by time left: ≤ 1 hour, ≤ 1 day, ≤ 1 week, later. */
  expiring: { within1h: number; within1d: number; within1w: number; later: number }
}

/**
 * Fold `records` into stats, with times judged against `now`.
 * @example
 * ```ts
 * const stats = await collectStats(store.scan(), Date.now(), output)
 * ```
 */
export async function collectStats(
  records: AsyncIterable<[string, SessionRecord]>,
  now: number,
  output: Output,
): Promise<StoreStats> {
  const stats: StoreStats = {
    sessions: 0,
    moved: 0,
    withUser: 0,
    users: 0,
    totalSize: 0,
    averageSize: 0,
    maxSize: 0,
    expiring: { within1h: 0, within1d: 0, within1w: 0, later: 0 },
  }
  const users = new Set<string>()
  for await (const [, record] of records) {
    stats.sessions++
    if (record.movedTo !== undefined) stats.moved++
    if (record.userId !== undefined) {
      stats.withUser++
      users.add(record.userId)
    }
    const size = Buffer.byteLength(record.data, 'utf8')
    stats.totalSize += size
    if (size > stats.maxSize) stats.maxSize = size
    const left = record.expiresAt - now
    const bucket = BUCKETS.find(([, limit]) => left <= limit)?.[0] ?? 'later'
    stats.expiring[bucket]++
    if (stats.sessions % PROGRESS_EVERY === 0)
      output.progress(`scanned ${stats.sessions} sessions…`)
  }
  stats.users = users.size
  stats.averageSize = stats.sessions === 0 ? 0 : Math.round(stats.totalSize / stats.sessions)
  return stats
}

function textLines(stats: StoreStats): string[] {
  return formatFields([
    ['sessions', String(stats.sessions)],
    ['moved (grace)', String(stats.moved)],
    ['bound to a user', `${stats.withUser} (${stats.users} distinct users)`],
    ['total size', formatBytes(stats.totalSize)],
    ['average size', formatBytes(stats.averageSize)],
    ['largest', formatBytes(stats.maxSize)],
    ['expiring ≤ 1h', String(stats.expiring.within1h)],
    ['expiring ≤ 1d', String(stats.expiring.within1d)],
    ['expiring ≤ 1w', String(stats.expiring.within1w)],
    ['expiring later', String(stats.expiring.later)],
  ])
}

/**
 * The `stats` command.
 * @example
 * ```sh
 * sessionkit stats --store postgres://app@db/app --json
 * ```
 */
export const statsCommand: Command = {
  name: 'stats',
  summary: 'counts, sizes, users and an expiry histogram',
  usage: 'stats [--store <url>] [--json] [--progress]',
  help: `Scans every live session once and prints: how many, how many are retired ids in a grace
window (moved), how many are bound to a user and how many distinct users, total / average /
largest data size, and how many expire within 1 hour, 1 day, 1 week, or later (each bucket
excludes the earlier ones). Needs a store that can scan (every built-in store but Memcached).

Options:
  --json        print one JSON object
  --progress    print "scanned N sessions…" on stderr every ${PROGRESS_EVERY} sessions (on by
                default when stderr is a terminal)

Examples:
  sessionkit stats --store sqlite:./sessions.db
  sessionkit stats --json | jq .expiring`,
  options: { json: { type: 'boolean' }, progress: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  needsStore: true,
  async run({ values, output, openStore }) {
    const stats = await withStore(await openStore(), (store) => {
      if (!store.capabilities.scan || store.scan === undefined) {
        throw new CommandFailed('this store cannot list its sessions (no scan): no stats')
      }
      return collectStats(store.scan(), Date.now(), output)
    })
    if (values.json === true) output.json(stats)
    else for (const line of textLines(stats)) output.line(line)
    return EXIT.ok
  },
}
