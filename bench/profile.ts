/**
 * Top self-time frames of a V8 `.cpuprofile` (written by `node --cpu-prof`).
 *
 *   node --import tsx bench/profile.ts <file.cpuprofile> [requests = 1] [top = 25]
 */
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** Self time per frame (function, file, line), largest first, per request and in %. */
export function summarizeProfile(profile: Profile, requests: number, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)
    const dt = profile.timeDeltas[i] ?? 0
    total += dt
    if (node === undefined) return
    const { functionName, url, lineNumber } = node.callFrame
    const where = url
      .replace(/^file:\/\/.*?\/node_modules\/\.cache\/sessionkit-bench\//, 'build/')
      .replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/')
    const frame = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`
    self.set(frame, (self.get(frame) ?? 0) + dt)
  })
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top)
  const ours = (f: string) => f.includes(' src/') || f.includes(' build/')
  const sk = [...self].filter(([f]) => ours(f)).reduce((sum, [, t]) => sum + t, 0)
  const n = Math.max(1, requests)
  const us = (t: number) => (t / n).toFixed(2).padStart(7)
  const pct = (t: number) => ((100 * t) / Math.max(1, total)).toFixed(1).padStart(5)
  return [
    `${(total / 1000).toFixed(0)} ms sampled over ${requests} requests (${(total / n).toFixed(1)} µs/req); ` +
      `self time in sessionkit's own frames: ${(sk / n).toFixed(2)} µs/req (${pct(sk).trim()} %)`,
    '  µs/req      %  frame',
    ...rows.map(([frame, t]) => `${us(t)}  ${pct(t)}  ${frame}`),
  ].join('\n')
}

/** Summarize a `.cpuprofile` file. */
export function topFrames(file: string, requests: number, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  return `${file}\n${summarizeProfile(profile, requests, top)}`
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, requests = '1', top = '25'] = process.argv.slice(2)
  if (file === undefined) throw new Error('usage: profile.ts <file.cpuprofile> [requests] [top]')
  process.stdout.write(`${topFrames(file, Number(requests), Number(top))}\n`)
}
