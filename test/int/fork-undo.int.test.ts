// Undoing a fork on a real PostgreSQL keeps what was written outside the chain's order: a usage record joined to
// a final settlement after a hot block had added to the same earnings, and an epoch close that rolled its pool
// into an epoch a hot block had opened. The forked log must end exactly where the canonical chain's log ends.
import type { DataSource } from 'typeorm'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { openDatabase } from '../../src/db/data-source.js'
import { createLogger } from '../../src/logger.js'
import { projectionDigest } from '../../src/project/digest.js'
import { projectPartitionBatch } from '../../src/project/projector.js'
import { closeFinalEpochs } from '../../src/project/projections/epochs.js'
import { createTestDatabase } from '../support/database.js'
import { address, inferenceId, NODE, settings as defaults, Streams, topics } from '../support/log-streams.js'

const settings = { ...defaults, epochBlocks: 10 } // epoch 0 is blocks 0-9, epoch 1 blocks 10-19

type Step = { topic: 'chain' | 'usage'; upTo: number } | { closeAt: number }

/** Datanet 1 with three accepted contributions of two contributors, model 1 on it, an agent and a node; all final. */
function registry(s: Streams) {
  const b1 = s.block(1)
  s.event('DatanetCreated', b1, { datanetId: '1', owner: address(1), metadataURI: 'ipfs://d1' })
  for (let c = 1; c <= 3; c++) {
    s.event('ContributionSubmitted', b1, { datanetId: '1', contributionId: String(c), contributor: address(100 + (c % 2)), contentHash: `0x${'cc'.repeat(32)}`, stake: '0' })
  }
  const b2 = s.block(2)
  for (let c = 1; c <= 3; c++) s.event('ContributionReviewed', b2, { contributionId: String(c), accepted: true, reviewer: address(9) })
  s.event('ModelRegistered', b2, { modelId: '1', owner: address(50), baseModelId: '0', datanetIds: ['1'], metadataURI: 'hf://base' })
  s.event('AgentRegistered', b2, { agentId: '1', owner: address(60), metadataURI: 'ipfs://agent' })
  s.event('InferenceNodeRegistered', b2, { node: NODE, operator: address(61) })
  s.finalize(b2)
}

const usage = {
  1: [['1', 1], ['2', 3]],
  2: [['1', 1], ['2', 1]],
  3: [['1', 2], ['3', 1]],
} satisfies Record<number, [string, number][]>

/**
 * Settlements 1-3 in hot blocks 5-7; records 2 and 3 join them there. Block 5 becomes final, then record 1
 * joins its settlement, adding to earnings rows that blocks 6 and 7 created. Blocks 6 and 7 are orphaned and
 * settlement 2 is mined again in another block 6. Block 11 (epoch 1) settles 4 and publishes a root for epoch
 * 0; epoch 0 closes under it, rolling its unstaked pool into epoch 1; then block 11 is orphaned too.
 */
function forkedLog(): { streams: Streams; steps: Step[] } {
  const s = new Streams()
  const steps: Step[] = []
  const chain = () => steps.push({ topic: 'chain', upTo: s.chain.length })
  const records = () => steps.push({ topic: 'usage', upTo: s.usage.length })
  registry(s)
  const [b5, b6, b7] = [s.block(5), s.block(6), s.block(7)]
  s.settle(1, b5, '1')
  s.settle(2, b6, '1', 2_000_007n)
  s.settle(3, b7, '1', 3_000_011n)
  chain()
  s.usageRecord(2, '1', usage[2])
  s.usageRecord(3, '1', usage[3])
  records()
  s.finalize(b5)
  chain()
  s.usageRecord(1, '1', usage[1])
  records()
  s.orphan([b6, b7])
  s.settle(2, s.block(6, 'a'), '1', 2_000_007n)
  const b11 = s.block(11)
  s.settle(4, b11, '1', 4_000_013n)
  s.event('RewardRootPublished', b11, { epoch: '0', root: `0x${'12'.repeat(32)}`, total: '1' })
  s.finalize(s.block(9))
  chain()
  steps.push({ closeAt: 9 })
  s.orphan([b11])
  chain()
  return { streams: s, steps }
}

/** What the chain that won holds: settlements 1 and 2 (in the new block 6), all three records, epoch 0 closed. */
function canonicalLog(): { streams: Streams; steps: Step[] } {
  const s = new Streams()
  registry(s)
  s.settle(1, s.block(5), '1')
  s.settle(2, s.block(6, 'a'), '1', 2_000_007n)
  s.finalize(s.block(9))
  for (const n of [1, 2, 3] as const) s.usageRecord(n, '1', usage[n])
  return { streams: s, steps: [{ topic: 'usage', upTo: s.usage.length }, { topic: 'chain', upTo: s.chain.length }, { closeAt: 9 }] }
}

describe('undoing a fork', () => {
  const logger = createLogger('silent')
  let databases: Awaited<ReturnType<typeof createTestDatabase>>[] = []
  let forked: DataSource
  let canonical: DataSource

  async function project(db: DataSource, { streams, steps }: { streams: Streams; steps: Step[] }) {
    const from = { chain: 0, usage: 0 }
    for (const step of steps) {
      if ('closeAt' in step) {
        await db.transaction((em) => closeFinalEpochs(em, step.closeAt, settings.epochBlocks))
        continue
      }
      const records = streams[step.topic].slice(from[step.topic], step.upTo)
      from[step.topic] = step.upTo
      await projectPartitionBatch({ db, group: 'g', topics, settings, logger }, { topic: topics[step.topic], partition: 0, records })
    }
  }

  beforeAll(async () => {
    databases = await Promise.all([createTestDatabase(inject('services').dbUrl), createTestDatabase(inject('services').dbUrl)])
    forked = await openDatabase(databases[0].url)
    canonical = await openDatabase(databases[1].url)
    await project(forked, forkedLog())
    await project(canonical, canonicalLog())
  })

  afterAll(async () => {
    await forked?.destroy()
    await canonical?.destroy()
    await Promise.all(databases.map((d) => d.drop()))
  })

  it('keeps a join made outside the chain order: the epoch closes, its earnings are the edges and it reconciles', async () => {
    const [epoch] = await forked.query(`SELECT status, inferences, net_fees::text AS "netFees", stakers_pool::text AS pool,
                                               payout_total::text AS paid, rolled_over::text AS "rolledOver" FROM epoch WHERE id = '0'`)
    expect(epoch.status).toBe('CLOSED')
    expect(epoch.inferences).toBe(2)
    expect(BigInt(epoch.paid) + BigInt(epoch.rolledOver)).toBe(BigInt(epoch.netFees))
    const earnings = await forked.query('SELECT contributor_id AS contributor, amount::text AS amount, attributions FROM contributor_epoch_stat ORDER BY 1')
    const fromEdges = await forked.query(
      'SELECT contributor_id AS contributor, sum(amount)::text AS amount, count(*)::int AS attributions FROM attribution_edge GROUP BY 1 ORDER BY 1',
    )
    expect(earnings).toEqual(fromEdges)
    const joined = await forked.query(`SELECT DISTINCT inference_id AS id FROM attribution_edge ORDER BY 1`)
    expect(joined).toEqual([{ id: inferenceId(1) }, { id: inferenceId(2) }])
  })

  it('keeps the pool an epoch close rolled into an epoch that only an orphaned block had opened', async () => {
    const rows = await forked.query(`SELECT id, inferences, fees::text, rolled_in::text AS "rolledIn" FROM epoch WHERE id = '1'`)
    const [{ rolledOver }] = await forked.query(`SELECT rolled_over::text AS "rolledOver" FROM epoch WHERE id = '0'`)
    expect(BigInt(rolledOver)).toBeGreaterThan(0n)
    expect(rows).toEqual([{ id: '1', inferences: 0, fees: '0', rolledIn: rolledOver }])
  })

  it('takes back a root published in an orphaned block, and with it the comparison the close made', async () => {
    const [epoch] = await forked.query(`SELECT published_root AS published, root_matches AS matches, root FROM epoch WHERE id = '0'`)
    expect(epoch).toEqual({ published: null, matches: null, root: expect.stringMatching(/^0x[0-9a-f]{64}$/) })
  })

  it('ends with the same state as the canonical chain, table by table', async () => {
    const [a, b] = await Promise.all([projectionDigest(forked), projectionDigest(canonical)])
    const differing = Object.keys(a.tables).filter((t) => a.tables[t].hash !== b.tables[t].hash)
    expect(differing).toEqual([])
    expect(a.tables.epoch_payout.rows).toBeGreaterThan(0)
  })
})

describe('recording changes for undo', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let db: DataSource

  beforeAll(async () => {
    database = await createTestDatabase(inject('services').dbUrl)
    db = await openDatabase(database.url)
    const s = new Streams()
    registry(s)
    // The ingester publishes blocks up to 6 as final before its next finality marker says so (a catch-up).
    s.finalUpTo = 6
    s.settle(1, s.block(5), '1')
    s.settle(2, s.block(8), '1')
    s.settle(3, s.block(9), '1') // completes block 8
    s.usageRecord(1, '1', usage[1])
    s.usageRecord(2, '1', usage[2])
    const batch = (topic: 'chain' | 'usage') => ({ topic: topics[topic], partition: 0, records: s[topic] })
    const options = { db, group: 'g', topics, settings, logger: createLogger('silent') }
    await projectPartitionBatch(options, batch('chain'))
    await projectPartitionBatch(options, batch('usage'))
  })

  afterAll(async () => {
    await db?.destroy()
    await database?.drop()
  })

  it('records a join under its settlement block while a fork could take that block back, and not when it was published final', async () => {
    const joined = await db.query('SELECT inference_id AS id, count(*)::int AS edges FROM attribution_edge GROUP BY 1 ORDER BY 1')
    expect(joined).toEqual([{ id: inferenceId(1), edges: 2 }, { id: inferenceId(2), edges: 2 }])
    const recorded = await db.query('SELECT DISTINCT block_number AS block, table_name AS "table" FROM undo_log ORDER BY 1, 2')
    const tablesOf = (block: number) => recorded.filter((r: { block: number }) => r.block === block).map((r: { table: string }) => r.table)
    expect(tablesOf(5)).toEqual([])
    // The join writes the inference (its usage details), its edges and earnings; the record itself stays as it came.
    expect(tablesOf(8)).toEqual(expect.arrayContaining(['attribution_edge', 'contributor_epoch_stat', 'inference']))
    expect(tablesOf(8)).not.toContain('usage_record')
  })
})
