// The page frame of the demo: one stylesheet (no inline style or script, for a strict CSP),
// a skip link, a navigation with the current page marked, and the account area.

/** Escape text for HTML element content and double- or single-quoted attributes. */
export function escapeHtml(value) {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/** The hidden field csrf() reads the token from. */
export function csrfField(token) {
  return `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`
}

/** A flash or error message; `role="status"` so screen readers announce it. */
export function notice(message, kind = '') {
  if (!message) return ''
  const role = kind === 'error' ? 'alert' : 'status'
  return `<p class="${kind ? `notice ${kind}` : 'notice'}" role="${role}">${escapeHtml(message)}</p>`
}

/** A form with one button posting to `action`, with the CSRF token and extra hidden fields. */
export function buttonForm({ action, csrfToken, label, fields = {}, kind = '', ariaLabel }) {
  const hidden = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('')
  const aria = ariaLabel ? ` aria-label="${escapeHtml(ariaLabel)}"` : ''
  return `<form method="post" action="${action}">${csrfField(csrfToken)}${hidden}<button type="submit" class="${kind}"${aria}>${escapeHtml(label)}</button></form>`
}

const LINKS = [
  ['/', 'Home'],
  ['/cart', 'Cart'],
  ['/profile', 'Profile'],
  ['/sessions', 'Active sessions'],
  ['/session', 'Session data'],
]

function navigation(path, cartCount, user) {
  const items = LINKS.filter(([href]) => user || (href !== '/profile' && href !== '/sessions'))
    .map(([href, text]) => {
      const label = href === '/cart' && cartCount > 0 ? `${text} (${cartCount})` : text
      const current = href === path ? ' aria-current="page"' : ''
      return `<li><a href="${href}"${current}>${escapeHtml(label)}</a></li>`
    })
    .join('')
  return `<nav aria-label="Main"><ul>${items}</ul></nav>`
}

function account(user, csrfToken) {
  if (!user) return '<div class="account"><a href="/sign-in">Sign in</a></div>'
  return `<div class="account"><span>Signed in as <strong>${escapeHtml(user.displayName)}</strong></span>
    ${buttonForm({ action: '/sign-out', csrfToken, label: 'Sign out', kind: 'secondary' })}</div>`
}

/**
 * A whole page. `view` is what every page knows about the request: `path`, `user`
 * (`{ id, displayName }` or null), `csrfToken` (when signed in) and `cartCount`.
 */
export function layout(view, { title, body }) {
  const { path = '', user = null, csrfToken = null, cartCount = 0 } = view
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · sessionkit demo</title>
<link rel="stylesheet" href="/assets/demo.css">
</head>
<body>
<a class="skip-link" href="#content">Skip to content</a>
<header class="site-header">
  <div class="bar">
    <a class="brand" href="/">sessionkit demo</a>
    ${navigation(path, cartCount, user)}
    ${account(user, csrfToken)}
  </div>
</header>
<main id="content" tabindex="-1">
${body}
</main>
</body>
</html>
`
}
