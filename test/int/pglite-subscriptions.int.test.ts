// `attrib dev` runs on PGlite, one backend whose NOTIFYs never reach another connection's LISTEN: the embedded
// server reads them off the wire and hands them to the API in process. Subscriptions must deliver there what
// they deliver on PostgreSQL (committed changes only, in commit order), and the response cache must see commits.
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { keccak256, toHex } from 'viem'
import type { DataSource } from 'typeorm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../../src/api/server.js'
import { noticeCommit } from '../../src/db/change-notice.js'
import { openDatabase } from '../../src/db/data-source.js'
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres.js'
import { createLogger } from '../../src/logger.js'
import { withClient } from '../support/database.js'
import { eventually } from '../support/processes.js'
import { sampleValue } from '../support/prometheus.js'
import { SseSubscription } from '../support/sse.js'
import { address, generateFixture, OPEN_EPOCH, seedFixture, type Fixture } from './api-fixture.js'

const INFERENCE_COLUMNS = `(id, model_id, model_owner_id, agent_id, on_chain_agent_id, payer, fee, platform_fee, net, model_part, stakers_part, data_part,
  model_bps, stakers_bps, data_bps, mode, block_number, block_hash, log_index, epoch, settled_at, tx_hash)`
const PLACEHOLDERS = Array.from({ length: 22 }, (_, i) => `$${i + 1}`).join(', ')

function inferenceValues(f: Fixture, id: string, modelId: string, block: number) {
  const owner = f.models.find((m) => m.id === modelId)!.ownerId
  return [id, modelId, owner, '1', '1', address(100), '1000', '50', '950', '285', '95', '570', 3000, 1000, 6000, 'AWAITING_USAGE', block, keccak256(toHex(`b${block}`)), 0, OPEN_EPOCH, new Date(), keccak256(toHex(id))]
}

describe('subscriptions and the response cache on embedded PostgreSQL (PGlite)', () => {
  let root: string
  let pglite: EmbeddedPostgres
  let db: DataSource
  let server: ApiServer
  let url: string
  let f: Fixture

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'attrib-pglite-subs-'))
    pglite = await startEmbeddedPostgres({ dataDir: path.join(root, 'data'), logger: createLogger('silent') })
    db = await openDatabase(pglite.url)
    f = generateFixture(20)
    await seedFixture(pglite.url, f)
    server = await startApiServer({ db, logger: createLogger('warn'), port: 0, notifications: pglite.notifications })
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    await eventually(async () => {
      const health = (await (await fetch(`${url}/healthz`)).json()) as { changeFeed: string }
      return health.changeFeed === 'listening' ? true : undefined
    }, 10_000, 'the change feed listening')
  })

  afterAll(async () => {
    if (server) await new Promise((resolve) => server.close(resolve))
    await db?.destroy()
    await pglite?.stop()
    if (root) await rm(root, { recursive: true, force: true })
  })

  it('delivers committed settlements in commit order, and nothing from a rolled-back transaction', async () => {
    const live = new SseSubscription(`${url}/graphql`, 'subscription { inferenceSettled { id fee model { id } } }')
    const active = async () => sampleValue(await (await fetch(`${url}/metrics`)).text(), 'attrib_api_subscriptions_active')
    await eventually(async () => ((await active()) === 1 ? true : undefined), 10_000, 'the subscription active')

    const ids = ['a', 'b', 'rolled-back', 'c'].map((k) => keccak256(toHex(`pglite-live-${k}`)))
    await withClient(pglite.url, async (c) => {
      await c.query('BEGIN')
      await c.query(`INSERT INTO inference ${INFERENCE_COLUMNS} VALUES (${PLACEHOLDERS})`, inferenceValues(f, ids[0], '1', 2500))
      await c.query(`INSERT INTO inference ${INFERENCE_COLUMNS} VALUES (${PLACEHOLDERS})`, inferenceValues(f, ids[1], '2', 2501))
      await c.query('COMMIT')
      await c.query('BEGIN')
      await c.query(`INSERT INTO inference ${INFERENCE_COLUMNS} VALUES (${PLACEHOLDERS})`, inferenceValues(f, ids[2], '1', 2502))
      await c.query('ROLLBACK')
      await c.query(`INSERT INTO inference ${INFERENCE_COLUMNS} VALUES (${PLACEHOLDERS})`, inferenceValues(f, ids[3], '1', 2503))
    })
    // The last commit is the barrier: whatever came before it has been delivered by the time it is.
    await eventually(async () => (live.values().some((v) => v.id === ids[3]) ? true : undefined), 10_000, 'the last settlement')
    expect(live.error).toBeUndefined()
    expect(live.values()).toEqual([
      { id: ids[0], fee: '1000', model: { id: '1' } },
      { id: ids[1], fee: '1000', model: { id: '2' } },
      { id: ids[3], fee: '1000', model: { id: '1' } },
    ])
    live.close()
  })

  it('caches a query until the next commit, then answers from the new state', async () => {
    const query = JSON.stringify({ query: '{ inferences(first: 1) { totalCount } }' })
    const ask = async () => {
      const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: query })
      const body = (await response.json()) as { data: { inferences: { totalCount: number } } }
      return { etag: response.headers.get('etag'), count: body.data.inferences.totalCount }
    }
    const first = await ask()
    expect(first.etag).toBeTruthy()
    const revalidated = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'if-none-match': first.etag! }, body: query })
    expect(revalidated.status).toBe(304)

    const id = keccak256(toHex('pglite-cache'))
    await withClient(pglite.url, async (c) => {
      await c.query('BEGIN')
      await c.query(`INSERT INTO inference ${INFERENCE_COLUMNS} VALUES (${PLACEHOLDERS})`, inferenceValues(f, id, '1', 2600))
      await noticeCommit(c)
      await c.query('COMMIT')
    })
    const after = await eventually(async () => {
      const answer = await ask()
      return answer.etag !== first.etag ? answer : undefined
    }, 10_000, 'a response of the new generation')
    expect(after.count).toBe(first.count + 1)
  })
})
