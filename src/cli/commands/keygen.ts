/**
 * `sessionkit keygen`: a new random key for `secret` (cookie signing, and every key derived
 * from it: encryption at rest, the cookie store, CSRF) or `encryption.keys`.
 */
import { generateKey } from '../../core/keys.js'
import type { Command } from '../command.js'
import { EXIT } from '../errors.js'

/**
 * The `keygen` command.
 * @example
 * ```sh
 * sessionkit keygen   # e.g. 8pV4…  (43 characters: 32 random bytes, base64url)
 * ```
 */
export const keygenCommand: Command = {
  name: 'keygen',
  summary: 'print a new random key (for secret / encryption.keys)',
  usage: 'keygen',
  help: `Prints a new key: 32 bytes from the operating system's CSPRNG, base64url (43 characters),
the form createSessions({ secret }) and encryption.keys require. Needs no store.

To rotate keys, put the new key first and keep the old ones after it (comma-separated in
SESSIONKIT_SECRET, an array in code): the newest signs and encrypts, older ones still verify and
decrypt until the sessions they sealed have expired.

Examples:
  sessionkit keygen
  echo "SESSION_SECRET=$(sessionkit keygen)" >> .env`,
  options: {},
  positionals: { min: 0, max: 0 },
  needsStore: false,
  async run({ output }) {
    output.line(generateKey())
    return EXIT.ok
  },
}
