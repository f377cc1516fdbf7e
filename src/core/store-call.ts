/**
 * Every store call is bounded by `storeTimeout`; failures and timeouts become StoreUnavailable,
 * never "no session" (BI-32).
 */
import { SessionError, StoreUnavailable } from './errors.js'

/** Await `operation` for at most `timeoutMs`; reject with StoreUnavailable otherwise. */
export function boundedStoreCall<T>(
  operation: string,
  timeoutMs: number,
  call: () => Promise<T>,
): Promise<T> {
  let promise: Promise<T>
  try {
    promise = call()
  } catch (error) {
    return Promise.reject(asUnavailable(operation, error))
  }
  if (timeoutMs <= 0)
    return promise.catch((error: unknown) => Promise.reject(asUnavailable(operation, error)))
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new StoreUnavailable(`session store ${operation} timed out after ${timeoutMs} ms`))
    }, timeoutMs)
    timer.unref()
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(asUnavailable(operation, error))
      },
    )
  })
}

function asUnavailable(operation: string, error: unknown): SessionError {
  if (SessionError.is(error)) return error
  return new StoreUnavailable(`session store ${operation} failed`, { cause: error })
}
