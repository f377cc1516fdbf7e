// BI-64 / T-3.4.5: a session cookie scoped to a Path is only read on requests inside that path
// (RFC 6265 §5.1.4 path-match of the normalized path), whatever the middleware is mounted on.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { pathMatches } from '../../src/core/cookie-path.js'
import { exchange, harness } from './helpers.js'

describe('BI-64: the cookie Path is checked on the server', () => {
  it('Path=/app: loads on /app, /app/, /app/x and /app?q; not on /app-evil, /application, /APP, /app/../admin, /%61pp', async () => {
    const h = harness({ cookie: { path: '/app' } })
    const { cookie } = await exchange(h.sessions, { url: '/app/start' }, (s) => s.set('n', 1))
    assert.ok(cookie, 'a session was started')
    const seen = async (url: string) =>
      (await exchange(h.sessions, { url, cookie }, (s) => s.get('n'))).result
    for (const url of ['/app', '/app/', '/app/x', '/app?q=1', 'http://example.test/app/x']) {
      assert.equal(await seen(url), 1, url)
    }
    for (const url of [
      '/app-evil',
      '/application',
      '/APP',
      '/APP/x',
      '/app/../admin',
      '/%61pp/x',
      '/',
    ]) {
      assert.equal(await seen(url), undefined, url)
    }
  })

  it('Path=/ (the default) reads the cookie everywhere; sessions.load() has no path to check', async () => {
    const h = harness()
    const { cookie } = await exchange(h.sessions, undefined, (s) => s.set('n', 2))
    assert.equal(
      (
        await exchange(h.sessions, { url: '/any/where', cookie: cookie as string }, (s) =>
          s.get('n'),
        )
      ).result,
      2,
    )
    const scoped = harness({ cookie: { path: '/app' } })
    const started = await exchange(scoped.sessions, { url: '/app' }, (s) => s.set('n', 3))
    assert.equal((await scoped.sessions.load(started.cookie)).get('n'), 3)
  })

  it('pathMatches agrees with RFC 6265 §5.1.4 on normalized paths', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z]{1,3}$/), { minLength: 1, maxLength: 3 }),
        fc.array(fc.stringMatching(/^[a-z]{1,3}$/), { maxLength: 3 }),
        fc.boolean(),
        (cookieSegments, requestSegments, trailingSlash) => {
          const cookiePath = `/${cookieSegments.join('/')}`
          const requestPath = `/${requestSegments.join('/')}${trailingSlash ? '/' : ''}`
          const expected =
            requestPath === cookiePath ||
            (requestPath.startsWith(cookiePath) && requestPath[cookiePath.length] === '/')
          assert.equal(
            pathMatches(cookiePath, requestPath),
            expected,
            `${cookiePath} ${requestPath}`,
          )
        },
      ),
    )
  })
})
