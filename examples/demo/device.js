// Short, human labels for the "Active sessions" page: a device from a User-Agent string (by hand,
// good enough for a list a person reads: no dependency, no fingerprinting) and relative times.

const BROWSERS = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bHeadlessChrome\//, 'Headless Chrome'],
  [/\bChrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/^curl\//, 'curl'],
  [/\bnode(?:-fetch)?\b|^undici\b/i, 'Node.js'],
]

const SYSTEMS = [
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid\b/, 'Android'],
  [/\bWindows\b/, 'Windows'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
]

const first = (table, text) => table.find(([pattern]) => pattern.test(text))?.[1] ?? null

/**
 * "Firefox on Windows", "Safari on iPhone", "Chrome", or "Unknown device" for a missing or
 * unrecognised user agent.
 */
export function deviceLabel(userAgent) {
  const text = typeof userAgent === 'string' ? userAgent.slice(0, 512) : ''
  const browser = first(BROWSERS, text)
  const system = first(SYSTEMS, text)
  if (browser && system) return `${browser} on ${system}`
  return browser ?? system ?? 'Unknown device'
}

const UNITS = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
]

/** "just now", "3 minutes ago", "1 hour ago", "2 days ago" for a past time `then` (ms). */
export function timeAgo(then, now = Date.now()) {
  const elapsed = Math.max(0, now - then)
  if (elapsed < 45_000) return 'just now'
  for (const [unit, ms] of UNITS) {
    const count = Math.round(elapsed / ms)
    if (count >= 1 && elapsed >= ms * 0.75) return `${count} ${unit}${count === 1 ? '' : 's'} ago`
  }
  return '1 minute ago'
}
