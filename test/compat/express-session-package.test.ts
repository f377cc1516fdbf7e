// The built drop-in as an express-session app loads it: `require()` from CommonJS on Node 20 and
// 24 returns the session function itself (with Store, MemoryStore, Cookie, Session), serving
// requests creates no globals, and once the server is closed no socket or timer is left open.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { before, describe, it } from 'node:test'
import { assertBuilt, pkg, ROOT } from '../package/package-helpers.js'

const FIXTURE = resolve(ROOT, 'test/compat/fixtures/require-express-session.cjs')
const BUILT = resolve(ROOT, 'dist/compat/express-session/index.js')
const MEMORY = resolve(ROOT, 'dist/stores/memory.js')
const NODE24 = process.env['SESSIONKIT_NODE24'] ?? '/work/.cache/node24/bin/node'

/** The Node binaries to check: this one, and Node 24 when installed (the CI image has it). */
const nodes = [
  process.execPath,
  ...(existsSync(NODE24) && NODE24 !== process.execPath ? [NODE24] : []),
]

interface Report {
  exported: { type: string; constructors: string[] }
  views: string[]
  newGlobals: string[]
  resources: string[]
  leakedTimers: number
}

function runFixture(node: string, target: string): { report: Report; version: string } {
  const env = { ...process.env }
  delete env['NODE_OPTIONS']
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
  const run = spawnSync(node, [FIXTURE, target, MEMORY], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  })
  assert.equal(run.status, 0, `CommonJS program failed on ${version}:\n${run.stderr}`)
  return { report: JSON.parse(run.stdout) as Report, version }
}

describe('sessionkit/express-session from CommonJS (built package)', () => {
  before(assertBuilt)

  for (const node of nodes) {
    it(`require() gives the session function; no globals, sockets or timers left (${node === process.execPath ? process.version : 'Node 24'})`, () => {
      assert.ok(existsSync(BUILT), 'dist/compat/express-session/index.js was built')
      const { report, version } = runFixture(node, BUILT)
      assert.equal(report.exported.type, 'function', `require() returns the function on ${version}`)
      assert.deepEqual(report.exported.constructors, ['Store', 'MemoryStore', 'Cookie', 'Session'])
      assert.deepEqual(
        report.views,
        ['1', '2', '1', '2'],
        'sessions work (default store, lock extra)',
      )
      assert.deepEqual(report.newGlobals, [], 'no globals created')
      assert.deepEqual(report.resources, [], 'no socket or server left open')
      assert.equal(report.leakedTimers, 0, 'every timer it created was cleared')
    })
  }

  it("require('sessionkit/express-session') resolves through package.json exports", () => {
    assert.ok(
      Object.hasOwn(pkg.exports, './express-session'),
      'package.json exports has ./express-session',
    )
    const { report } = runFixture(process.execPath, 'sessionkit/express-session')
    assert.equal(report.exported.type, 'function')
  })
})

/** Module specifiers of `from '…'` and `import('…')`, comments (TSDoc examples) removed. */
function importSpecifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/^\s*\/\/.*$/gm, '')
  return [...code.matchAll(/\b(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1] as string)
}

describe('layering: src/compat/express-session', () => {
  it('imports only core, stores/memory and stores/express-store from sessionkit (DESIGN "Layers")', () => {
    const dir = resolve(ROOT, 'src/compat/express-session')
    const allowed =
      /^(core\/|stores\/memory\.js$|stores\/express-store\.js$|compat\/express-session\/)/
    const problems = readdirSync(dir)
      .filter((name) => name.endsWith('.ts'))
      .flatMap((name) => {
        const file = join(dir, name)
        return importSpecifiers(readFileSync(file, 'utf8'))
          .filter((spec) => spec.startsWith('.') || spec.startsWith('sessionkit'))
          .map((spec) => [name, spec, relative(resolve(ROOT, 'src'), resolve(dirname(file), spec))])
          .filter(
            ([, spec, target]) => spec?.startsWith('sessionkit') || !allowed.test(target ?? ''),
          )
          .map(([name, spec]) => `${name} imports ${spec}`)
      })
    assert.deepEqual(problems, [], problems.join('\n'))
  })
})
