// Headless Chromium (Debian's `chromium` package) driven by playwright-core, recording every request a page makes
// so a test can check that nothing left for another host.
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`)
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
}

/** A page whose requests (URL of each, data: and blob: included) and uncaught errors are recorded. */
export async function recordedPage(browser: Browser): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
  const requests: string[] = []
  const errors: string[] = []
  page.on('request', (request) => requests.push(request.url()))
  page.on('pageerror', (error) => errors.push(error.message))
  return { page, requests, errors }
}

/** The hosts of the requests other than `host` (data: and blob: URLs stay in the page). */
export function foreignRequests(requests: string[], host: string): string[] {
  return requests.filter((url) => {
    const parsed = new URL(url)
    if (parsed.protocol === 'data:' || parsed.protocol === 'blob:') return false
    return parsed.host !== host
  })
}
