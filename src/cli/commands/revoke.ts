/**
 * `sessionkit revoke <handle>` and `sessionkit revoke-user <userId> [--except <handle>]…`:
 * end sessions from outside the application (a stolen device, a locked account).
 */
import { handleValue, listValue, UsageError } from '../args.js'
import { type Command, withStore } from '../command.js'
import { CommandFailed, EXIT } from '../errors.js'
import { printable } from '../output.js'

/**
 * The `revoke` command.
 * @example
 * ```sh
 * sessionkit revoke 3q2-… --store redis://127.0.0.1:6379/0
 * ```
 */
export const revokeCommand: Command = {
  name: 'revoke',
  summary: 'end one session by its handle',
  usage: 'revoke <handle> [--store <url>] [--json]',
  help: `Deletes the session with this handle: its cookie no longer loads a session. Exits 1 when
no live session has this handle (nothing was revoked).

Options:
  --json    print { "handle": …, "revoked": true|false }

Examples:
  sessionkit revoke 3q2-… --store sqlite:./sessions.db
  sessionkit list --user 42 --json | jq -r '.[].handle' | xargs -n1 sessionkit revoke`,
  options: { json: { type: 'boolean' } },
  positionals: { min: 1, max: 1, name: '<handle>' },
  needsStore: true,
  async run({ values, positionals, output, openStore }) {
    const handle = handleValue(positionals[0], 'the handle')
    const existed = await withStore(await openStore(), async (store) => {
      const record = await store.get(handle)
      // Destroy even when get saw nothing: an expired record the store still holds goes too.
      await store.destroy(handle)
      return record !== null
    })
    if (values.json === true) output.json({ handle, revoked: existed })
    if (!existed) throw new CommandFailed('no live session with this handle')
    if (values.json !== true) output.line(`revoked ${handle}`)
    return EXIT.ok
  },
}

/**
 * The `revoke-user` command.
 * @example
 * ```sh
 * sessionkit revoke-user 42 --except 3q2-… --store postgres://app@db/app
 * ```
 */
export const revokeUserCommand: Command = {
  name: 'revoke-user',
  summary: "end all of a user's sessions, except some",
  usage: 'revoke-user <userId> [--store <url>] [--except <handle>]… [--json]',
  help: `Deletes every session bound to the user (with login() or bindUser()), except the handles
given with --except, and prints how many were revoked. Needs a store with a user index (every
built-in store but Memcached).

Options:
  --except <handle>   keep this session; repeatable
  --json              print { "userId": …, "revoked": N }

Examples:
  sessionkit revoke-user 42 --store sqlite:./sessions.db
  sessionkit revoke-user 42 --except 3q2-… --except Zx9-…`,
  options: { except: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1, name: '<userId>' },
  needsStore: true,
  async run({ values, positionals, output, openStore }) {
    const userId = positionals[0] as string
    if (userId === '') throw new UsageError('the user id is empty')
    const except = listValue(values, 'except').map((h) => handleValue(h, '--except'))
    const revoked = await withStore(await openStore(), (store) => {
      if (!store.capabilities.userIndex || store.destroyByUser === undefined) {
        throw new CommandFailed('this store has no user index: it cannot revoke sessions by user')
      }
      return store.destroyByUser(userId, except)
    })
    if (values.json === true) output.json({ userId, revoked })
    else
      output.line(
        `revoked ${revoked} session${revoked === 1 ? '' : 's'} of user ${printable(userId)}`,
      )
    return EXIT.ok
  },
}
