#!/usr/bin/env node
// Runs every test/**/*.test.ts with node:test through tsx, on whichever Node runs this script.
// Node 20's `--test` does not expand globs, so the files are listed here and passed explicitly.
// Usage: node scripts/run-tests.mjs [filter…]   (a file runs if its path contains any filter)
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const filters = process.argv.slice(2).map((f) => f.replaceAll('\\', '/').replace(/^\.\//, ''))

const files = readdirSync(join(root, 'test'), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
  .map((e) =>
    relative(root, join(e.parentPath ?? e.path, e.name))
      .split(sep)
      .join('/'),
  )
  .filter((f) => !f.split('/').includes('node_modules'))
  .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)))
  .sort()

if (files.length === 0) {
  console.error(
    `run-tests: no test files match ${filters.length ? filters.join(' ') : 'test/**/*.test.ts'}`,
  )
  process.exit(1)
}

const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files]
console.log(`run-tests: ${files.length} file(s) on Node ${process.version}`)
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
// A wedged test process (e.g. Node 20's assert.ok message generation looping on a tsx-loaded
// file when a message-less assert.ok fails) must fail the run, not hang it until CI's limit.
const limitMinutes = Number(process.env.SESSIONKIT_TEST_LIMIT_MINUTES ?? 20)
const watchdog = setTimeout(() => {
  console.error(`run-tests: no result after ${limitMinutes} min; killing the test run`)
  child.kill('SIGKILL')
}, limitMinutes * 60_000)
watchdog.unref()
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
