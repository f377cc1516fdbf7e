// The demo app that `npm start` runs, as a user meets it: spawned from the built package on a
// free port with a temporary data directory, then driven over HTTP with a cookie jar.
// Needs `npm run build` first (`npm test` builds before it runs the tests).
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestClient, type TestClient } from '../../src/testing/test-client.js'
import { assertBuilt, ROOT } from '../package/package-helpers.js'

const LISTENING = /sessionkit demo listening on (http:\/\/localhost:\d+)\n/

/** Start the demo; resolves its URL once it printed the listening line. */
function startDemo(
  dataDir: string,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, 'examples/demo/server.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', SESSIONKIT_DEMO_DATA_DIR: dataDir, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start:\n${output}`)), 15_000)
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = LISTENING.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve({ child, url: match[1] as string, output: () => output })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the demo exited with ${code}:\n${output}`))
    })
  })
}

const visits = (html: string): number =>
  Number(/Visits in this session: <strong>(\d+)<\/strong>/.exec(html)?.[1])
const csrfOf = (html: string): string => {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
  if (!token) throw new Error('no CSRF token in the page')
  return token
}
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
})

describe('the demo app (examples/demo, npm start)', () => {
  let dataDir: string
  let demo: Awaited<ReturnType<typeof startDemo>>
  let client: TestClient

  before(async () => {
    assertBuilt()
    dataDir = mkdtempSync(join(tmpdir(), 'sessionkit-demo-'))
    demo = await startDemo(dataDir)
    client = await createTestClient(demo.url)
  })

  after(() => {
    if (demo?.child.exitCode === null) demo.child.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('counts visits in the session', async () => {
    const first = await client.request('/')
    assert.equal(first.status, 200)
    assert.equal(visits(first.body), 1)
    assert.ok(client.jar.get('sid'), 'the first visit starts a session')
    assert.equal(visits((await client.request('/')).body), 2)
  })

  it('signs in: a new session id, a welcome flash shown once, data kept', async () => {
    const before = client.jar.get('sid')
    const page = await client.request('/sign-in')
    const res = await client.request(
      '/sign-in',
      form({ name: 'Ada <admin>', _csrf: csrfOf(page.body) }),
    )
    assert.equal(res.status, 303)
    assert.equal(res.headers['location'], '/')
    assert.notEqual(client.jar.get('sid'), before, 'login regenerates the id')
    const home = await client.request('/')
    assert.match(home.body, /Welcome, Ada &lt;admin&gt;/)
    assert.doesNotMatch(home.body, /<admin>/, 'user input is escaped')
    assert.equal(visits(home.body), 3, 'the counter survived the new id')
    assert.doesNotMatch((await client.request('/')).body, /Welcome/)
  })

  it('shows the session metadata with the user, and only a prefix of the id', async () => {
    const res = await client.request('/session')
    assert.equal(res.status, 200)
    assert.match(res.body, /<th scope="row">User id<\/th><td>Ada &lt;admin&gt;<\/td>/)
    assert.match(res.body, /<th scope="row">Authenticated<\/th><td>\d{4}-\d\d-\d\dT/)
    const id = client.jar.get('sid') as string
    assert.match(res.body, new RegExp(`<td>${id.slice(0, 8)}…</td>`))
    assert.ok(!res.body.includes(id), 'the whole id is never shown')
  })

  it('refuses a form post without a valid CSRF token', async () => {
    const res = await client.request('/sign-out', form({ _csrf: 'forged' }))
    assert.equal(res.status, 403)
    assert.match((await client.request('/session')).body, /Ada/, 'still signed in')
  })

  it('signs out: the session is destroyed and a fresh one carries the flash', async () => {
    const old = client.jar.get('sid') as string
    const home = await client.request('/')
    const res = await client.request('/sign-out', form({ _csrf: csrfOf(home.body) }))
    assert.equal(res.status, 303)
    const next = await client.request('/')
    assert.match(next.body, /Signed out/)
    assert.match(next.body, /href="\/sign-in"/)
    assert.equal(visits(next.body), 1, 'a new session')
    const stale = await client.request('/session', { headers: { cookie: `sid=${old}` } })
    assert.match(stale.body, /No session yet/)
  })

  it('shuts down cleanly on SIGTERM, with its database in the data directory', async () => {
    const exited = new Promise<number | null>((resolve) => demo.child.once('exit', resolve))
    demo.child.kill('SIGTERM')
    assert.equal(await exited, 0, demo.output())
    assert.ok(existsSync(join(dataDir, 'demo-sessions.db')), 'the SQLite file is where it was told')
  })
})
