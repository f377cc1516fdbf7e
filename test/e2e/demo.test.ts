// The demo app that `npm start` runs, as a user meets it: spawned from the built package on a
// free port with a temporary data directory, then driven over HTTP by "devices" (cookie jars
// with their own User-Agent) that post forms the way a browser does (with an Origin header).
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { tempDir } from '../harness/process.js'
import {
  CHROME_LINUX,
  csrfOf,
  device,
  FIREFOX_WINDOWS,
  handleOf,
  SAFARI_IPHONE,
  signedInAs,
  visits,
} from './demo-client.js'
import { type Demo, startDemo } from './demo-process.js'

describe('the demo app (examples/demo, npm start)', () => {
  const data = tempDir('demo')
  let demo: Demo
  let ada: Awaited<ReturnType<typeof device>>

  before(async () => {
    demo = await startDemo({ SESSIONKIT_DEMO_DATA_DIR: data.path })
    ada = await device(demo.url, CHROME_LINUX)
  })

  after(async () => {
    if (demo?.child.exitCode === null) demo.child.kill('SIGKILL')
    data.cleanup()
  })

  it('counts visits in the session', async () => {
    const first = await ada.get('/')
    assert.equal(first.status, 200)
    assert.equal(visits(first.body), 1)
    assert.ok(ada.sid(), 'the first visit starts a session')
    assert.equal(visits((await ada.get('/')).body), 2)
  })

  it('serves pages under a strict CSP: a stylesheet file, no inline style or script', async () => {
    const page = await ada.get('/')
    const csp = String(page.headers['content-security-policy'])
    assert.match(csp, /default-src 'none'/)
    assert.match(csp, /style-src 'self'/)
    assert.doesNotMatch(csp, /unsafe-inline/)
    assert.doesNotMatch(page.body, /<script|<style|\sstyle=/)
    assert.match(page.body, /<html lang="en">/)
    const css = await ada.get('/assets/demo.css')
    assert.equal(css.status, 200)
    assert.match(String(css.headers['content-type']), /^text\/css/)
    assert.match(css.body, /:focus-visible/)
  })

  it('puts a guest cart in its own segment, with a flash after each change', async () => {
    const added = await ada.submit('/cart', '/cart/add', { sku: 'mug' })
    assert.equal(added.status, 303)
    assert.equal(added.headers['location'], '/cart')
    await ada.submit('/cart', '/cart/add', { sku: 'mug' })
    await ada.submit('/cart', '/cart/add', { sku: 'sticker' })
    const cart = await ada.get('/cart')
    assert.match(cart.body, /role="status">Added Sticker pack to your cart\./)
    assert.match(cart.body, /Session mug<\/p>\s*<p class="details">2 × \$12\.00/)
    assert.match(cart.body, /Total: \$28\.50/)
    assert.match(cart.body, />Cart \(3\)</)
    assert.doesNotMatch((await ada.get('/cart')).body, /Added/, 'a flash is shown once')
    assert.equal((await ada.submit('/cart', '/cart/add', { sku: 'nope' })).status, 422)
    assert.equal((await ada.submit('/cart', '/cart/remove', { sku: 'sticker' })).status, 303)
    const after = await ada.get('/cart')
    assert.match(after.body, /Removed Sticker pack\./)
    assert.match(after.body, /Total: \$24\.00/)
  })

  it('signs in: a new session id, a welcome flash shown once, the cart and counter kept', async () => {
    const before = ada.sid()
    await ada.signIn('Ada <admin>')
    assert.notEqual(ada.sid(), before, 'login regenerates the id')
    const home = await ada.get('/')
    assert.match(home.body, /Welcome, Ada &lt;admin&gt;/)
    assert.doesNotMatch(home.body, /<admin>/, 'user input is escaped')
    assert.equal(visits(home.body), 4, 'the counter survived the new id')
    assert.equal(signedInAs(home), 'Ada &lt;admin&gt;')
    assert.doesNotMatch((await ada.get('/')).body, /Welcome/)
    assert.match((await ada.get('/cart')).body, /Total: \$24\.00/, 'the cart survived sign-in')
  })

  it('shows the session metadata with the user, and only a prefix of the id', async () => {
    const res = await ada.get('/session')
    assert.equal(res.status, 200)
    assert.match(res.body, /<th scope="row">User id<\/th><td>Ada &lt;admin&gt;<\/td>/)
    assert.match(res.body, /<th scope="row">Authenticated<\/th><td>\d{4}-\d\d-\d\dT/)
    assert.match(res.body, new RegExp(`<td>${ada.sid().slice(0, 8)}…</td>`))
    assert.ok(!res.body.includes(ada.sid()), 'the whole id is never shown')
    assert.ok(!res.body.includes(handleOf(ada.sid())), 'nor the whole handle')
  })

  it('changes the display name through a CSRF-protected form', async () => {
    const res = await ada.submit('/profile', '/profile', { displayName: 'Countess <Lovelace>' })
    assert.equal(res.status, 303)
    assert.equal(res.headers['location'], '/profile')
    const page = await ada.get('/profile')
    assert.match(page.body, /role="status">Display name saved\./)
    assert.equal(signedInAs(page), 'Countess &lt;Lovelace&gt;')
    assert.match(page.body, /id="display-name" name="displayName" type="text" value="Countess/)
    const empty = await ada.submit('/profile', '/profile', { displayName: '   ' })
    assert.equal(empty.status, 422)
    assert.match(empty.body, /role="alert">Please enter a display name/)
  })

  it('refuses a form post without a valid token, or from another site, with 403', async () => {
    const token = csrfOf((await ada.get('/profile')).body)
    const forged = await ada.post('/profile', { displayName: 'Mallory', _csrf: 'forged' })
    assert.equal(forged.status, 403)
    assert.match(forged.body, /The form expired or came from another site/)
    const missing = await ada.post('/profile', { displayName: 'Mallory' })
    assert.equal(missing.status, 403)
    const crossSite = await ada.post(
      '/profile',
      { displayName: 'Mallory', _csrf: token },
      { origin: 'https://evil.example' },
    )
    assert.equal(crossSite.status, 403, 'a valid token from another origin is still refused')
    const fetchSite = await ada.post(
      '/sign-out',
      { _csrf: token },
      { 'sec-fetch-site': 'cross-site' },
    )
    assert.equal(fetchSite.status, 403)
    assert.equal(signedInAs(await ada.get('/')), 'Countess &lt;Lovelace&gt;', 'nothing changed')
  })

  it('lists the active sessions with device, IP, last seen and "This device"', async () => {
    const phone = await device(demo.url, SAFARI_IPHONE)
    await phone.signIn('Ada <admin>')
    const page = await ada.get('/sessions')
    assert.equal(page.status, 200)
    const items = page.body.match(/<li class="item[^"]*">[\s\S]*?<\/li>/g) ?? []
    assert.equal(items.length, 2, page.body)
    const mine = items.find((item) => item.includes('This device')) ?? ''
    assert.match(mine, /Chrome on Linux/)
    assert.match(mine, /IP 127\.0\.0\.1 · last seen <time datetime="[^"]+">just now<\/time>/)
    assert.doesNotMatch(mine, /<button/, 'no sign-out button on this device')
    const theirs = items.find((item) => !item.includes('This device')) ?? ''
    assert.match(theirs, /Safari on iPhone/)
    assert.match(theirs, new RegExp(`name="handle" value="${handleOf(phone.sid())}"`))
    assert.match(theirs, /aria-label="Sign out Safari on iPhone, last seen just now"/)
    assert.match(page.body, />Sign out everywhere else</)
  })

  it('signs out one other session, and only a session of the signed-in user', async () => {
    const phone = await device(demo.url, SAFARI_IPHONE)
    await phone.signIn('Ada <admin>')
    const grace = await device(demo.url, FIREFOX_WINDOWS)
    await grace.signIn('Grace')

    const foreign = await ada.submit('/sessions', '/sessions/revoke', {
      handle: handleOf(grace.sid()),
    })
    assert.equal(foreign.status, 303)
    assert.match((await ada.get('/sessions')).body, /That session had already ended\./)
    assert.equal(signedInAs(await grace.get('/')), 'Grace', "another user's session is untouched")

    await ada.submit('/sessions', '/sessions/revoke', { handle: handleOf(phone.sid()) })
    assert.match((await ada.get('/sessions')).body, /Signed out Safari on iPhone\./)
    const after = await phone.get('/')
    assert.equal(signedInAs(after), null, 'the phone is signed out on its very next request')
    assert.equal(visits(after.body), 1, 'with a fresh session')
    assert.equal(signedInAs(await ada.get('/')), 'Countess &lt;Lovelace&gt;')
  })

  it('"Sign out everywhere else" ends every other session of the user', async () => {
    const others = [await device(demo.url, SAFARI_IPHONE), await device(demo.url, FIREFOX_WINDOWS)]
    for (const other of others) await other.signIn('Ada <admin>')
    const res = await ada.submit('/sessions', '/sessions/revoke-others')
    assert.equal(res.status, 303)
    const page = await ada.get('/sessions')
    // The phone signed in by the "lists" test above is still live, so three others end here.
    assert.match(page.body, /Signed out 3 other sessions\./)
    assert.equal((page.body.match(/<li class="item/g) ?? []).length, 1)
    assert.match(page.body, /This is your only session\./)
    for (const other of others) assert.equal(signedInAs(await other.get('/')), null)
  })

  it('sends visitors who are not signed in from the account pages to the sign-in page', async () => {
    const stranger = await device(demo.url, FIREFOX_WINDOWS)
    for (const path of ['/sessions', '/profile']) {
      const res = await stranger.get(path)
      assert.equal(res.status, 303)
      assert.equal(res.headers['location'], '/sign-in')
    }
    assert.match((await stranger.get('/sign-in')).body, /Please sign in first\./)
    const post = await stranger.submit('/sign-in', '/sessions/revoke-others')
    assert.equal(post.status, 303, 'a guest cannot sign anyone out')
  })

  it('signs out: the session is destroyed and a fresh one carries the flash', async () => {
    const old = ada.sid()
    const res = await ada.submit('/', '/sign-out')
    assert.equal(res.status, 303)
    const next = await ada.get('/')
    assert.match(next.body, /Signed out/)
    assert.match(next.body, /href="\/sign-in"/)
    assert.equal(visits(next.body), 1, 'a new session')
    const stale = await ada.get('/session', { cookie: `sid=${old}` })
    assert.match(stale.body, /No session yet/)
  })

  it('shuts down cleanly on SIGTERM, with its database in the data directory', async () => {
    assert.equal(await demo.stop(), 0, demo.output())
    assert.ok(
      existsSync(join(data.path, 'demo-sessions.db')),
      'the SQLite file is where it was told',
    )
  })
})

describe('the demo app on another store (SESSIONKIT_STORE)', () => {
  it('keeps its sessions in the store the URL names', async () => {
    const data = tempDir('demo-data')
    const files = tempDir('demo-file-store')
    const demo = await startDemo({
      SESSIONKIT_DEMO_DATA_DIR: data.path,
      SESSIONKIT_STORE: `file:${files.path}`,
    })
    try {
      const user = await device(demo.url, FIREFOX_WINDOWS)
      await user.signIn('Grace')
      assert.match((await user.get('/')).body, /Welcome, Grace/)
      assert.match((await user.get('/sessions')).body, /Firefox on Windows <span class="badge">/)
      assert.ok(readdirSync(files.path).length > 0, 'the file store holds the session')
      assert.equal(existsSync(join(data.path, 'demo-sessions.db')), false, 'no SQLite file')
    } finally {
      assert.equal(await demo.stop(), 0, demo.output())
      data.cleanup()
      files.cleanup()
    }
  })
})
