// The built package is usable from CommonJS: `require('sessionkit')` and every subpath load on
// Node 20.19+ and 24 (require(esm); it throws ERR_REQUIRE_ASYNC_MODULE if any module in the graph
// used top-level await), every `exports` target exists, and `npm pack` ships them.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { before, describe, it } from 'node:test'
import { assertBuilt, exportTargets, pkg, publicSpecifiers, ROOT } from './package-helpers.js'

const FIXTURE = resolve(ROOT, 'test/package/fixtures/require-subpaths.cjs')

/** Names a CommonJS user relies on, per entry point; every other public subpath must load too. */
const EXPECTED_FUNCTIONS: Record<string, string[]> = {
  sessionkit: ['createSessions'],
  'sessionkit/stores/memory': ['createMemoryStore'],
  'sessionkit/stores/sqlite': ['createSqliteStore'],
  'sessionkit/express': ['session', 'csrf', 'sessionOf'],
  'sessionkit/fastify': ['sessionkitPlugin', 'csrf'],
  'sessionkit/koa': ['session', 'csrf'],
  'sessionkit/fetch': ['withSession', 'csrf'],
  'sessionkit/hono': ['sessionMiddleware', 'csrf'],
  'sessionkit/express-session': ['Store', 'MemoryStore', 'Cookie', 'Session'],
  'sessionkit/testing': ['describeStoreConformance', 'createTestClient', 'seedSession'],
}

type RequireResult =
  | { ok: true; types: Record<string, string> }
  | { ok: false; code: string | null; message: string }

function requireFromCjs(specifiers: string[]): Record<string, RequireResult> {
  const env = { ...process.env }
  delete env['NODE_OPTIONS']
  const run = spawnSync(process.execPath, [FIXTURE, JSON.stringify(specifiers)], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  })
  // Node 20 prints an ExperimentalWarning for require(esm) on stderr: tolerated, shown on failure.
  assert.equal(run.status, 0, `CommonJS program failed:\n${run.stderr}`)
  return JSON.parse(run.stdout)
}

describe('package: CommonJS consumers', () => {
  before(assertBuilt)

  it('the checked entry points are all public subpaths', () => {
    const specifiers = publicSpecifiers()
    for (const specifier of Object.keys(EXPECTED_FUNCTIONS)) {
      assert.ok(specifiers.includes(specifier), `${specifier} is missing from package.json exports`)
    }
  })

  it('require() loads every public subpath (so no module uses top-level await)', () => {
    const specifiers = publicSpecifiers()
    const results = requireFromCjs(specifiers)
    const problems = specifiers.flatMap((specifier): string[] => {
      const result = results[specifier]
      if (!result) return [`${specifier}: no result`]
      if (!result.ok) {
        const tla =
          result.code === 'ERR_REQUIRE_ASYNC_MODULE' ? ' (top-level await in its graph)' : ''
        return [`require('${specifier}') threw ${result.code}${tla}: ${result.message}`]
      }
      return (EXPECTED_FUNCTIONS[specifier] ?? [])
        .filter((name) => result.types[name] !== 'function')
        .map((name) => `require('${specifier}').${name} is ${result.types[name] ?? 'missing'}`)
    })
    assert.deepEqual(problems, [], problems.join('\n'))
  })
})

describe('package: exports and packed files', () => {
  before(assertBuilt)

  const targets = [...new Set(exportTargets(pkg.exports))].sort()
  const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {})

  it('every exports target (and bin) exists after the build', () => {
    assert.ok(targets.includes('./dist/index.js'))
    const missing = [...targets, ...bins].filter((t) => !existsSync(resolve(ROOT, t)))
    assert.deepEqual(missing, [], `package.json points to files that were not built`)
  })

  it('npm pack ships dist/index.js, dist/index.d.ts and every exports target', () => {
    const run = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    })
    assert.equal(run.status, 0, `npm pack --dry-run failed:\n${run.stderr}`)
    const [report] = JSON.parse(run.stdout) as [{ files: { path: string }[] }]
    const packed = new Set(report.files.map((f) => f.path))
    for (const file of ['dist/index.js', 'dist/index.d.ts']) {
      assert.ok(packed.has(file), `${file} is not in the package`)
    }
    const unpacked = [...targets, ...bins]
      .map((t) => t.replace(/^\.\//, ''))
      .filter((t) => !packed.has(t))
    assert.deepEqual(unpacked, [], 'exports/bin targets left out of the package (see "files")')
  })
})
