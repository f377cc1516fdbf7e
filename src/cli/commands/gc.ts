/**
 * `sessionkit gc`: delete expired sessions now, and say how many and how long it took.
 */
import { type Command, withStore } from '../command.js'
import { CommandFailed, EXIT } from '../errors.js'

/**
 * The `gc` command.
 * @example
 * ```sh
 * sessionkit gc --store sqlite:/var/lib/myapp/sessions.db
 * # deleted 42 expired sessions in 18 ms
 * ```
 */
export const gcCommand: Command = {
  name: 'gc',
  summary: 'delete expired sessions (stores without native expiry)',
  usage: 'gc [--store <url>] [--json] [--progress]',
  help: `Deletes expired records now and prints how many and how long it took. Stores that expire
records by themselves (Redis, Memcached, memory) need no gc: the command says so and exits 0.

Options:
  --json        print { "deleted": N, "ms": T } instead of text
  --progress    say on stderr when the sweep starts (on by default when stderr is a terminal)

Examples:
  sessionkit gc --store sqlite:./sessions.db
  SESSIONKIT_STORE=postgres://app@db/app sessionkit gc --json`,
  options: { json: { type: 'boolean' }, progress: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  needsStore: true,
  async run({ values, output, openStore }) {
    return withStore(await openStore(), async (store) => {
      if (store.gc === undefined) {
        if (!store.capabilities.nativeExpiry) throw new CommandFailed('this store has no gc')
        if (values.json === true) output.json({ deleted: 0, ms: 0, nativeExpiry: true })
        else output.line('this store expires sessions by itself: nothing to collect')
        return EXIT.ok
      }
      output.progress('deleting expired sessions…')
      const start = performance.now()
      const deleted = await store.gc()
      const ms = Math.round(performance.now() - start)
      if (values.json === true) output.json({ deleted, ms })
      else output.line(`deleted ${deleted} expired session${deleted === 1 ? '' : 's'} in ${ms} ms`)
      return EXIT.ok
    })
  },
}
