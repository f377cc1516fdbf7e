/**
 * Everything `sessionkit` prints: results on stdout (text or JSON), messages and progress on
 * stderr, and the formatting of times, durations and sizes.
 */

/** Where a command writes. Results go to `out`, everything else to `err`. */
export interface Output {
  /** One line of results on stdout. */
  line(text: string): void
  /** A value as pretty JSON on stdout. */
  json(value: unknown): void
  /** One line on stderr (notes, cursors, errors). */
  note(text: string): void
  /** A progress line on stderr, only when progress is on. */
  progress(text: string): void
  /** Whether progress lines are printed. */
  readonly showProgress: boolean
}

/** Streams an {@link Output} writes to. */
export interface OutputStreams {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown; isTTY?: boolean }
}

/**
 * An Output over `streams`; progress is shown with `progress: true` or when stderr is a TTY.
 * @example
 * ```ts
 * const output = createOutput(process, { progress: false })
 * output.line('deleted 3 expired sessions in 12 ms')
 * ```
 */
export function createOutput(streams: OutputStreams, options: { progress: boolean }): Output {
  const showProgress = options.progress || streams.stderr.isTTY === true
  return {
    line: (text) => streams.stdout.write(`${text}\n`),
    json: (value) => streams.stdout.write(`${safeJson(value)}\n`),
    note: (text) => streams.stderr.write(`${text}\n`),
    progress: (text) => {
      if (showProgress) streams.stderr.write(`${text}\n`)
    },
    showProgress,
  }
}

/** A time (ms since epoch) as an ISO-8601 string, or `-`. */
export function formatTime(ms: number | null | undefined): string {
  return typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : '-'
}

const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
]

/** A duration in ms, roughly, as `2d 3h`, `45m`, `12s` or `350ms`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms)
  if (abs < 1000) return `${Math.round(abs)}ms`
  const parts: string[] = []
  let rest = abs
  for (const [unit, size] of UNITS) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`)
      rest %= size
    } else if (parts.length > 0) break
  }
  return parts.join(' ')
}

/** A time relative to `now`: `in 29m 59s` or `3h 2m ago`. */
export function formatRelative(ms: number, now: number): string {
  return ms >= now ? `in ${formatDuration(ms - now)}` : `${formatDuration(now - ms)} ago`
}

/** A byte count as `512 B`, `1.5 KiB`, `2.0 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
}

/** Rows as left-aligned columns under a header, two spaces apart. */
export function formatTable(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd()
  return [render(header), ...rows.map(render)]
}

/** `label  value` lines with the labels padded to one width. */
export function formatFields(fields: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...fields.map(([label]) => label.length))
  return fields.map(([label, value]) => `${label.padEnd(width)}  ${value}`)
}

/**
 * Text from the store (user agents, user ids) made safe for a terminal: control characters
 * (escape sequences a hostile client could plant) are shown as `\uXXXX`.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, escapeChar)
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g
const escapeChar = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`

/**
 * Pretty JSON that is also safe for a terminal: JSON escapes C0 controls itself; DEL and the C1
 * controls (0x7f–0x9f, some terminals read 0x9b as an escape) are escaped too, still valid JSON.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f]/g, escapeChar)
}
