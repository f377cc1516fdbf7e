import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

export interface PackageJson {
  name: string
  exports: Record<string, unknown>
  bin?: string | Record<string, string>
}

export const pkg: PackageJson = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'))

/** Fails with a hint when dist/ was not built (`npm test` builds before it runs the tests). */
export function assertBuilt(): void {
  if (!existsSync(resolve(ROOT, 'dist/index.js'))) {
    throw new Error('dist/index.js is missing: run `npm run build` first (`npm test` does)')
  }
}

/** Every file path an `exports` value points to, whatever the nesting of conditions. */
export function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(exportTargets)
  if (value !== null && typeof value === 'object')
    return Object.values(value).flatMap(exportTargets)
  return []
}

/** The public subpaths as a user writes them: `sessionkit`, `sessionkit/stores/memory`, … */
export function publicSpecifiers(): string[] {
  return Object.keys(pkg.exports)
    .filter((key) => key !== './package.json' && !key.includes('*'))
    .map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`))
    .sort()
}
