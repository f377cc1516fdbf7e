// Layering is enforced, not hoped for (DESIGN.md "Layers"): core/ imports nothing from the layers
// built on top of it. Also SECURITY-CHECKLIST T-3.2.2e: nothing under src/ uses Math.random.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')
const CORE = join(SRC, 'core')
const FORBIDDEN_FROM_CORE = ['stores', 'adapters', 'compat', 'testing', 'cli']

/** Removes block and line comments, so TSDoc `@example` imports are not taken for real ones. */
export function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:\\'"`])\/\/.*$/gm, '$1')
}

/** Every module specifier in `from '…'`, `import '…'`, `import('…')` and `require('…')`. */
export function importSpecifiers(source: string): string[] {
  const code = stripComments(source)
  const patterns = [
    /\bfrom\s*(['"])([^'"\n]+)\1/g,
    /\bimport\s*(['"])([^'"\n]+)\1/g,
    /\bimport\s*\(\s*(['"`])([^'"`\n]+)\1\s*[,)]/g,
    /\brequire\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
  ]
  return patterns.flatMap((re) => [...code.matchAll(re)].map((m) => m[2]!))
}

/**
 * Why `specifier`, imported from `file` (absolute path of a file under src/core/), breaks the
 * layering, or `null` if it does not.
 */
export function layeringViolation(file: string, specifier: string): string | null {
  if (specifier === 'sessionkit' || specifier.startsWith('sessionkit/')) {
    return `imports the package itself ('${specifier}')`
  }
  if (!specifier.startsWith('.')) return null
  const target = relative(SRC, resolve(dirname(file), specifier))
    .split(sep)
    .join('/')
  const top = target.split('/')[0]!
  if (FORBIDDEN_FROM_CORE.includes(top)) return `reaches into src/${top}/ ('${specifier}')`
  // src/index.ts re-exports stores and wrappers: importing it would pull them in transitively.
  if (/^index(\.[cm]?[jt]s)?$/.test(target)) return `imports the public entry ('${specifier}')`
  return null
}

/** Lines of `source` that call Math.random (comments ignored). */
export function mathRandomUses(source: string): number[] {
  return stripComments(source)
    .split('\n')
    .flatMap((line, i) => (/\bMath\s*(\.\s*|\[\s*['"`])random\b/.test(line) ? [i + 1] : []))
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.[cm]?ts$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort()
}

describe('layering: src/core imports nothing from stores, adapters, compat, testing, cli', () => {
  it('the scanner finds every kind of import and flags the ones that leave core', () => {
    const file = join(CORE, 'sessions.ts')
    const sample = [
      `import { createMemoryStore } from '../stores/memory.js'`,
      `import type { Store } from "./store.js"`,
      `export * from '../adapters/express.js'`,
      `import '../cli/index.js'`,
      `const m = await import('../compat/express-session/index.js')`,
      `const t = import("../testing/index.js", { with: {} })`,
      'const d = import(`../stores/redis.js`)',
      `import { x } from 'sessionkit/stores/redis'`,
      `import { y } from '../index.js'`,
      `import { z } from './nested/../../stores/file.js'`,
      `import { randomBytes } from 'node:crypto'`,
      `// import { gone } from '../stores/commented-out.js'`,
      `/** @example import { session } from '../adapters/in-tsdoc.js' */`,
      `const url = 'http://example.test/a' // not an import`,
    ].join('\n')
    const specs = importSpecifiers(sample)
    assert.deepEqual(specs.toSorted(), [
      '../adapters/express.js',
      '../cli/index.js',
      '../compat/express-session/index.js',
      '../index.js',
      '../stores/memory.js',
      '../stores/redis.js',
      '../testing/index.js',
      './nested/../../stores/file.js',
      './store.js',
      'node:crypto',
      'sessionkit/stores/redis',
    ])
    const flagged = specs.filter((s) => layeringViolation(file, s) !== null)
    assert.deepEqual(flagged.toSorted(), [
      '../adapters/express.js',
      '../cli/index.js',
      '../compat/express-session/index.js',
      '../index.js',
      '../stores/memory.js',
      '../stores/redis.js',
      '../testing/index.js',
      './nested/../../stores/file.js',
      'sessionkit/stores/redis',
    ])
    // Relative paths resolve from the importing file: a nested core file going up two levels.
    assert.notEqual(layeringViolation(join(CORE, 'a', 'b.ts'), '../../stores/x.js'), null)
    assert.equal(layeringViolation(join(CORE, 'a', 'b.ts'), '../errors.js'), null)
  })

  it('no file under src/core/ imports from a layer above it', () => {
    const files = tsFiles(CORE)
    assert.ok(files.length > 0, 'expected .ts files under src/core/')
    const problems = files.flatMap((file) =>
      importSpecifiers(readFileSync(file, 'utf8')).flatMap((spec) => {
        const why = layeringViolation(file, spec)
        return why ? [`${relative(SRC, file)} ${why}`] : []
      }),
    )
    assert.deepEqual(
      problems,
      [],
      `core must stay framework- and store-neutral:\n${problems.join('\n')}`,
    )
  })
})

describe('CSPRNG only: no Math.random under src/ (T-3.2.2e)', () => {
  it('the scanner finds Math.random and ignores it in comments', () => {
    const sample = [
      `const a = 1`,
      `const id = Math.random().toString(36)`,
      `// never Math.random: ids come from crypto.randomBytes`,
      `const b = Math [ 'random' ]()`,
    ].join('\n')
    assert.deepEqual(mathRandomUses(sample), [2, 4])
  })

  it('no file under src/ calls Math.random', () => {
    const files = tsFiles(SRC)
    assert.ok(files.length > 0, 'expected .ts files under src/')
    const problems = files.flatMap((file) =>
      mathRandomUses(readFileSync(file, 'utf8')).map((line) => `${relative(SRC, file)}:${line}`),
    )
    assert.deepEqual(
      problems,
      [],
      `use node:crypto instead of Math.random:\n${problems.join('\n')}`,
    )
  })
})
