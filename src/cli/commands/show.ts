/**
 * `sessionkit show <handle>`: one session's metadata; its payload only with `--decrypt` (and the
 * key ring, for an encrypted record). Keys are never printed.
 */
import { openRecordData, type RecordPayload } from '../../core/inspect.js'
import type { SessionRecord } from '../../core/store.js'
import { handleValue, listValue, UsageError } from '../args.js'
import { type Command, type CommandContext, withStore } from '../command.js'
import { CommandFailed, EXIT } from '../errors.js'
import {
  formatBytes,
  formatFields,
  formatRelative,
  formatTime,
  printable,
  safeJson,
} from '../output.js'
import { details, type SessionDetails } from '../summary.js'

/** The key ring for `--decrypt`: `--key` values, else `SESSIONKIT_SECRET` (comma-separated). */
function keyRing(context: CommandContext): string[] {
  const given = listValue(context.values, 'key')
  if (given.length > 0) return given
  const fromEnv = context.env.SESSIONKIT_SECRET ?? ''
  return fromEnv
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '')
}

function decrypt(handle: string, record: SessionRecord, info: SessionDetails, keys: string[]) {
  if (info.encrypted && keys.length === 0) {
    throw new CommandFailed(
      'the session is encrypted: pass --key <key> (repeatable, newest first) or set SESSIONKIT_SECRET',
    )
  }
  const payload = openRecordData(record, handle, { keys })
  if (payload !== null) return payload
  if (info.encrypted) throw new CommandFailed('cannot decrypt the session with the given keys')
  throw new CommandFailed(
    info.codec !== null && info.codec !== 'json'
      ? `cannot decode the payload: codec "${printable(info.codec)}" is not JSON`
      : 'cannot decode the payload: not a format this sessionkit wrote',
  )
}

function textLines(info: SessionDetails, now: number): string[] {
  const optional = (value: string | null) => (value === null ? '-' : printable(value))
  return formatFields([
    ['handle', info.handle],
    ['version', String(info.version)],
    ['user', optional(info.userId)],
    ['created', formatTime(info.createdAt)],
    ['last seen', formatTime(info.lastSeenAt)],
    ['expires', `${formatTime(info.expiresAt)} (${formatRelative(info.expiresAt, now)})`],
    ['ip', optional(info.ip)],
    ['user agent', optional(info.userAgent)],
    ['moved', info.moved ? 'yes (a retired id in its grace window)' : 'no'],
    [
      'data',
      `${formatBytes(info.size)}, ${info.format}${info.encrypted ? ' (encrypted)' : info.format === 'sk1' ? ' (plaintext)' : ''}${info.codec === null ? '' : `, codec ${printable(info.codec)}`}`,
    ],
  ])
}

/**
 * The `show` command.
 * @example
 * ```sh
 * SESSIONKIT_SECRET=… sessionkit show 3q2-… --store sqlite:./sessions.db --decrypt
 * ```
 */
export const showCommand: Command = {
  name: 'show',
  summary: "one session's metadata (the payload only with --decrypt)",
  usage: 'show <handle> [--store <url>] [--json] [--decrypt [--key <key>]…]',
  help: `Prints a session's metadata: version, user, created / last seen / expiry times, ip, user
agent, whether it is a retired id (moved), and its data size and envelope (sk1 plaintext, sk1e
encrypted). The payload is printed only with --decrypt. The CSRF secret is never printed.

Options:
  --json          print one JSON object (with "payload" when --decrypt is given)
  --decrypt       also print the decoded payload (data, flash, segments…)
  --key <key>     a key of the ring that encrypted the records, newest first; repeatable.
                  Default: SESSIONKIT_SECRET (comma-separated). Plaintext records need none.

Examples:
  sessionkit show 3q2-… --store sqlite:./sessions.db
  SESSIONKIT_SECRET="$SESSION_SECRET" sessionkit show 3q2-… --decrypt --json`,
  options: {
    json: { type: 'boolean' },
    decrypt: { type: 'boolean' },
    key: { type: 'string', multiple: true },
  },
  positionals: { min: 1, max: 1, name: '<handle>' },
  needsStore: true,
  async run(context) {
    const { values, positionals, output, openStore } = context
    const handle = handleValue(positionals[0], 'the handle')
    const wantsPayload = values.decrypt === true
    if (!wantsPayload && listValue(values, 'key').length > 0) {
      throw new UsageError('--key is only used with --decrypt')
    }
    const keys = wantsPayload ? keyRing(context) : []
    const record = await withStore(await openStore(), (store) => store.get(handle))
    if (record === null) throw new CommandFailed('no live session with this handle')
    const info = details(handle, record)
    const payload: RecordPayload | undefined = wantsPayload
      ? decrypt(handle, record, info, keys)
      : undefined
    if (values.json === true) {
      output.json(payload === undefined ? info : { ...info, payload })
      return EXIT.ok
    }
    for (const line of textLines(info, Date.now())) output.line(line)
    if (payload !== undefined) {
      output.line('payload:')
      output.line(safeJson(payload))
    }
    return EXIT.ok
  },
}
