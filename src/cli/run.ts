/**
 * `sessionkit` without the process: pick the command, parse its arguments, open the store it
 * names, run it, and turn whatever went wrong into a message and an exit code.
 */
import { createRequire } from 'node:module'
import { createStoreFromUrl } from '../stores/from-url.js'
import { COMMON_OPTIONS, expectPositionals, parseCommandArgs, STORE_OPTIONS } from './args.js'
import { type Command, type StoreSelection, selectStore } from './command.js'
import { gcCommand } from './commands/gc.js'
import { keygenCommand } from './commands/keygen.js'
import { listCommand } from './commands/list.js'
import { migrateCommand } from './commands/migrate.js'
import { revokeCommand, revokeUserCommand } from './commands/revoke.js'
import { showCommand } from './commands/show.js'
import { statsCommand } from './commands/stats.js'
import { describeFailure, EXIT } from './errors.js'
import { commandHelp, mainUsage, usageLine } from './help.js'
import { createOutput, type OutputStreams, printable } from './output.js'

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  gcCommand,
  listCommand,
  showCommand,
  revokeCommand,
  revokeUserCommand,
  statsCommand,
  keygenCommand,
  migrateCommand,
]

/** What {@link runCli} reads and writes instead of `process`. */
export interface CliIo extends OutputStreams {
  env: Readonly<Record<string, string | undefined>>
}

function version(): string {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version?: string }
  return pkg.version ?? 'unknown'
}

/** Top-level words: help, version, or a command name. */
function topLevel(name: string | undefined, rest: readonly string[], io: CliIo): number | Command {
  const usage = mainUsage(COMMANDS)
  if (name === undefined) {
    io.stderr.write(usage)
    return EXIT.usage
  }
  if (name === '-h' || name === '--help' || (name === 'help' && rest.length === 0)) {
    io.stdout.write(usage)
    return EXIT.ok
  }
  if (name === '-v' || name === '--version') {
    io.stdout.write(`${version()}\n`)
    return EXIT.ok
  }
  const wanted = name === 'help' ? rest[0] : name
  const command = COMMANDS.find((c) => c.name === wanted)
  if (command === undefined) {
    const why = name.startsWith('-')
      ? 'the command comes first: sessionkit <command> [options]'
      : `unknown command "${printable(String(wanted))}"`
    io.stderr.write(`sessionkit: ${why}\n\n${usage}`)
    return EXIT.usage
  }
  if (name === 'help') {
    io.stdout.write(commandHelp(command))
    return EXIT.ok
  }
  return command
}

/**
 * Run `sessionkit` with `argv` (the arguments after the program name); resolves the exit code.
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), { ...process, env: process.env })
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  const command = topLevel(name, rest, io)
  if (typeof command === 'number') return command
  let selection: StoreSelection | undefined
  try {
    const { values, positionals } = parseCommandArgs(rest, {
      ...COMMON_OPTIONS,
      ...(command.needsStore ? STORE_OPTIONS : {}),
      ...command.options,
    })
    if (values.help === true) {
      io.stdout.write(commandHelp(command))
      return EXIT.ok
    }
    const { min, max, name: argName } = command.positionals
    expectPositionals(positionals, min, max, argName)
    if (command.needsStore) selection = selectStore(values, io.env)
    const { url, options } = selection ?? { url: '', options: {} }
    return await command.run({
      values,
      positionals,
      output: createOutput(io, { progress: values.progress === true }),
      env: io.env,
      url,
      storeOptions: options,
      openStore: () => createStoreFromUrl(url, options),
    })
  } catch (error) {
    const report = describeFailure(error, selection?.url)
    io.stderr.write(`sessionkit ${command.name}: ${report.message}\n`)
    if (report.showUsage) {
      io.stderr.write(`${usageLine(command)}\nRun "sessionkit ${command.name} --help" for more.\n`)
    }
    return report.exitCode
  }
}
