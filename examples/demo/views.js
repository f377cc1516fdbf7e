// Server-rendered pages of the demo. Every value that reaches HTML goes through `escapeHtml`.
import { deviceLabel, timeAgo } from './device.js'
import { buttonForm, csrfField, escapeHtml, layout, notice } from './layout.js'

export { escapeHtml } from './layout.js'

const money = (cents) => `$${(cents / 100).toFixed(2)}`
const iso = (ms) => new Date(ms).toISOString()
/** An IPv4 address as people write it, also when the socket reports it IPv4-mapped. */
const displayIp = (ip) => (ip ? ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '') : 'unknown')

export function homePage(view, { views, flash }) {
  const { user } = view
  return layout(view, {
    title: 'Home',
    body: `${notice(flash)}
<h1>${user ? `Hello, ${escapeHtml(user.displayName)}` : 'Hello'}</h1>
<p class="counter">Visits in this session: <strong>${escapeHtml(views)}</strong></p>
<p class="muted">The counter lives in a server-side session. Reload to count up;
${user ? 'sign out to start over.' : '<a href="/sign-in">sign in</a> to see the session id change while the data stays.'}</p>
<h2>Try it</h2>
<ul>
  <li><a href="/cart">Fill a cart</a>: kept in a session segment of its own, even across sign-in.</li>
  ${user ? '<li><a href="/profile">Change your display name</a> with a CSRF-protected form.</li>' : ''}
  ${user ? '<li>Sign in from a second browser, then see both on <a href="/sessions">Active sessions</a>.</li>' : ''}
  <li><a href="/session">See this session's metadata</a>.</li>
</ul>`,
  })
}

export function signInPage(view, { csrfToken, flash, error, name = '' }) {
  return layout(view, {
    title: 'Sign in',
    body: `${notice(flash)}
<h1>Sign in</h1>
${notice(error, 'error')}
<form method="post" action="/sign-in" class="card stack">
  ${csrfField(csrfToken)}
  <div>
    <label for="name">Your name</label>
    <input id="name" name="name" type="text" value="${escapeHtml(name)}" maxlength="40" required autofocus autocomplete="username" aria-describedby="name-hint">
    <p class="hint" id="name-hint">1 to 40 characters. No password: this demo only shows what a sign-in does to the session.</p>
  </div>
  <button type="submit">Sign in</button>
</form>`,
  })
}

export function profilePage(view, { flash, error, value }) {
  return layout(view, {
    title: 'Profile',
    body: `${notice(flash)}
<h1>Profile</h1>
${notice(error, 'error')}
<form method="post" action="/profile" class="card stack">
  ${csrfField(view.csrfToken)}
  <div>
    <label for="display-name">Display name</label>
    <input id="display-name" name="displayName" type="text" value="${escapeHtml(value)}" maxlength="40" required autocomplete="nickname" aria-describedby="display-name-hint">
    <p class="hint" id="display-name-hint">Shown in the header. The form carries a CSRF token; a post without it is refused with 403.</p>
  </div>
  <button type="submit">Save display name</button>
</form>`,
  })
}

export function cartPage(view, { flash, catalog, lines, csrfToken }) {
  const total = lines.reduce((sum, line) => sum + line.product.price * line.quantity, 0)
  const cart =
    lines.length === 0
      ? '<p class="muted">Your cart is empty.</p>'
      : `<ul class="list" aria-label="Items in your cart">
${lines
  .map(
    ({ product, quantity }) => `<li class="item">
  <div class="what"><p class="title">${escapeHtml(product.name)}</p>
  <p class="details">${quantity} × ${money(product.price)}</p></div>
  ${buttonForm({ action: '/cart/remove', csrfToken, label: 'Remove', kind: 'secondary', fields: { sku: product.sku }, ariaLabel: `Remove ${product.name}` })}
</li>`,
  )
  .join('\n')}
</ul>
<p class="total">Total: ${money(total)}</p>`
  const products = catalog
    .map(
      (product) => `<li class="item">
  <div class="what"><p class="title">${escapeHtml(product.name)}</p>
  <p class="details">${money(product.price)}</p></div>
  ${buttonForm({ action: '/cart/add', csrfToken, label: 'Add to cart', fields: { sku: product.sku }, ariaLabel: `Add ${product.name} to cart` })}
</li>`,
    )
    .join('\n')
  return layout(view, {
    title: 'Cart',
    body: `${notice(flash)}
<h1>Cart</h1>
${cart}
<h2>Products</h2>
<ul class="list" aria-label="Products">
${products}
</ul>
<p class="muted">The cart lives in <code>session.segment('cart')</code>, with its own flash
messages, and survives sign-in: a new session id, the same data.</p>`,
  })
}

function sessionItem(entry, csrfToken, now) {
  const device = deviceLabel(entry.userAgent)
  const seen = entry.lastSeenAt ?? entry.createdAt
  const when =
    seen === null ? 'unknown' : `<time datetime="${iso(seen)}">${timeAgo(seen, now)}</time>`
  const action = entry.current
    ? ''
    : buttonForm({
        action: '/sessions/revoke',
        csrfToken,
        label: 'Sign out',
        kind: 'secondary',
        fields: { handle: entry.handle },
        ariaLabel: `Sign out ${device}, last seen ${seen === null ? 'at an unknown time' : timeAgo(seen, now)}`,
      })
  return `<li class="item${entry.current ? ' current' : ''}">
  <div class="what"><p class="title">${escapeHtml(device)}${entry.current ? ' <span class="badge">This device</span>' : ''}</p>
  <p class="details">IP ${escapeHtml(displayIp(entry.ip))} · last seen ${when}</p></div>
  ${action}
</li>`
}

export function sessionsPage(view, { flash, list, now }) {
  const others = list.filter((entry) => !entry.current).length
  const everywhere =
    others > 0
      ? buttonForm({
          action: '/sessions/revoke-others',
          csrfToken: view.csrfToken,
          label: 'Sign out everywhere else',
        })
      : '<p class="muted">This is your only session.</p>'
  return layout(view, {
    title: 'Active sessions',
    body: `${notice(flash)}
<h1>Active sessions</h1>
<p>Where the account <strong>${escapeHtml(view.user.id)}</strong> is signed in, most recent first.</p>
<ul class="list" aria-label="Your sessions">
${list.map((entry) => sessionItem(entry, view.csrfToken, now)).join('\n')}
</ul>
<h2>Other devices</h2>
${everywhere}
<p class="muted">A signed-out session is gone on its very next request, in every process that
shares the store. After a password change you would sign out everywhere else.</p>`,
  })
}

const time = (ms) => (ms === null ? '—' : iso(ms))
const prefix = (value) => (value === null ? '—' : `${value.slice(0, 8)}…`)

export function sessionPage(view, { id, handle, meta }) {
  const rows = [
    ['Session id (prefix)', prefix(id)],
    ['Handle (prefix)', prefix(handle)],
    ['Created', time(meta.createdAt)],
    ['Last seen', time(meta.lastSeenAt)],
    ['Expires', time(meta.expiresAt)],
    ['Authenticated', time(meta.authenticatedAt)],
    ['User id', meta.userId ?? '—'],
    ['IP address', meta.ip ?? '—'],
    ['User agent', meta.userAgent ?? '—'],
  ]
  const table = `<table>
<caption class="muted">Metadata kept outside the session data</caption>
${rows.map(([label, value]) => `  <tr><th scope="row">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('\n')}
</table>`
  return layout(view, {
    title: 'Session data',
    body: `<h1>Your session</h1>
${id === null ? '<p>No session yet: it starts on the first write. Visit the <a href="/">home page</a>.</p>' : table}
<p class="muted">Only prefixes are shown: the whole id is a credential, and the handle (the key the
store sees) is never valid as a cookie.</p>`,
  })
}

export function errorPage(view, { status, message }) {
  return layout(view, {
    title: String(status),
    body: `<h1>${escapeHtml(status)}</h1>${notice(message, 'error')}<p><a href="/">Back home</a></p>`,
  })
}
