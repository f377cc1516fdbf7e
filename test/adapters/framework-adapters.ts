// Fastify 5 and Koa 3 as scenario-table adapters: the session plugin/middleware mounted for
// real, and the shared routes answering through the framework's reply/context (see
// framework-response.ts). Errors go to the framework's own error handling.
import type { IncomingMessage } from 'node:http'
import Fastify, { type FastifyRequest } from 'fastify'
import Koa from 'koa'
import { sessionOf as fastifySessionOf, sessionkitPlugin } from '../../src/adapters/fastify.js'
import { session as koaSession, sessionOf as koaSessionOf } from '../../src/adapters/koa.js'
import { responseFacade } from './framework-response.js'
import type { Adapter } from './harness.js'

export const fastifyAdapter: Adapter = {
  name: 'Fastify 5',
  facade: true,
  app(mounts, routes) {
    const app = Fastify()
    for (const { sessions, options } of mounts) {
      app.register(sessionkitPlugin, { ...options, sessions })
    }
    app.all('/*', async (request, reply) => {
      const res = responseFacade({
        status: (code) => void reply.code(code),
        getHeader: (name) => reply.getHeader(name),
        setHeader: (name, value) => {
          reply.removeHeader(name)
          reply.header(name, value)
        },
        removeHeader: (name) => void reply.removeHeader(name),
        send: (body) => void reply.send(body),
      })
      routes(request as unknown as IncomingMessage, res, (error) => {
        if (error !== undefined) reply.send(error)
        else reply.callNotFound()
      })
      return reply
    })
    const ready = app.ready()
    return (req, res) => {
      ready.then(
        () => app.routing(req, res),
        (error: unknown) => {
          res.statusCode = 500
          res.end(`fastify failed to start: ${String(error)}`)
        },
      )
    }
  },
  sessionOf: (req, sessions) => fastifySessionOf(req as unknown as FastifyRequest, sessions),
}

export const koaAdapter: Adapter = {
  name: 'Koa 3',
  facade: true,
  app(mounts, routes) {
    const app = new Koa()
    app.silent = true
    for (const { sessions, options } of mounts) app.use(koaSession(sessions, options))
    app.use(
      (ctx, next) =>
        new Promise<void>((resolve, reject) => {
          const res = responseFacade({
            status: (code) => {
              ctx.status = code
            },
            getHeader: (name) => ctx.res.getHeader(name),
            setHeader: (name, value) => ctx.set(name, value),
            removeHeader: (name) => ctx.remove(name),
            send: (body) => {
              ctx.body = body
              resolve()
            },
          })
          routes(ctx as unknown as IncomingMessage, res, (error) => {
            if (error !== undefined) reject(error)
            else next().then(resolve, reject)
          })
        }),
    )
    return app.callback()
  },
  sessionOf: (req, sessions) => koaSessionOf(req, sessions),
}
