/**
 * Results as markdown: per kind, one table with req/s, p99 and server CPU µs/req (the median
 * over rounds) and their ratios to bare node:http and to the case's framework without sessions.
 */
import { type BenchCase, KINDS, type Kind } from './cases.js'
import type { LoadResult } from './load.js'

/** Every round's measurement of one case. */
export interface CaseResults {
  case: BenchCase
  rounds: LoadResult[]
  /** Why the case could not run, if it could not. */
  error?: string
}

/** The median over rounds of each figure. */
export interface Summary {
  rps: number
  p99: number
  cpuUs: number
  backendUs: number | undefined
  failures: number
  /** Lost updates summed over rounds (contention cases). */
  lost: number | undefined
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Medians of a case's rounds. */
export function summarize(results: CaseResults): Summary {
  const backend = results.rounds.flatMap((r) => (r.backendUs === undefined ? [] : [r.backendUs]))
  return {
    rps: median(results.rounds.map((r) => r.rps)),
    p99: median(results.rounds.map((r) => r.p99)),
    cpuUs: median(results.rounds.map((r) => r.cpuUs)),
    backendUs: backend.length > 0 ? median(backend) : undefined,
    failures: results.rounds.reduce((sum, r) => sum + r.failures, 0),
    lost: results.rounds.some((r) => r.lost !== undefined)
      ? results.rounds.reduce((sum, r) => sum + (r.lost ?? 0), 0)
      : undefined,
  }
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—')
const ratio = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—')
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—')

const HEAD =
  '| case | req/s | ×node | ×fw | p99 ms | ×node | ×fw | CPU µs/req | ×node | ×fw | Δfw µs |\n' +
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'

/** Markdown tables of all results, one per kind. */
export function renderTables(all: CaseResults[]): string {
  const baseline = new Map<string, Summary>()
  for (const r of all) {
    if (r.case.kind === 'hello' && r.rounds.length > 0) baseline.set(r.case.framework, summarize(r))
  }
  const node = baseline.get('node:http')
  const out: string[] = []
  for (const kind of Object.keys(KINDS) as Kind[]) {
    const rows = all.filter((r) => r.case.kind === kind)
    if (rows.length === 0) continue
    if (kind === 'contend') {
      out.push(renderContention(rows))
      continue
    }
    out.push(`### ${KINDS[kind].title}\n`, HEAD)
    for (const r of rows) {
      const name = r.case.id.replace(` · ${kind}`, '')
      if (r.rounds.length === 0) {
        out.push(`| ${name} | failed: ${(r.error ?? '').split('\n', 1)[0]} |||||||||| |`)
        continue
      }
      const s = summarize(r)
      const fw = baseline.get(r.case.framework)
      const extra = s.backendUs === undefined ? '' : ` (+${s.backendUs.toFixed(0)} in redis)`
      const fail = s.failures > 0 ? ` ⚠ ${s.failures} failed` : ''
      out.push(
        `| ${name}${fail} | ${int(s.rps)} | ${ratio(s.rps / (node?.rps ?? Number.NaN))} | ${ratio(s.rps / (fw?.rps ?? Number.NaN))} ` +
          `| ${ms(s.p99)} | ${ratio(s.p99 / (node?.p99 ?? Number.NaN))} | ${ratio(s.p99 / (fw?.p99 ?? Number.NaN))} ` +
          `| ${int(s.cpuUs)}${extra} | ${ratio(s.cpuUs / (node?.cpuUs ?? Number.NaN))} | ${ratio(s.cpuUs / (fw?.cpuUs ?? Number.NaN))} ` +
          `| ${fw ? int(s.cpuUs - fw.cpuUs) : '—'} |`,
      )
    }
    out.push('')
  }
  return out.join('\n')
}

const CONTENTION_HEAD =
  '| case | req/s | p99 ms | CPU µs/req | Δ vs none µs | failed | lost updates |\n' +
  '|---|---:|---:|---:|---:|---:|---:|'

/**
 * The contention cases: per store, each `concurrency` mode next to `none` (no protection), whose
 * CPU per request is the baseline of the lock's or merge's overhead.
 */
function renderContention(rows: CaseResults[]): string {
  const out = [`### ${KINDS.contend.title}\n`, CONTENTION_HEAD]
  const unprotected = new Map<string, Summary>()
  for (const r of rows) {
    if (r.case.concurrency === 'none' && r.rounds.length > 0) {
      unprotected.set(r.case.store, summarize(r))
    }
  }
  for (const r of rows) {
    const name = r.case.id.replace(' · contend', '')
    if (r.rounds.length === 0) {
      out.push(`| ${name} | failed: ${(r.error ?? '').split('\n', 1)[0]} |||||| |`)
      continue
    }
    const s = summarize(r)
    const none = unprotected.get(r.case.store)
    const extra = s.backendUs === undefined ? '' : ` (+${s.backendUs.toFixed(0)} in redis)`
    out.push(
      `| ${name} | ${int(s.rps)} | ${ms(s.p99)} | ${int(s.cpuUs)}${extra} ` +
        `| ${none ? int(s.cpuUs - none.cpuUs) : '—'} | ${s.failures} | ${s.lost ?? '—'} |`,
    )
  }
  out.push('')
  return out.join('\n')
}
