// No top-level await anywhere in dist/ (DESIGN.md "Package"), including modules that no public
// entry imports statically (drivers loaded lazily, the CLI), which cjs-require.test.ts cannot reach.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, it } from 'node:test'
import ts from 'typescript'
import { assertBuilt, ROOT } from './package-helpers.js'

/** 1-based lines of `source` (JavaScript) holding an `await` outside every function body. */
export function topLevelAwaitLines(source: string, fileName = 'module.js'): number[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS)
  const lines: number[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node)) return
    const awaits =
      ts.isAwaitExpression(node) ||
      (ts.isForOfStatement(node) && node.awaitModifier !== undefined) ||
      (ts.isVariableDeclarationList(node) &&
        (node.flags & ts.NodeFlags.AwaitUsing) === ts.NodeFlags.AwaitUsing)
    if (awaits) lines.push(file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1)
    ts.forEachChild(node, visit)
  }
  visit(file)
  return lines
}

describe('package: no top-level await in dist/', () => {
  it('the scanner flags top-level await and ignores await inside functions', () => {
    const sample = [
      `const a = await import('./x.js')`,
      `async function f() { await g() }`,
      `const h = async () => { for await (const x of y) {} }`,
      `class C { async m() { await 1 } static async s() { await 2 } }`,
      `for await (const chunk of stream) {}`,
      `if (ok) { await ready }`,
      `export default { async load() { return await z } }`,
      `await using res = open()`,
    ].join('\n')
    assert.deepEqual(topLevelAwaitLines(sample), [1, 5, 6, 8])
  })

  it('no module under dist/ awaits at top level', () => {
    assertBuilt()
    const dist = join(ROOT, 'dist')
    const files = readdirSync(dist, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && /\.[cm]?js$/.test(e.name))
      .map((e) => join(e.parentPath, e.name))
    assert.ok(files.length > 0, 'no .js files under dist/')
    const problems = files.flatMap((file) =>
      topLevelAwaitLines(readFileSync(file, 'utf8'), file).map(
        (line) => `${relative(ROOT, file)}:${line}`,
      ),
    )
    assert.deepEqual(
      problems,
      [],
      `top-level await breaks require() from CommonJS:\n${problems.join('\n')}`,
    )
  })
})
