// Server-rendered pages of the demo. Every value that reaches HTML goes through `escapeHtml`.

/** Escape text for HTML element content and double- or single-quoted attributes. */
export function escapeHtml(value) {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

const STYLE = `
  :root { color-scheme: light dark; --accent: #2f6fdb; --muted: #6b7280; --line: #d1d5db; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  main { max-width: 36rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
  header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: baseline;
    justify-content: space-between; border-bottom: 1px solid var(--line); padding-bottom: .75rem; }
  header strong { font-size: 1.1rem; }
  nav { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; }
  nav form { margin: 0; }
  a { color: var(--accent); }
  h1 { font-size: 1.5rem; margin: 1.5rem 0 1rem; }
  .notice { padding: .75rem 1rem; border-radius: .5rem; background: #e8f0fe; color: #1a3d7c;
    border: 1px solid #b6cdf8; }
  .error { background: #fdecea; color: #7c1a1a; border-color: #f5b7b1; }
  .muted { color: var(--muted); }
  label { display: block; font-weight: 600; margin-bottom: .25rem; }
  input[type=text] { width: 100%; padding: .6rem .7rem; font: inherit; border: 1px solid var(--line);
    border-radius: .4rem; }
  button { font: inherit; padding: .5rem 1rem; border-radius: .4rem; border: 1px solid var(--accent);
    background: var(--accent); color: white; cursor: pointer; margin-top: .75rem; }
  nav button { margin: 0; padding: .2rem .6rem; background: transparent; color: var(--accent); }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: .45rem .25rem; border-bottom: 1px solid var(--line);
    vertical-align: top; word-break: break-word; }
  th { width: 38%; font-weight: 600; }
  code { font-size: .9em; }
`

function layout({ title, user, csrfToken, body }) {
  const account = user
    ? `<span class="muted">Signed in as ${escapeHtml(user)}</span>
       <form method="post" action="/sign-out">
         <input type="hidden" name="_csrf" value="${escapeHtml(csrfToken ?? '')}">
         <button type="submit">Sign out</button>
       </form>`
    : '<a href="/sign-in">Sign in</a>'
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · sessionkit demo</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
  <strong>sessionkit demo</strong>
  <nav><a href="/">Home</a><a href="/session">Session</a>${account}</nav>
</header>
${body}
</main>
</body>
</html>
`
}

function notice(message, kind = '') {
  return message ? `<p class="notice ${kind}" role="status">${escapeHtml(message)}</p>` : ''
}

export function homePage({ views, flash, user, csrfToken }) {
  return layout({
    title: 'Home',
    user,
    csrfToken,
    body: `${notice(flash)}
<h1>${user ? `Hello, ${escapeHtml(user)}` : 'Hello'}</h1>
<p class="counter">Visits in this session: <strong>${escapeHtml(views)}</strong></p>
<p class="muted">The counter lives in a server-side session stored in SQLite. Reload to count up;
${user ? 'sign out to start over.' : '<a href="/sign-in">sign in</a> to see the session id change while the data stays.'}</p>`,
  })
}

export function signInPage({ csrfToken, error, name = '' }) {
  return layout({
    title: 'Sign in',
    user: null,
    body: `<h1>Sign in</h1>
${notice(error, 'error')}
<form method="post" action="/sign-in">
  <input type="hidden" name="_csrf" value="${escapeHtml(csrfToken)}">
  <label for="name">Your name</label>
  <input id="name" name="name" type="text" value="${escapeHtml(name)}" maxlength="40" required autofocus autocomplete="name">
  <button type="submit">Sign in</button>
</form>
<p class="muted">No password: this demo only shows what a sign-in does to the session.</p>`,
  })
}

const time = (ms) => (ms === null ? '—' : new Date(ms).toISOString())
const prefix = (value) => (value === null ? '—' : `${value.slice(0, 8)}…`)

export function sessionPage({ id, handle, meta, user, csrfToken }) {
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
${rows.map(([label, value]) => `  <tr><th scope="row">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('\n')}
</table>`
  return layout({
    title: 'Session',
    user,
    csrfToken,
    body: `<h1>Your session</h1>
${id === null ? '<p>No session yet: it starts on the first write. Visit the <a href="/">home page</a>.</p>' : table}
<p class="muted">Only prefixes are shown: the whole id is a credential, and the handle (the key the
store sees) is never valid as a cookie.</p>`,
  })
}

export function errorPage({ status, message }) {
  return layout({
    title: String(status),
    user: null,
    body: `<h1>${escapeHtml(status)}</h1>${notice(message, 'error')}<p><a href="/">Back home</a></p>`,
  })
}
