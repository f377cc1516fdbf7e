/**
 * Peer: iron-session 8 on node:http (the session sealed into the cookie; no store).
 */
import { createServer } from 'node:http'
import { getIronSession } from 'iron-session'
import { BLOB, listen, wantsBig } from './child.js'

interface IronData {
  views?: number
  blob?: string
}
const options = { password: 'bench-password-bench-password-bench', cookieName: 'iron' }

const server = createServer((req, res) => {
  const path = req.url?.split('?', 1)[0]
  getIronSession<IronData>(req, res, options)
    .then(async (s) => {
      if (path === '/read') {
        res.end(`views: ${String(s.views)}`)
      } else if (path === '/incr' || path === '/big') {
        s.views = (s.views ?? 0) + 1
        await s.save()
        res.end(`views: ${s.views}`)
      } else if (path === '/seed') {
        s.views = 0
        if (wantsBig(req.url)) s.blob = BLOB
        await s.save()
        res.end('seeded')
      } else {
        res.end('hello')
      }
    })
    .catch(() => {
      res.statusCode = 500
      res.end()
    })
})
listen(server)
