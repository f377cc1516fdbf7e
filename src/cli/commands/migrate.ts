/**
 * `sessionkit migrate`: create or upgrade the SQL stores' schemas, as a deploy step (for
 * applications that run their store with `createSchema: false`, or a database role without DDL
 * rights). Other stores have no schema.
 */
import type { Store } from '../../core/store.js'
import { connectOrFail, loadDriver, parseUrl, splitUrl } from '../../stores/from-url-parts.js'
import type { PgLikePool } from '../../stores/postgres-options.js'
import { migratePostgresSchema } from '../../stores/postgres-schema.js'
import { SCHEMA_VERSION as SQLITE_SCHEMA_VERSION } from '../../stores/sqlite-schema.js'
import type { Command, CommandContext } from '../command.js'
import { EXIT } from '../errors.js'

interface PgPool extends PgLikePool {
  end(): Promise<void>
  on(event: 'error', listener: (error: unknown) => void): unknown
}
interface PgModule {
  Pool: new (config: object) => PgPool
}

async function migratePostgres(context: CommandContext, scheme: string): Promise<number> {
  parseUrl(context.url, scheme)
  const { Pool } = loadDriver<PgModule>('pg')
  const pool = new Pool({ connectionString: context.url, connectionTimeoutMillis: 2000 })
  pool.on('error', () => {})
  try {
    await connectOrFail('postgres', pool.query('SELECT 1'), () => {})
    const { table } = context.storeOptions
    const { from, to } = await migratePostgresSchema(pool, table === undefined ? {} : { table })
    if (from === to) context.output.line(`postgres schema is up to date (version ${to})`)
    else if (from === 0) context.output.line(`postgres schema created (version ${to})`)
    else context.output.line(`postgres schema upgraded from version ${from} to ${to}`)
    return EXIT.ok
  } finally {
    await pool.end().catch(() => {})
  }
}

/**
 * The `migrate` command.
 * @example
 * ```sh
 * sessionkit migrate --store postgres://admin@db/app --table sessions
 * ```
 */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'create or upgrade the SQL stores’ schemas',
  usage: 'migrate [--store <url>] [--table <name>]',
  help: `Creates the tables (and indexes) of a PostgreSQL or SQLite store, or upgrades them to this
version's schema. Safe to run on every deploy and from several machines at once; a no-op when the
schema is current. Other stores (Redis, Memcached, file, memory) have no schema: the command says
so and exits 0.

Options:
  --table <name>   the store's table (default sessionkit_sessions)

Examples:
  sessionkit migrate --store postgres://admin:…@db:5432/app
  sessionkit migrate --store sqlite:/var/lib/myapp/sessions.db --table sessions`,
  options: {},
  positionals: { min: 0, max: 0 },
  needsStore: true,
  async run(context) {
    const { scheme } = splitUrl(context.url)
    if (scheme === 'postgres' || scheme === 'postgresql') return migratePostgres(context, scheme)
    if (scheme === 'sqlite') {
      // Opening a SQLite store creates or upgrades its schema.
      const store: Store = await context.openStore()
      await store.close?.()
      context.output.line(`sqlite schema is up to date (version ${SQLITE_SCHEMA_VERSION})`)
      return EXIT.ok
    }
    // Open anyway, so a bad URL or an unreachable server is still reported as such.
    const store = await context.openStore()
    await store.close?.()
    context.output.line(`nothing to migrate: ${scheme}: stores have no schema`)
    return EXIT.ok
  },
}
