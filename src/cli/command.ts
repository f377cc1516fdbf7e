/**
 * The shape of a `sessionkit` command and what it is given to run: parsed arguments, where to
 * print, the environment, and (for commands that need one) an open store.
 */
import type { Store } from '../core/store.js'
import type { StoreFromUrlOptions } from '../stores/from-url.js'
import { type OptionSpecs, type OptionValues, stringValue, UsageError } from './args.js'
import type { Output } from './output.js'

/** What a command's `run` receives. */
export interface CommandContext {
  /** Option values. */
  values: OptionValues
  /** Positional arguments after the command name. */
  positionals: string[]
  /** Where to print. */
  output: Output
  /** Environment variables (`SESSIONKIT_STORE`, `SESSIONKIT_SECRET`). */
  env: Readonly<Record<string, string | undefined>>
  /** The store URL, from `--store` or `SESSIONKIT_STORE` (only for commands that take a store). */
  url: string
  /** `--table` and `--prefix`, as `createStoreFromUrl` takes them. */
  storeOptions: StoreFromUrlOptions
  /** Open the store at `url`; the caller closes it. */
  openStore(): Promise<Store>
}

/** One `sessionkit` command. */
export interface Command {
  /** The name typed after `sessionkit`. */
  name: string
  /** One line for the command list. */
  summary: string
  /** Usage line(s) after `sessionkit `, e.g. `show <handle> [--decrypt] [--key <key>]…`. */
  usage: string
  /** Help text: options and examples. */
  help: string
  /** Options of this command (the shared ones are added). */
  options: OptionSpecs
  /** How many positional arguments it takes, and what to call a missing one (`<handle>`). */
  positionals: { min: number; max: number; name?: string }
  /** Whether the command works on a store (`--store` / `SESSIONKIT_STORE`). */
  needsStore: boolean
  /** Run; resolves the exit code. Errors thrown are reported by the caller. */
  run(context: CommandContext): Promise<number>
}

/** The store URL and `createStoreFromUrl` options from the command line and environment. */
export interface StoreSelection {
  url: string
  options: StoreFromUrlOptions
}

/**
 * Where the store is: `--store`, else `SESSIONKIT_STORE`; `--table` and `--prefix` pass through.
 * @example
 * ```ts
 * selectStore({ store: 'sqlite:./sessions.db' }, process.env) // { url: 'sqlite:./sessions.db', options: {} }
 * ```
 * @throws {UsageError} when neither names a store.
 */
export function selectStore(
  values: OptionValues,
  env: Readonly<Record<string, string | undefined>>,
): StoreSelection {
  const url = stringValue(values, 'store') ?? env.SESSIONKIT_STORE
  if (url === undefined || url === '') {
    throw new UsageError('no store given: pass --store <url> or set SESSIONKIT_STORE')
  }
  const options: StoreFromUrlOptions = {}
  const table = stringValue(values, 'table')
  const prefix = stringValue(values, 'prefix')
  if (table !== undefined) options.table = table
  if (prefix !== undefined) options.prefix = prefix
  return { url, options }
}

/**
 * Run `body` with `store`, closing the store afterwards whatever happens (so the process exits).
 * @example
 * ```ts
 * const code = await withStore(await context.openStore(), (store) => listPage(store))
 * ```
 */
export async function withStore<T>(store: Store, body: (store: Store) => Promise<T>): Promise<T> {
  try {
    return await body(store)
  } finally {
    await store.close?.()
  }
}
