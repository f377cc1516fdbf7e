// The demo's pages and form handlers. Every POST has passed sessionkit's csrf() middleware
// (mounted in server.js) before it gets here.
import { deviceLabel } from './device.js'
import {
  cartPage,
  errorPage,
  homePage,
  profilePage,
  sessionPage,
  sessionsPage,
  signInPage,
} from './views.js'

/** What the shop sells; a posted SKU must be one of these. Prices in cents. */
export const CATALOG = [
  { sku: 'mug', name: 'Session mug', price: 1200 },
  { sku: 'tee', name: 'Cookie T-shirt', price: 2400 },
  { sku: 'sticker', name: 'Sticker pack', price: 450 },
  { sku: 'notebook', name: 'Idle-timeout notebook', price: 900 },
]
const BY_SKU = new Map(CATALOG.map((product) => [product.sku, product]))

/** A trimmed name of 1 to 40 characters from a form field, or null. */
function nameFrom(value) {
  const name = typeof value === 'string' ? value.trim() : ''
  return name.length >= 1 && name.length <= 40 ? name : null
}

/** The cart's lines, `{ product, quantity }`, in catalog order. The segment maps SKU → quantity. */
function cartLines(cart) {
  const items = cart.all()
  return CATALOG.filter((product) => Number(items[product.sku]) > 0).map((product) => ({
    product,
    quantity: Number(items[product.sku]),
  }))
}

/** What every page shows about the request: the user, the cart size, and a token for forms. */
function viewOf(req) {
  const userId = req.session.meta.userId
  const user = userId
    ? { id: userId, displayName: req.session.get('profile.displayName') ?? userId }
    : null
  const cartCount = cartLines(req.session.segment('cart')).reduce((n, l) => n + l.quantity, 0)
  return { path: req.path, user, cartCount, csrfToken: user ? req.session.csrfToken() : null }
}

/** Pages that need a signed-in user send others to the sign-in page. */
function signedIn(req, res, next) {
  if (req.session.meta.userId) return next()
  req.session.flash('notice', 'Please sign in first.')
  res.redirect(303, '/sign-in')
}

/** Mount the demo's routes on `app`, using `sessions` for the user-level operations. */
export function mountRoutes(app, sessions) {
  app.get('/', (req, res) => {
    const views = req.session.increment('views')
    res.send(homePage(viewOf(req), { views, flash: req.session.getFlash('notice') }))
  })

  app.get('/sign-in', (req, res) => {
    const view = viewOf(req)
    const flash = req.session.getFlash('notice')
    res.send(signInPage(view, { csrfToken: req.session.csrfToken(), flash }))
  })

  app.post('/sign-in', async (req, res) => {
    const name = nameFrom(req.body?.name)
    if (name === null) {
      const error = 'Please enter a name of 1 to 40 characters.'
      const typed = typeof req.body?.name === 'string' ? req.body.name : ''
      res
        .status(422)
        .send(signInPage(viewOf(req), { csrfToken: req.session.csrfToken(), error, name: typed }))
      return
    }
    // A new id at every privilege change (session fixation): login regenerates and binds the user.
    await req.session.login(name)
    req.session.set('profile.displayName', name)
    req.session.flash('notice', `Welcome, ${name}`)
    res.redirect(303, '/')
  })

  app.post('/sign-out', async (req, res) => {
    await req.session.logout()
    // The old session is gone; this flash starts a fresh one for the next page.
    req.session.flash('notice', 'Signed out')
    res.redirect(303, '/')
  })

  app.get('/profile', signedIn, (req, res) => {
    const view = viewOf(req)
    const flash = req.session.getFlash('notice')
    res.send(profilePage(view, { flash, value: view.user.displayName }))
  })

  app.post('/profile', signedIn, (req, res) => {
    const name = nameFrom(req.body?.displayName)
    if (name === null) {
      const error = 'Please enter a display name of 1 to 40 characters.'
      const value = typeof req.body?.displayName === 'string' ? req.body.displayName : ''
      res.status(422).send(profilePage(viewOf(req), { error, value }))
      return
    }
    req.session.set('profile.displayName', name)
    req.session.flash('notice', 'Display name saved.')
    res.redirect(303, '/profile')
  })

  app.get('/cart', (req, res) => {
    const cart = req.session.segment('cart')
    res.send(
      cartPage(viewOf(req), {
        flash: cart.getFlash('notice'),
        catalog: CATALOG,
        lines: cartLines(cart),
        csrfToken: req.session.csrfToken(),
      }),
    )
  })

  app.post('/cart/add', (req, res) => {
    const product = BY_SKU.get(req.body?.sku)
    if (!product) return res.status(422).send(errorPage(viewOf(req), unknownProduct))
    const cart = req.session.segment('cart')
    // The SKU is one of the catalog's (checked above), so it is a safe key: no dots, no __proto__.
    cart.increment(product.sku)
    cart.flash('notice', `Added ${product.name} to your cart.`)
    res.redirect(303, '/cart')
  })

  app.post('/cart/remove', (req, res) => {
    const product = BY_SKU.get(req.body?.sku)
    if (!product) return res.status(422).send(errorPage(viewOf(req), unknownProduct))
    const cart = req.session.segment('cart')
    cart.forget(product.sku)
    cart.flash('notice', `Removed ${product.name}.`)
    res.redirect(303, '/cart')
  })

  app.get('/sessions', signedIn, async (req, res) => {
    const view = viewOf(req)
    const list = await sessions.listUserSessions(view.user.id, { current: req.session.handle })
    const flash = req.session.getFlash('notice')
    res.send(sessionsPage(view, { flash, list, now: Date.now() }))
  })

  app.post('/sessions/revoke', signedIn, async (req, res) => {
    const userId = req.session.meta.userId
    // Never trust a posted handle alone: revoke it only if it is one of this user's sessions.
    const list = await sessions.listUserSessions(userId, { current: req.session.handle })
    const entry = list.find((item) => item.handle === req.body?.handle)
    if (!entry) req.session.flash('notice', 'That session had already ended.')
    else if (entry.current) req.session.flash('notice', 'Use "Sign out" to end this session.')
    else {
      await sessions.revoke(entry.handle)
      req.session.flash('notice', `Signed out ${deviceLabel(entry.userAgent)}.`)
    }
    res.redirect(303, '/sessions')
  })

  app.post('/sessions/revoke-others', signedIn, async (req, res) => {
    const userId = req.session.meta.userId
    const count = await sessions.revokeUserSessions(userId, { except: req.session.handle })
    req.session.flash(
      'notice',
      `Signed out ${count} other ${count === 1 ? 'session' : 'sessions'}.`,
    )
    res.redirect(303, '/sessions')
  })

  app.get('/session', (req, res) => {
    const { id, handle, meta } = req.session
    res.send(sessionPage(viewOf(req), { id, handle, meta }))
  })
}

const unknownProduct = { status: 422, message: 'There is no such product.' }
