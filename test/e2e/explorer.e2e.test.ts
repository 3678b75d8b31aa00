// The explorer and GraphiQL as a person sees them after `npm start`: `attrib dev` in a fresh data folder, the pages
// in headless Chromium. A newly settled inference appears in the live feed within 5 s of being visible over
// GraphQL, its contributor's payout proofs verify in the browser, and no page requests anything from another host.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { foreignRequests, launchChromium, recordedPage } from '../support/browser.js'
import { killGroup, startDevProcess, type DevProcess } from '../support/dev-process.js'
import { gql } from '../support/graphql.js'
import { eventually } from '../support/processes.js'
import { sampleValue } from '../support/prometheus.js'

const SEED = 11
/** Short epochs, so one closes (and payouts exist) within the test. */
const EPOCH_BLOCKS = '40'

describe('the explorer and GraphiQL in a browser, on `attrib dev`', () => {
  let dataDir: string
  let shots: string
  let dev: DevProcess
  let browser: Browser
  let host: string

  /** `attrib dev` on the test's data folder, once it answers with a settled inference. */
  async function startDev() {
    dev = await startDevProcess(path.join(dataDir, 'data'), { seed: SEED, env: { EPOCH_BLOCKS } })
    host = `127.0.0.1:${dev.ports.gql}`
    await eventually(async () => ((await gql<{ inferences: { totalCount: number } }>(dev.graphqlUrl, '{ inferences(first: 1) { totalCount } }')).inferences.totalCount > 0 ? true : undefined), 240_000, 'a settled inference over GraphQL')
      .catch((err) => { throw new Error(`${err.message}\n${dev.output().slice(-3000)}`) })
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'attrib-explorer-'))
    shots = await mkdtemp(path.join(tmpdir(), 'attrib-explorer-shots-'))
    await startDev()
    browser = await launchChromium()
    console.log(`explorer test: seed ${SEED}, screenshots in ${shots}`)
  }, 300_000)

  afterAll(async () => {
    await browser?.close()
    killGroup(dev)
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('shows a new settlement live, verifies its contributor\'s proofs in the page, and asks no other host', async () => {
    const { page, requests, errors } = await recordedPage(browser)
    await page.goto(`${dev.baseUrl}/`)
    await page.locator('[data-testid=feed-item]').first().waitFor({ timeout: 30_000 })
    const subscriptions = async () => sampleValue(await (await fetch(`${dev.baseUrl}/metrics`)).text(), 'attrib_api_subscriptions_active')
    await eventually(async () => (((await subscriptions()) ?? 0) >= 1 ? true : undefined), 30_000, 'the page\'s subscription')

    // The next inference the projection commits, seen over GraphQL, must reach the page within 5 s.
    type Listed = { inferences: { nodes: { id: string; settledAt: string }[] } }
    const newest = () => gql<Listed>(dev.graphqlUrl, '{ inferences(first: 20) { nodes { id settledAt } } }')
    const known = new Set((await newest()).inferences.nodes.map((i) => i.id))
    let fresh: { id: string; settledAt: string } | undefined
    let visibleAt = 0
    const deadline = Date.now() + 120_000
    while (!fresh && Date.now() < deadline) {
      fresh = (await newest()).inferences.nodes.find((i) => !known.has(i.id))
      visibleAt = Date.now()
      if (!fresh) await new Promise((r) => setTimeout(r, 100))
    }
    expect(fresh, 'a new settlement within 2 minutes').toBeDefined()
    await page.locator(`[data-testid=feed-item][data-id="${fresh!.id}"]`).waitFor({ timeout: 5_000 })
    const shownAt = Date.now()
    console.log(`inference ${fresh!.id}: in the feed ${shownAt - visibleAt} ms after GraphQL showed it, ${shownAt - Date.parse(fresh!.settledAt)} ms after its block's timestamp`)
    expect(shownAt - visibleAt).toBeLessThanOrEqual(5_000)
    await page.screenshot({ path: path.join(shots, 'live.png') })

    // Its contributor (once its usage record is in; else the newest attributed one in the feed), whose payouts
    // carry Merkle proofs the page checks itself against the epoch roots.
    const contributorLink = await eventually(async () => {
      const own = page.locator(`[data-testid=feed-item][data-id="${fresh!.id}"] [data-testid=contributor-link]`)
      if (await own.count()) return own.first()
      const any = page.locator('[data-testid=feed-item] [data-testid=contributor-link]')
      return (await any.count()) ? any.first() : undefined
    }, 60_000, 'an attributed contributor in the feed')
    const contributor = (await contributorLink.getAttribute('title'))!
    await contributorLink.click()
    await page.waitForURL(`**/#/contributor/${contributor}`)
    await page.locator('[data-testid=proof-status][data-verified=true]').first().waitFor({ timeout: 180_000 })
    expect(await page.locator('[data-testid=proof-status][data-verified=false]').count()).toBe(0)
    const { contributor: listed } = await gql<{ contributor: { payouts: { totalCount: number } } }>(dev.graphqlUrl, 'query ($id: String!) { contributor(id: $id) { payouts(first: 1) { totalCount } } }', { id: contributor })
    expect(await page.locator('[data-testid=proof-status]').count()).toBe(Math.min(100, listed.payouts.totalCount))
    await page.screenshot({ path: path.join(shots, 'contributor.png'), fullPage: true })

    // The other pages render from the same API.
    await page.goto(`${dev.baseUrl}/#/epochs`)
    await page.locator('[data-testid=epochs][data-reconciled=true]').waitFor({ timeout: 10_000 })
    expect(await page.locator('[data-testid=epochs] [data-testid=reconciled].ok').count()).toBeGreaterThan(0)
    expect(await page.locator('[data-testid=epochs] .bad').count()).toBe(0)
    await page.screenshot({ path: path.join(shots, 'epochs.png') })
    await page.goto(`${dev.baseUrl}/#/model/1`)
    await page.locator('[data-testid=top-contributors] a').first().waitFor({ timeout: 10_000 })
    await page.locator('[data-testid=epoch-chart] rect').first().waitFor({ timeout: 10_000 })
    await page.screenshot({ path: path.join(shots, 'model.png'), fullPage: true })
    await page.goto(`${dev.baseUrl}/#/lineage/CONTRIBUTOR/${contributor}`)
    await page.locator('[data-testid=lineage-graph] canvas').first().waitFor({ timeout: 10_000 })
    await page.screenshot({ path: path.join(shots, 'lineage.png') })

    expect(errors).toEqual([])
    expect(requests.length).toBeGreaterThan(5)
    expect(foreignRequests(requests, host)).toEqual([])
    await page.close()
  }, 420_000)

  it('serves GraphiQL from the installed packages: it renders and runs a query with no request elsewhere', async () => {
    const { page, requests, errors } = await recordedPage(browser)
    const query = '{ inferences(first: 2) { totalCount nodes { id fee } } }'
    // 9 MB of inlined GraphiQL: slow to parse on a busy machine.
    await page.goto(`${dev.baseUrl}/graphql?query=${encodeURIComponent(query)}`, { waitUntil: 'domcontentloaded', timeout: 120_000 })
    await page.locator('.graphiql-container').first().waitFor({ timeout: 120_000 })
    await page.locator('.graphiql-execute-button').first().click()
    await page.waitForFunction(() => /"totalCount":\s*\d+/.test(document.querySelector('.graphiql-response')?.textContent ?? ''), undefined, { timeout: 30_000 })
    await page.screenshot({ path: path.join(shots, 'graphiql.png') })
    expect(errors).toEqual([])
    expect(foreignRequests(requests, host)).toEqual([])
    await page.close()
  }, 300_000)

  it('stops on Ctrl-C with the workload running, within 5 s, leaving nothing running', async () => {
    const pressed = Date.now()
    dev.interrupt()
    const { at } = await dev.exited
    await eventually(async () => (!dev.groupAlive() ? true : undefined), Math.max(100, pressed + 5_000 - Date.now()), 'the whole group to end')
    expect(at - pressed).toBeLessThanOrEqual(5_000)
    expect(Date.now() - pressed).toBeLessThanOrEqual(5_500)
    // Started again on the same folder, for the tests that run after this one.
    await startDev()
  }, 120_000)
})
