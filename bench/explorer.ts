// The explorer's page loads on a projection (a kept bench run, e.g. `npm run bench -- --projection-only`):
// `attrib serve` on it, headless Chromium (Debian's package, through playwright-core), each page opened
// afresh `--runs` times, timed from navigation until the page shows its data. Response cache off, so every
// load runs its queries.
//   node bench/dist/bench/explorer.js --db-url <database> [--runs 5]
import { parseArgs } from 'node:util'
import pg from 'pg'
import { chromium } from 'playwright-core'
import { freePort } from '../src/free-port.js'
import { waitUntilReady } from './graphql.js'
import { startAttrib } from './measure.js'

const { values } = parseArgs({ options: { 'db-url': { type: 'string' }, runs: { type: 'string', default: '5' } } })
const dbUrl = values['db-url']
if (!dbUrl) {
  console.error('usage: node bench/dist/bench/explorer.js --db-url <database> [--runs N]')
  process.exit(1)
}
const runs = Number(values.runs)

/** What each page shows once loaded, with the ids of a busy model, a paid contributor and a recent inference. */
async function pages(): Promise<{ name: string; path: string; ready: string }[]> {
  const client = new pg.Client({ connectionString: dbUrl })
  await client.connect()
  try {
    // Statistics as autovacuum would have them by the time anyone looks, as in the GraphQL bench.
    await client.query('ANALYZE')
    const one = async (sql: string) => Object.values((await client.query(sql)).rows[0] ?? {})[0] as string
    const model = await one('SELECT model_id FROM model_epoch_stat GROUP BY 1 ORDER BY sum(inferences) DESC LIMIT 1')
    const contributor = await one("SELECT account_id FROM epoch_payout WHERE as_contributor > 0 GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    const inference = await one("SELECT id FROM inference WHERE mode = 'USAGE' ORDER BY block_number DESC, log_index DESC LIMIT 1")
    const epoch = await one("SELECT number FROM epoch WHERE status = 'CLOSED' ORDER BY inferences DESC, number LIMIT 1")
    const [{ count }] = (await client.query('SELECT count(*)::int AS count FROM inference')).rows
    console.log(`projection: ${count} inferences; model ${model}, contributor ${contributor}, inference ${inference}`)
    return [
      { name: 'live feed', path: '/', ready: '[data-testid=feed-item]' },
      { name: 'inference attribution', path: `/#/inference/${inference}`, ready: '[data-testid=attribution] tr' },
      { name: 'models', path: '/#/models', ready: '[data-testid=models] a' },
      { name: 'model (datanets, adapters, top contributors, earnings chart)', path: `/#/model/${model}`, ready: '[data-testid=epoch-chart] rect' },
      { name: 'contributor (earnings, payouts with proofs verified)', path: `/#/contributor/${contributor}`, ready: '[data-testid=proof-status]' },
      { name: 'epochs', path: '/#/epochs', ready: '[data-testid=epochs] [data-testid=reconciling]' },
      { name: 'epochs, every reconciliation in', path: '/#/epochs', ready: '[data-testid=epochs][data-reconciled=true]' },
      { name: 'one epoch', path: `/#/epoch/${epoch}`, ready: '[data-testid=payouts] tr' },
      { name: 'one epoch, its reconciliation in', path: `/#/epoch/${epoch}`, ready: '[data-testid=identities] tr' },
      { name: 'lineage of the model', path: `/#/lineage/MODEL/${model}`, ready: '[data-testid=lineage-graph] canvas' },
    ]
  } finally {
    await client.end()
  }
}

const port = await freePort()
const api = startAttrib(['serve'], { DB_URL: dbUrl, GQL_PORT: String(port), LOG_LEVEL: 'warn', GQL_WORKERS: '1', GQL_RESPONSE_CACHE: '0' })
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] })
try {
  const base = `http://127.0.0.1:${port}`
  await waitUntilReady(base, 1, api)
  for (const page of await pages()) {
    const times: number[] = []
    for (let run = 0; run < runs; run++) {
      const context = await browser.newContext()
      const tab = await context.newPage()
      const started = performance.now()
      await tab.goto(`${base}${page.path}`)
      await tab.locator(page.ready).first().waitFor({ timeout: 60_000 })
      times.push(performance.now() - started)
      const failed = await tab.locator('[data-testid=error]').count()
      if (failed) throw new Error(`${page.name}: ${await tab.locator('[data-testid=error]').first().textContent()}`)
      await context.close()
    }
    times.sort((a, b) => a - b)
    console.log(`${page.name.padEnd(64)} median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms (${runs} loads)`)
  }
} finally {
  await browser.close()
  await api.stop()
}
