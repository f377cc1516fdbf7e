// A node-like response facade over a framework's own response API, so the shared routes
// (written against node's `res`) answer through Fastify's reply or Koa's context: status,
// headers and body go through the framework, which the session adapter hooks into.
import type { ServerResponse } from 'node:http'

/** The framework calls the facade maps node's response methods onto. */
export interface NativeResponse {
  status(code: number): void
  getHeader(name: string): unknown
  /** Replace a header (node's setHeader semantics). */
  setHeader(name: string, value: string | string[]): void
  removeHeader(name: string): void
  /** Send the whole body; the response is then the framework's to finish. */
  send(body: string): void
}

type Callback = () => void

function headerPairs(headers: unknown): Array<[string, string | string[]]> {
  const grouped = new Map<string, { name: string; values: string[] }>()
  const add = (name: unknown, value: unknown): void => {
    if (typeof name !== 'string') return
    const entry = grouped.get(name.toLowerCase()) ?? { name, values: [] }
    grouped.set(name.toLowerCase(), entry)
    for (const item of Array.isArray(value) ? value : [value]) entry.values.push(String(item))
  }
  if (Array.isArray(headers)) {
    if (headers.every((pair) => Array.isArray(pair) && pair.length === 2)) {
      for (const [name, value] of headers as Array<[unknown, unknown]>) add(name, value)
    } else {
      for (let i = 0; i < headers.length; i += 2) add(headers[i], headers[i + 1])
    }
  } else if (typeof headers === 'object' && headers !== null) {
    for (const [name, value] of Object.entries(headers)) add(name, value)
  }
  return [...grouped.values()].map(({ name, values }) => [
    name,
    values.length === 1 ? (values[0] as string) : values,
  ])
}

/** A `ServerResponse` look-alike whose calls go to `native`; `write` buffers until `end`. */
export function responseFacade(native: NativeResponse): ServerResponse {
  const chunks: string[] = []
  let ended = false
  let statusCode = 200
  const facade = {
    get statusCode() {
      return statusCode
    },
    set statusCode(code: number) {
      statusCode = code
      native.status(code)
    },
    statusMessage: '',
    get headersSent() {
      return ended
    },
    getHeader: (name: string) => native.getHeader(name),
    setHeader(name: string, value: string | number | readonly string[]) {
      native.setHeader(name, Array.isArray(value) ? value.map(String) : String(value))
      return facade
    },
    removeHeader: (name: string) => native.removeHeader(name),
    writeHead(code: number, ...rest: unknown[]) {
      facade.statusCode = code
      const headers = typeof rest[0] === 'string' ? rest[1] : rest[0]
      for (const [name, value] of headerPairs(headers)) native.setHeader(name, value)
      return facade
    },
    write(chunk: unknown) {
      chunks.push(String(chunk))
      return true
    },
    end(...args: unknown[]) {
      if (ended) return facade
      ended = true
      const callback = args.find((arg) => typeof arg === 'function') as Callback | undefined
      if (args[0] !== undefined && typeof args[0] !== 'function') chunks.push(String(args[0]))
      native.send(chunks.join(''))
      if (callback) setImmediate(callback)
      return facade
    },
  }
  return facade as unknown as ServerResponse
}
