// Runs one scenario with one implementation on one framework, recording what each request showed.
import type {
  ErrorCallback,
  MemoryStore,
  ResultCallback,
} from '../../../src/compat/express-session/index.js'
import { Client, type Framework, type Impl, Normalizer, serve, signature } from './harness.js'
import { mountRoutes, toSecond } from './routes.js'
import type { Action, Observation, Scenario, Step } from './scenarios.js'

/** A MemoryStore of `impl` (subclassed with `class extends`) that logs every call. */
export function spyStore(impl: Impl, log: string[]): MemoryStore {
  const Base = impl.session.MemoryStore
  class SpyStore extends Base {
    override get(sid: string, cb: ResultCallback<object | null | undefined>): void {
      log.push(`get ${sid}`)
      super.get(sid, cb)
    }
    override set(sid: string, sess: object, cb?: ErrorCallback): void {
      log.push(`set ${sid}`)
      super.set(sid, sess, cb)
    }
    override touch(sid: string, sess: object, cb?: ErrorCallback): void {
      log.push(`touch ${sid}`)
      super.touch(sid, sess, cb)
    }
    override destroy(sid: string, cb?: ErrorCallback): void {
      log.push(`destroy ${sid}`)
      super.destroy(sid, cb)
    }
  }
  return new SpyStore()
}

/** The stored sessions, ids normalised and `cookie.expires` as minutes from now. */
function storedSessions(store: MemoryStore, names: Normalizer): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [sid, json] of Object.entries(store.sessions)) {
    const sess = JSON.parse(json) as Record<string, unknown> & { cookie: Record<string, unknown> }
    sess.cookie['originalMaxAge'] = toSecond(sess.cookie['originalMaxAge'] as number | null)
    const expires = sess.cookie['expires']
    if (typeof expires === 'string') {
      sess.cookie['expires'] = `+${Math.round((Date.parse(expires) - Date.now()) / 60_000)}m`
    }
    out[names.id(sid)] = sess
  }
  return out
}

function prepareCookie(client: Client, step: Step, secrets: readonly string[], name: string): void {
  if (step.fresh) client.jar.clear()
  const raw = client.jar.get(name)
  if (!raw) return
  const value = decodeURIComponent(raw).slice(2)
  if (step.resignWith !== undefined) {
    const id = secrets.map((s) => signature.unsign(value, s)).find((v) => v !== false)
    if (id) client.jar.set(name, encodeURIComponent(`s:${signature.sign(id, step.resignWith)}`))
  }
  if (step.tamper) client.jar.set(name, encodeURIComponent(`s:${value.slice(0, -2)}xx`))
}

/** Run `scenario` with `impl` on `framework`; the observations of each request, in order. */
export async function runScenario(
  scenario: Scenario,
  impl: Impl,
  framework: Framework,
): Promise<Observation[]> {
  const secrets = scenario.secrets ?? ['keyboard cat']
  const options =
    typeof scenario.options === 'function' ? scenario.options() : { ...scenario.options }
  const name = typeof options['name'] === 'string' ? options['name'] : 'connect.sid'
  const log: string[] = []
  const store = spyStore(impl, log)
  const app = framework.create()
  scenario.configure?.(app)
  const secret = secrets.length > 0 ? { secret: secrets } : {}
  app.use(impl.session({ ...options, ...secret, store } as never))
  mountRoutes(app, impl)
  const served = await serve(app)
  const names = new Normalizer(secrets, scenario.keepIds)
  const client = new Client(served.url)
  const observations: Observation[] = []
  try {
    for (const step of scenario.steps) {
      if ('emit' in step) {
        store.emit((step as Action).emit)
        continue
      }
      prepareCookie(client, step, secrets, name)
      log.length = 0
      const reply = await client.get(step.path, step.headers)
      const setCookies = reply.setCookies.map((header) => names.setCookie(header))
      let body: unknown = reply.body
      try {
        body = JSON.parse(names.text(reply.body))
      } catch {
        body = reply.status >= 500 ? `error ${reply.status}` : reply.body
      }
      observations.push({
        status: reply.status,
        body,
        setCookies,
        calls: log.map((call) => {
          const [op, sid = ''] = call.split(' ')
          return `${op} ${names.id(sid)}`
        }),
        stored: storedSessions(store, names),
      })
    }
  } finally {
    await served.close()
  }
  return observations
}
