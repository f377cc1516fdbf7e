/**
 * Hooking node:http responses through the prototype a framework gives them, not one by one.
 *
 * Every property added to a response whose prototype a framework swaps per request (Express)
 * costs ~2.5 µs plus garbage, and re-inserting a prototype layer per response as much
 * (`Object.setPrototypeOf`, measured). So on such a response a middleware's replacements go once
 * onto the framework's prototype that sits right above `ServerResponse.prototype` (Express's
 * `response`, shared by its apps and sub-apps), and pass through for responses that middleware
 * did not hook.
 */
import { ServerResponse } from 'node:http'

/** A response method as the hooks call it. */
export type Method = (...args: unknown[]) => unknown

/** The response methods a session hook replaces. */
export interface Methods {
  writeHead: Method
  write: Method
  end: Method
}

/** What the replacements do for a response the middleware hooked, given its state. */
export interface HookedMethods<S> {
  writeHead: (res: ServerResponse, state: S, args: unknown[]) => unknown
  write: (res: ServerResponse, state: S, args: unknown[]) => unknown
  end: (res: ServerResponse, state: S, args: unknown[]) => unknown
}

/**
 * Each session middleware that hooks a framework prototype adds one pass-through layer to every
 * response of that framework copy, for the life of the process. An app that creates middlewares
 * dynamically (per tenant, per test) would otherwise stack them without bound; past this many,
 * further middlewares hook their responses with own properties (a few µs slower, nothing kept).
 */
const MAX_PROTOTYPE_LAYERS = 4
const prototypeLayers = new WeakMap<object, number>()

/**
 * For one middleware: a function giving, for a response, the methods this middleware's
 * replacements on its framework prototype pass through to (putting them there on first use), or
 * null when the response must be hooked with own properties: no framework prototype, methods
 * already wrapped on the response, or a prototype already carrying MAX_PROTOTYPE_LAYERS other
 * middlewares' replacements. The replacements run `hooks` for the responses `stateOf` finds state
 * for. With `ownMethodsSince`, a response whose prototype this middleware already patched keeps
 * that path even if it got methods of its own since (they were wrapped around the patched ones).
 */
export function prototypeHook<S>(
  stateOf: (res: ServerResponse) => S | undefined,
  hooks: HookedMethods<S>,
): (res: ServerResponse, ownMethodsSince?: boolean) => Methods | null {
  const { writeHead, write, end } = hooks
  const patched = new WeakMap<object, Methods>()

  const patch = (proto: Record<string, unknown>): Methods => {
    const next = methodsOf(proto)
    const methods: Methods = {
      writeHead(this: ServerResponse, ...args: unknown[]) {
        const state = stateOf(this)
        return state === undefined ? next.writeHead.apply(this, args) : writeHead(this, state, args)
      },
      write(this: ServerResponse, ...args: unknown[]) {
        const state = stateOf(this)
        return state === undefined ? next.write.apply(this, args) : write(this, state, args)
      },
      end(this: ServerResponse, ...args: unknown[]) {
        const state = stateOf(this)
        return state === undefined ? next.end.apply(this, args) : end(this, state, args)
      },
    }
    proto.writeHead = methods.writeHead
    proto.write = methods.write
    proto.end = methods.end
    patched.set(proto, next)
    return next
  }

  return (res, ownMethodsSince = false) => {
    const proto = frameworkPrototype(res)
    if (proto === null) return null
    const next = patched.get(proto)
    if (next !== undefined && ownMethodsSince) return next
    if (hasOwnMethods(res)) return null
    if (next !== undefined) return next
    const layers = prototypeLayers.get(proto) ?? 0
    if (layers >= MAX_PROTOTYPE_LAYERS) return null
    prototypeLayers.set(proto, layers + 1)
    return patch(proto)
  }
}

function hasOwnMethods(res: ServerResponse): boolean {
  return Object.hasOwn(res, 'writeHead') || Object.hasOwn(res, 'write') || Object.hasOwn(res, 'end')
}

function methodsOf(target: object): Methods {
  const methods = target as unknown as Methods
  return { writeHead: methods.writeHead, write: methods.write, end: methods.end }
}

/**
 * The prototype right above `ServerResponse.prototype` in the chain of a response whose
 * prototype a framework replaced (Express's `response`, an ancestor of every app's); null for a
 * plain node:http response.
 */
function frameworkPrototype(res: ServerResponse): Record<string, unknown> | null {
  let proto = Object.getPrototypeOf(res) as object | null
  if (proto === ServerResponse.prototype) return null
  while (proto !== null) {
    const parent = Object.getPrototypeOf(proto) as object | null
    if (parent === ServerResponse.prototype) return proto as Record<string, unknown>
    proto = parent
  }
  return null
}
