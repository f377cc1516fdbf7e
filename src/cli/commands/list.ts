/**
 * `sessionkit list`: sessions a page at a time, all of them (scan) or one user's (user index).
 */
import type { SessionRecord, Store } from '../../core/store.js'
import { handleValue, positiveInt, stringValue, UsageError } from '../args.js'
import { type Command, withStore } from '../command.js'
import { CommandFailed, EXIT } from '../errors.js'
import { type SessionSummary, summarize, summaryTable } from '../summary.js'

/** Sessions shown per page when `--limit` is not given. */
export const DEFAULT_PAGE = 100

/** One page of a listing, and whether more follow. */
interface Page {
  entries: Array<[string, SessionRecord]>
  more: boolean
}

async function scanPage(store: Store, cursor: string | undefined, limit: number): Promise<Page> {
  if (!store.capabilities.scan || store.scan === undefined) {
    throw new CommandFailed(
      'this store cannot list its sessions (no scan); use --user <id> on a store with a user index',
    )
  }
  const entries: Array<[string, SessionRecord]> = []
  // One more than asked: a full page is only followed by a cursor when something does follow.
  const options = cursor === undefined ? { limit: limit + 1 } : { cursor, limit: limit + 1 }
  for await (const entry of store.scan(options)) entries.push(entry)
  return { entries: entries.slice(0, limit), more: entries.length > limit }
}

async function userPage(
  store: Store,
  userId: string,
  cursor: string | undefined,
  limit: number,
): Promise<Page> {
  if (!store.capabilities.userIndex || store.listByUser === undefined) {
    throw new CommandFailed('this store has no user index: it cannot list sessions by user')
  }
  const all = (await store.listByUser(userId))
    .filter(([handle]) => cursor === undefined || handle > cursor)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return { entries: all.slice(0, limit), more: all.length > limit }
}

/**
 * The `list` command.
 * @example
 * ```sh
 * sessionkit list --store sqlite:./sessions.db --user 42 --json
 * ```
 */
export const listCommand: Command = {
  name: 'list',
  summary: "list sessions, all or one user's, a page at a time",
  usage: 'list [--store <url>] [--user <userId>] [--limit <n>] [--cursor <handle>] [--json]',
  help: `Lists live sessions (metadata only, never the payload), ${DEFAULT_PAGE} per page by default.
When more follow, the cursor of the next page is printed on stderr as "next cursor: <handle>";
pass it back with --cursor. Listing needs a store that can scan (memory, file, SQLite,
PostgreSQL, Redis), --user one with a user index (the same ones). Memcached can do neither.

Options:
  --user <userId>     only this user's sessions
  --limit <n>         sessions per page (default ${DEFAULT_PAGE})
  --cursor <handle>   continue after this handle (from "next cursor:")
  --json              print a JSON array of summaries: { handle, userId, createdAt, lastSeenAt,
                      expiresAt, ip, userAgent, moved, size }, times in ms since epoch

Examples:
  sessionkit list --store sqlite:./sessions.db
  sessionkit list --user 42 --json | jq '.[].handle'
  sessionkit list --limit 500 --cursor 3q2-…`,
  options: {
    user: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 0, max: 0 },
  needsStore: true,
  async run({ values, output, openStore }) {
    const limit = positiveInt(values, 'limit', DEFAULT_PAGE)
    const rawCursor = stringValue(values, 'cursor')
    const cursor = rawCursor === undefined ? undefined : handleValue(rawCursor, '--cursor')
    const user = stringValue(values, 'user')
    if (user === '') throw new UsageError('--user needs a user id')
    const page = await withStore(await openStore(), (store) =>
      user === undefined ? scanPage(store, cursor, limit) : userPage(store, user, cursor, limit),
    )
    const summaries: SessionSummary[] = page.entries.map(([handle, record]) =>
      summarize(handle, record),
    )
    if (values.json === true) output.json(summaries)
    else if (summaries.length === 0) output.note('no sessions')
    else for (const row of summaryTable(summaries, Date.now())) output.line(row)
    const last = summaries.at(-1)
    if (page.more && last !== undefined) output.note(`next cursor: ${last.handle}`)
    return EXIT.ok
  },
}
