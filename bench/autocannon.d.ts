/** The slice of autocannon 9's API the benchmark uses (the package ships no types). */
declare module 'autocannon' {
  export interface RequestContext {
    [key: string]: unknown
  }
  export interface RequestParams {
    method?: string
    path?: string
    headers?: Record<string, string>
  }
  export interface Request extends RequestParams {
    setupRequest?: (req: RequestParams, context: RequestContext) => RequestParams
    onResponse?: (
      status: number,
      body: string,
      context: RequestContext,
      headers: Record<string, string | string[]>,
    ) => void
  }
  export interface Options {
    url: string
    connections?: number
    pipelining?: number
    duration?: number
    timeout?: number
    requests?: Request[]
  }
  export interface Histogram {
    average: number
    mean: number
    p50: number
    p99: number
    total: number
  }
  export interface Result {
    requests: Histogram
    latency: Histogram
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
    duration: number
  }
  /** The running instance; emits `response` (client, status, bytes, responseTime ms) per response. */
  export interface Instance {
    on(
      event: 'response',
      listener: (client: unknown, status: number, bytes: number, responseTime: number) => void,
    ): this
  }
  function autocannon(options: Options, done: (err: Error | null, result: Result) => void): Instance
  export default autocannon
}
