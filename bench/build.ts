/**
 * Compile src/ with tsconfig.build.json into node_modules/.cache/sessionkit-bench/, so the
 * benchmark's servers run the JavaScript users run (tsx's transform adds a `__name` helper call
 * to function expressions, which costs per request and hides line numbers in profiles). Inside
 * node_modules, the build still resolves the project's dependencies and no linter sees it.
 */
import { execFile } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The build's directory. */
export const BUILD_DIR = join(process.cwd(), 'node_modules', '.cache', 'sessionkit-bench')

/** Build src/ into {@link BUILD_DIR}; resolves the directory. */
export async function buildSessionkit(): Promise<string> {
  rmSync(BUILD_DIR, { recursive: true, force: true })
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  await run(process.execPath, [
    tsc,
    '-p',
    'tsconfig.build.json',
    '--outDir',
    BUILD_DIR,
    '--declaration',
    'false',
    '--declarationMap',
    'false',
  ])
  return BUILD_DIR
}
