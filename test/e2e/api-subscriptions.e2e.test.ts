// Live streams fanned out through PostgreSQL LISTEN/NOTIFY: two API instances on one database, subscribers on
// both over SSE and over WebSocket (graphql-ws). Committed changes (settlements, earnings, an epoch closing, a
// fork undone) reach every subscriber of both instances exactly once, filters apply, and nothing else arrives.
import { keccak256, toHex } from 'viem'
import { createClient, type Client } from 'graphql-ws'
import WebSocket from 'ws'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startApiServer, type ApiServer } from '../../src/api/server.js'
import { openDatabase } from '../../src/db/data-source.js'
import { createLogger } from '../../src/logger.js'
import type { DataSource } from 'typeorm'
import { createTestDatabase, withClient } from '../support/database.js'
import { sampleValue } from '../support/prometheus.js'
import { eventually } from '../support/processes.js'
import { address, generateFixture, OPEN_EPOCH, seedFixture, type Fixture } from '../int/api-fixture.js'

const services = inject('services')

/** Everything one subscription received, consumed in the background. */
class Received {
  readonly items: any[] = []
  error: unknown
  constructor(source: AsyncIterable<any>, private readonly stop: () => void) {
    void (async () => {
      try {
        for await (const item of source) this.items.push(item)
      } catch (err) {
        this.error = err
      }
    })()
  }
  close() {
    this.stop()
  }
}

/** A subscription over Server-Sent Events: POST /graphql with Accept: text/event-stream. */
function subscribeSse(url: string, query: string, variables: Record<string, unknown> = {}): Received {
  const abort = new AbortController()
  async function* events() {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query, variables }),
      signal: abort.signal,
    })
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += value
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n')
        buffer = buffer.slice(end + 2)
        if (lines.some((l) => l === 'event: complete')) return
        const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('\n').trim()
        if (data) yield JSON.parse(data)
      }
    }
  }
  return new Received(events(), () => abort.abort())
}

/** A subscription over WebSocket with the graphql-ws client. */
function subscribeWs(client: Client, query: string, variables: Record<string, unknown> = {}): Received {
  const iterator = client.iterate({ query, variables })
  return new Received(iterator, () => void iterator.return?.())
}

const INFERENCE_COLUMNS = `(id, model_id, model_owner_id, agent_id, on_chain_agent_id, payer, fee, platform_fee, net, model_part, stakers_part, data_part,
  model_bps, stakers_bps, data_bps, mode, block_number, block_hash, log_index, epoch, settled_at, tx_hash)`

function inferenceValues(f: Fixture, id: string, modelId: string, agentId: string, block: number) {
  const owner = f.models.find((m) => m.id === modelId)!.ownerId
  return [id, modelId, owner, agentId, agentId, address(100), '1000', '50', '950', '285', '95', '570', 3000, 1000, 6000, 'AWAITING_USAGE', block, keccak256(toHex(`b${block}`)), 0, OPEN_EPOCH, new Date(), keccak256(toHex(id))]
}

describe('subscriptions across two API instances', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let f: Fixture
  const dbs: DataSource[] = []
  const servers: ApiServer[] = []
  const wsClients: Client[] = []
  const urls: string[] = []

  beforeAll(async () => {
    database = await createTestDatabase(services.dbUrl)
    f = generateFixture(60)
    for (let i = 0; i < 2; i++) {
      const db = await openDatabase(database.url)
      if (i === 0) await seedFixture(database.url, f)
      const server = await startApiServer({ db, logger: createLogger('warn'), port: 0 })
      dbs.push(db)
      servers.push(server)
      urls.push(`127.0.0.1:${(server.address() as AddressInfo).port}`)
      wsClients.push(createClient({ url: `ws://${urls[i]}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 }))
    }
    for (const url of urls) {
      await eventually(async () => {
        const health = (await (await fetch(`http://${url}/healthz`)).json()) as { changeFeed: string }
        return health.changeFeed === 'listening' ? true : undefined
      }, 10_000, 'both change feeds listening')
    }
  })

  afterAll(async () => {
    await Promise.all(wsClients.map((c) => c.dispose()))
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
    await Promise.all(dbs.map((db) => db.destroy()))
    await database?.drop()
  })

  it('delivers each committed change to every subscriber of both instances, exactly once', async () => {
    const [a, b] = urls.map((u) => `http://${u}/graphql`)
    const [wsA, wsB] = wsClients
    const X = f.edges.find((e) => e.epoch === OPEN_EPOCH)!.contributorId
    const INFERENCES = 'subscription ($model: ID, $agent: ID) { inferenceSettled(model: $model, agent: $agent) { id model { id } agent { id } fee } }'
    const EARNINGS = 'subscription ($c: String) { contributorEarnings(contributor: $c) { id epoch amount contributor { id } } }'
    const CLOSED = 'subscription { epochClosed { number status root payouts { totalCount } } }'
    const ROLLBACK = 'subscription { rollback { fromBlock toBlock undoneEvents meta { finalizedHeight } } }'
    const subs = {
      allSseA: subscribeSse(a, INFERENCES),
      allWsB: subscribeWs(wsB, INFERENCES),
      model2WsA: subscribeWs(wsA, INFERENCES, { model: '2' }),
      agent1SseB: subscribeSse(b, INFERENCES, { agent: '1' }),
      earningsSseA: subscribeSse(a, EARNINGS, { c: X.toUpperCase().replace('0X', '0x') }),
      earningsWsB: subscribeWs(wsB, EARNINGS, { c: X }),
      closedWsA: subscribeWs(wsA, CLOSED),
      closedSseB: subscribeSse(b, CLOSED),
      rollbackSseA: subscribeSse(a, ROLLBACK),
      rollbackWsB: subscribeWs(wsB, ROLLBACK),
    }
    const active = async () => sampleValue(await (await fetch(`http://${urls[0]}/metrics`)).text(), 'attrib_api_subscriptions_active')
    await eventually(async () => ((await active()) === Object.keys(subs).length ? true : undefined), 10_000, 'all subscriptions active')

    // 1. Four settlements in one transaction.
    const settled = [['2', '1'], ['2', '2'], ['1', '1'], ['3', '3']].map(([model, agent], k) => ({ id: keccak256(toHex(`live-${k}`)), model, agent }))
    await withClient(database.url, async (db) => {
      await db.query('BEGIN')
      for (const [k, s] of settled.entries()) {
        await db.query(`INSERT INTO inference ${INFERENCE_COLUMNS} VALUES (${Array.from({ length: 22 }, (_, i) => `$${i + 1}`).join(', ')})`, inferenceValues(f, s.id, s.model, s.agent, 2500 + k))
      }
      await db.query('COMMIT')
    })
    // 2. Earnings: X gains in the open epoch and earns in a new one; another contributor's change is filtered out.
    await withClient(database.url, async (db) => {
      await db.query(`UPDATE contributor_epoch_stat SET amount = amount + 5, attributions = attributions + 1 WHERE id = $1`, [`${OPEN_EPOCH}-${X}`])
      await db.query(`INSERT INTO contributor_epoch_stat (id, contributor_id, epoch, amount, attributions) VALUES ($1, $2, 3, 77, 1)`, [`3-${X}`, X])
      await db.query(`UPDATE contributor_epoch_stat SET amount = amount + 5 WHERE contributor_id <> $1 AND epoch = $2`, [X, OPEN_EPOCH])
      // 3. The open epoch closes; a closed epoch's other columns changing is no closing.
      await db.query(`UPDATE epoch SET status = 'CLOSED', closed_at_block = 2999 WHERE id = $1`, [String(OPEN_EPOCH)])
      await db.query(`UPDATE epoch SET published_root = root WHERE id = '0'`)
    })
    // 4. A settlement in a hot block, then the fork that orphans the block.
    const hot = { number: 3001, hash: keccak256(toHex('hot-3001')) }
    const orphan = keccak256(toHex('orphaned-settlement'))
    await withClient(database.url, async (db) => {
      await db.query('BEGIN')
      await db.query(`SELECT set_config('attrib.undo_block', $1, true)`, [`${hot.number}:${hot.hash}`])
      await db.query(`INSERT INTO inference ${INFERENCE_COLUMNS} VALUES (${Array.from({ length: 22 }, (_, i) => `$${i + 1}`).join(', ')})`, inferenceValues(f, orphan, '1', '1', hot.number))
      await db.query('INSERT INTO applied_event (id, block_number, block_hash) VALUES ($1, $2, $3)', [`31337:${hot.hash}:0`, hot.number, hot.hash])
      await db.query('COMMIT')
    })
    await eventually(async () => (subs.allSseA.items.length === 5 && subs.allWsB.items.length === 5 ? true : undefined), 10_000, 'the hot settlement')
    await withClient(database.url, (db) => db.query('SELECT attrib_undo_blocks($1)', [[hot.hash]]))

    await eventually(async () => (subs.rollbackSseA.items.length && subs.rollbackWsB.items.length ? true : undefined), 10_000, 'the rollback')
    // 5. A last settlement, committed after everything above: once every client has it, anything delivered
    // twice, or late, would have arrived before it (the change feed hands out notices in commit order).
    const last = { id: keccak256(toHex('live-last')), model: '2', agent: '1' }
    await withClient(database.url, (db) =>
      db.query(`INSERT INTO inference ${INFERENCE_COLUMNS} VALUES (${Array.from({ length: 22 }, (_, i) => `$${i + 1}`).join(', ')})`, inferenceValues(f, last.id, last.model, last.agent, 2600)),
    )
    const hasLast = (r: Received) => r.items.some((item) => (Object.values(item.data ?? {})[0] as any)?.id === last.id)
    await eventually(async () => ([subs.allSseA, subs.allWsB, subs.model2WsA, subs.agent1SseB].every(hasLast) ? true : undefined), 10_000, 'the last settlement')

    const data = (r: Received) => r.items.map((item) => {
      expect(item.errors).toBeUndefined()
      return Object.values(item.data)[0] as any
    })
    const all = [...settled.map((s) => s.id), orphan, last.id]
    for (const sub of [subs.allSseA, subs.allWsB]) expect(data(sub).map((i) => i.id)).toEqual(all)
    expect(data(subs.allSseA)[0]).toEqual({ id: settled[0].id, model: { id: '2' }, agent: { id: '1' }, fee: '1000' })
    expect(data(subs.model2WsA).map((i) => i.id)).toEqual([...settled.filter((s) => s.model === '2').map((s) => s.id), last.id])
    expect(data(subs.agent1SseB).map((i) => i.id)).toEqual([...settled.filter((s) => s.agent === '1').map((s) => s.id), orphan, last.id])

    const before = f.edges.filter((e) => e.contributorId === X && e.epoch === OPEN_EPOCH).reduce((s, e) => s + e.amount, 0n)
    const expectedEarnings = [
      { id: `${OPEN_EPOCH}-${X}`, epoch: OPEN_EPOCH, amount: (before + 5n).toString(), contributor: { id: X } },
      { id: `3-${X}`, epoch: 3, amount: '77', contributor: { id: X } },
    ]
    expect(data(subs.earningsSseA)).toEqual(expectedEarnings)
    expect(data(subs.earningsWsB)).toEqual(expectedEarnings)

    for (const sub of [subs.closedWsA, subs.closedSseB]) {
      expect(data(sub)).toEqual([{ number: OPEN_EPOCH, status: 'CLOSED', root: null, payouts: { totalCount: 0 } }])
    }
    for (const sub of [subs.rollbackSseA, subs.rollbackWsB]) {
      expect(data(sub)).toEqual([{ fromBlock: hot.number, toBlock: hot.number, undoneEvents: 1, meta: { finalizedHeight: 2990 } }])
    }
    for (const sub of Object.values(subs)) expect(sub.error).toBeUndefined()
    for (const sub of Object.values(subs)) sub.close()
    await eventually(async () => ((await active()) === 0 ? true : undefined), 10_000, 'subscriptions closed')
  })
})
