// Every name exported from a public entry point (package.json `exports`) carries TSDoc.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import ts from 'typescript'

const root = join(import.meta.dirname, '..', '..')

function entryPoints(): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { types: string }>
  }
  return Object.values(pkg.exports)
    .filter((target): target is { types: string } => typeof target === 'object')
    .map((target) => join(root, target.types.replace('./dist/', 'src/').replace(/\.d\.ts$/, '.ts')))
}

test('every public export has TSDoc', () => {
  const files = entryPoints()
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
  })
  const checker = program.getTypeChecker()
  const undocumented: string[] = []
  let exported = 0
  for (const file of files) {
    const source = program.getSourceFile(file)
    assert.ok(source, `entry point ${file} exists`)
    const moduleSymbol = checker.getSymbolAtLocation(source)
    assert.ok(moduleSymbol, `entry point ${file} is a module`)
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      exported++
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
      const doc = ts.displayPartsToString(target.getDocumentationComment(checker)).trim()
      if (doc === '') undocumented.push(`${file.slice(root.length + 1)}: ${symbol.name}`)
    }
  }
  assert.ok(exported > 50, `found ${exported} exports`)
  assert.deepEqual(undocumented, [], 'exports without TSDoc')
})
