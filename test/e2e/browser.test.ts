// The demo app in a real browser: playwright-core driving Debian's Chromium (/usr/bin/chromium)
// against the built demo, spawned on a free port with a temporary data directory. Two browser
// contexts are two devices of one user. Pages are found by role and label, as assistive
// technology finds them. Without Chromium the test is skipped with the reason, except under
// CI=true, where it fails. SESSIONKIT_SCREENSHOTS_DIR=<dir> keeps the screenshots to look at.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type Browser, chromium, type Page } from 'playwright-core'
import { tempDir, unavailable } from '../harness/process.js'
import { type Demo, startDemo } from './demo-process.js'

const CHROMIUM = '/usr/bin/chromium'
const missing = existsSync(CHROMIUM)
  ? undefined
  : unavailable('chromium', `${CHROMIUM} not found (apt-get install chromium)`)

const DESKTOP_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const PHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

/** Sign in through the form, starting from the home page. */
async function signIn(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url)
  await page.getByRole('link', { name: 'Sign in', exact: true }).click()
  await page.getByLabel('Your name').fill(name)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(`${url}/`)
}

/** The text of the page's status message (flash), or null when there is none. */
async function status(page: Page): Promise<string | null> {
  const message = page.locator('main [role="status"]')
  return (await message.count()) === 0 ? null : message.first().innerText()
}

describe('the demo in Chromium: two devices, one user', { skip: missing, timeout: 60_000 }, () => {
  const data = tempDir('browser-demo')
  // Screenshots go to a temp dir removed afterwards, or to SESSIONKIT_SCREENSHOTS_DIR, kept.
  const keep = process.env.SESSIONKIT_SCREENSHOTS_DIR
  const shots = keep ? { path: keep, cleanup: () => {} } : tempDir('browser-shots')
  let demo: Demo
  let browser: Browser

  before(async () => {
    mkdirSync(shots.path, { recursive: true })
    ;[demo, browser] = await Promise.all([
      startDemo({ SESSIONKIT_DEMO_DATA_DIR: data.path }),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      }),
    ])
  })

  after(async () => {
    await browser?.close()
    if (demo) assert.equal(await demo.stop(), 0, demo.output())
    data.cleanup()
    shots.cleanup()
  })

  it('signs in, edits, shops, lists both devices and signs the other one out', async () => {
    const laptop = await browser.newContext({
      userAgent: DESKTOP_UA,
      viewport: { width: 1280, height: 800 },
    })
    const phone = await browser.newContext({
      userAgent: PHONE_UA,
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    })
    const page = await laptop.newPage()

    await signIn(page, demo.url, 'Ada')
    assert.equal(await status(page), 'Welcome, Ada')
    assert.match(await page.locator('h1').innerText(), /Hello, Ada/)
    await page.reload()
    assert.equal(await status(page), null, 'the welcome flash is shown once')

    const nav = page.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('link', { name: 'Profile' }).click()
    await page.getByLabel('Display name').fill('Countess of Lovelace')
    await page.getByRole('button', { name: 'Save display name' }).click()
    assert.equal(await status(page), 'Display name saved.')
    assert.match(await page.locator('.account').innerText(), /Signed in as Countess of Lovelace/)

    await nav.getByRole('link', { name: 'Cart', exact: true }).click()
    await page.getByRole('button', { name: 'Add Session mug to cart' }).click()
    assert.equal(await status(page), 'Added Session mug to your cart.')
    await page.getByRole('button', { name: 'Add Sticker pack to cart' }).click()
    assert.equal(await nav.getByRole('link', { name: 'Cart (2)' }).count(), 1)
    assert.match(await page.locator('.total').innerText(), /Total: \$16\.50/)

    const phonePage = await phone.newPage()
    await signIn(phonePage, demo.url, 'Ada')
    assert.equal(await status(phonePage), 'Welcome, Ada')

    await nav.getByRole('link', { name: 'Active sessions' }).click()
    const items = page.getByRole('list', { name: 'Your sessions' }).getByRole('listitem')
    assert.equal(await items.count(), 2)
    const mine = items.filter({ hasText: 'This device' })
    assert.equal(await mine.count(), 1)
    assert.match(await mine.innerText(), /Chrome on Linux/)
    assert.match(await mine.innerText(), /IP (127\.0\.0\.1|::1) · last seen just now/)
    const theirs = items.filter({ hasNotText: 'This device' })
    assert.match(await theirs.innerText(), /Safari on iPhone/)
    assert.equal(
      await theirs.getByRole('button', { name: /^Sign out Safari on iPhone/ }).count(),
      1,
      'the other device has its own sign-out button',
    )

    const wide = join(shots.path, 'sessions-1280.png')
    await page.screenshot({ path: wide, fullPage: true })
    await page.setViewportSize({ width: 390, height: 844 })
    const narrow = join(shots.path, 'sessions-390.png')
    await page.screenshot({ path: narrow, fullPage: true })
    await page.getByRole('link', { name: 'Cart (2)' }).click()
    await page.screenshot({ path: join(shots.path, 'cart-390.png'), fullPage: true })
    await page.setViewportSize({ width: 1280, height: 800 })
    for (const file of [wide, narrow]) {
      assert.ok(existsSync(file) && statSync(file).size > 0, `${file} is a non-empty screenshot`)
    }

    await page.getByRole('link', { name: 'Active sessions' }).click()
    await page.getByRole('button', { name: 'Sign out everywhere else' }).click()
    assert.equal(await status(page), 'Signed out 1 other session.')
    assert.equal(await items.count(), 1)

    await phonePage.reload()
    assert.equal(
      await phonePage.getByRole('link', { name: 'Sign in', exact: true }).count(),
      1,
      'the phone is signed out on its next page load',
    )
    assert.equal(await phonePage.locator('.account strong').count(), 0)
    await page.reload()
    assert.match(await page.locator('.account').innerText(), /Countess of Lovelace/)
    await Promise.all([laptop.close(), phone.close()])
  })
})
