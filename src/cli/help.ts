/**
 * `sessionkit` help texts: the command list, and each command's usage and help.
 */
import type { Command } from './command.js'

const STORE_HELP = `Store options (every command but keygen):
  --store <url>     the store: sqlite:<path>, file:<dir>, postgres://…, postgresql://…,
                    redis://…, rediss://…, redis+cluster://h1:p1,h2:p2, memcached://h:p[,h:p],
                    memory:. Default: the SESSIONKIT_STORE environment variable.
  --table <name>    SQL stores: the table (default sessionkit_sessions)
  --prefix <p>      Redis and Memcached: the key prefix (default sessionkit:)
  -h, --help        show this help`

/**
 * The top-level usage: every command with its summary.
 * @example
 * ```ts
 * process.stdout.write(mainUsage(COMMANDS))
 * ```
 */
export function mainUsage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length))
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')
  return `Usage: sessionkit <command> [options]

Manage sessionkit sessions in any store.

Commands:
${list}

Run "sessionkit <command> --help" for a command's options and examples.

Environment:
  SESSIONKIT_STORE    store URL used when --store is not given
  SESSIONKIT_SECRET   key ring (comma-separated, newest first) for show --decrypt

Exit codes: 0 success, 1 failure (store unavailable, not found, unsupported by the store),
2 bad command line or store URL.
`
}

/** A command's usage line, for errors. */
export function usageLine(command: Command): string {
  return `Usage: sessionkit ${command.usage}`
}

/** A command's full help. */
export function commandHelp(command: Command): string {
  const storeHelp = command.needsStore
    ? `\n\n${STORE_HELP}`
    : '\n\n  -h, --help        show this help'
  return `${usageLine(command)}\n\n${command.summary}.\n\n${command.help}${storeHelp}\n`
}
