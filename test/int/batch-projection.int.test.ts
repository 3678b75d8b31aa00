// The set-based projector on a real PostgreSQL: the same log projected in large batches and one record at a
// time gives the same state (replays and restarts cut the log differently), and a usage record joined to a
// settlement of a hot block is undone with that block and joins again when the settlement is mined anew.
import type { DataSource } from 'typeorm'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { BlockRef } from '../../src/domain/envelope.js'
import { openDatabase } from '../../src/db/data-source.js'
import { createLogger } from '../../src/logger.js'
import { projectionDigest } from '../../src/project/digest.js'
import { projectPartitionBatch } from '../../src/project/projector.js'
import { createTestDatabase } from '../support/database.js'
import { address, inferenceId, NODE, settings, Streams, topics } from '../support/log-streams.js'

/**
 * One log: registry events (final), usage records that come first, a busy hot block of settlements (joins,
 * duplicates, an unknown model, a platform fee above the fee, a model mismatch, a direct call, an adapter, a
 * record whose attributions do not qualify), usage records that come after their settlement (an exact and a
 * conflicting duplicate among them), then a fork that orphans block 12 and mines its settlement again.
 */
function scenario(): { streams: Streams; steps: { topic: 'chain' | 'usage'; upTo: number }[]; forked: BlockRef; remined: BlockRef } {
  const s = new Streams()
  const b1 = s.block(1)
  s.event('DatanetCreated', b1, { datanetId: '1', owner: address(1), metadataURI: 'ipfs://d1' })
  s.event('DatanetCreated', b1, { datanetId: '2', owner: address(2), metadataURI: 'ipfs://d2' })
  for (let c = 1; c <= 8; c++) {
    s.event('ContributionSubmitted', b1, { datanetId: String(1 + (c % 2)), contributionId: String(c), contributor: address(100 + (c % 3)), contentHash: `0x${'cc'.repeat(32)}`, stake: '0' })
  }
  const b2 = s.block(2)
  for (let c = 1; c <= 7; c++) s.event('ContributionReviewed', b2, { contributionId: String(c), accepted: c !== 7, reviewer: address(9) })
  s.event('ModelRegistered', b2, { modelId: '1', owner: address(50), baseModelId: '0', datanetIds: ['1'], metadataURI: 'hf://base' })
  s.event('ModelRegistered', b2, { modelId: '2', owner: address(51), baseModelId: '1', datanetIds: ['2'], metadataURI: 'hf://lora' })
  s.event('FeeSplitSet', b2, { modelId: '2', modelBps: 2000, stakersBps: 2000, dataBps: 6000 })
  s.event('AgentRegistered', b2, { agentId: '1', owner: address(60), metadataURI: 'ipfs://agent' })
  s.event('InferenceNodeRegistered', b2, { node: NODE, operator: address(61) })
  s.finalize(b2)
  const chainSetup = s.chain.length

  s.usageRecord(1, '1', [['1', 5], ['2', 1]])
  s.usageRecord(11, '1', [['1', 3], ['1', 2]]) // one contribution weighted twice: invalid
  s.usageRecord(2, '2', [['2', 5], ['4', 5]])
  s.usageRecord(3, '2', [['1', 1]]) // the settlement names model 1: mismatch, refused when it arrives
  s.usageRecord(4, '1', [['7', 9], ['8', 9], ['3', 0]]) // rejected, pending and zero weight: fallback
  const usageFirst = s.usage.length

  const b10 = s.block(10)
  s.settle(1, b10, '1')
  s.settle(2, b10, '2', 999_999_999n, 1n)
  s.settle(3, b10, '1')
  s.settle(4, b10, '1', 5n, 0n, '0')
  s.settle(1, b10, '1') // duplicate settlement
  s.settle(5, b10, '9') // unknown model
  s.settle(6, b10, '1', 10n, 11n) // platform fee above the fee
  const b12 = s.block(12)
  s.settle(7, b12, '2')
  s.settle(8, b12, '1')
  s.settle(9, b12, '1')
  const chainSettled = s.chain.length

  s.usageRecord(7, '2', [['6', 4], ['2', 4]])
  s.usageRecord(8, '1', [['5', 10]])
  s.usageRecord(8, '1', [['5', 10]]) // exact duplicate: ignored
  s.usageRecord(9, '1', [['1', 1]])
  s.usageRecord(9, '1', [['1', 2]]) // conflicting duplicate: dead-lettered
  s.usageRecord(10, '1', [['1', 1]]) // its settlement never comes in this log: waits
  const usageAll = s.usage.length

  s.orphan([b12])
  const remined = s.block(12, 'a')
  s.settle(7, remined, '2')
  s.finalize(s.block(20))
  return {
    streams: s,
    forked: b12,
    remined,
    steps: [
      { topic: 'chain', upTo: chainSetup },
      { topic: 'usage', upTo: usageFirst },
      { topic: 'chain', upTo: chainSettled },
      { topic: 'usage', upTo: usageAll },
      { topic: 'chain', upTo: s.chain.length },
    ],
  }
}

describe('the set-based projector', () => {
  const logger = createLogger('silent')
  const { streams, steps, forked, remined } = scenario()
  let databases: Awaited<ReturnType<typeof createTestDatabase>>[] = []
  let whole: DataSource
  let single: DataSource

  async function project(db: DataSource, batchSize: number) {
    const from = { chain: 0, usage: 0 }
    for (const { topic, upTo } of steps) {
      const records = streams[topic].slice(from[topic], upTo)
      from[topic] = upTo
      for (let i = 0; i < records.length; i += batchSize) {
        await projectPartitionBatch({ db, group: 'g', topics, settings, logger }, { topic: topics[topic], partition: 0, records: records.slice(i, i + batchSize) })
      }
    }
  }

  beforeAll(async () => {
    databases = await Promise.all([createTestDatabase(inject('services').dbUrl), createTestDatabase(inject('services').dbUrl)])
    whole = await openDatabase(databases[0].url)
    single = await openDatabase(databases[1].url)
    await project(whole, 10_000)
    await project(single, 1)
  })

  afterAll(async () => {
    await whole?.destroy()
    await single?.destroy()
    await Promise.all(databases.map((d) => d.drop()))
  })

  it('ends in the same state whether the log comes in whole batches or one record at a time', async () => {
    const [a, b] = await Promise.all([projectionDigest(whole), projectionDigest(single)])
    const differing = Object.keys(a.tables).filter((t) => a.tables[t].hash !== b.tables[t].hash)
    expect(differing).toEqual([])
    expect(a.digest).toBe(b.digest)
    const [{ n }] = await whole.query('SELECT count(*)::int AS n FROM inference')
    expect(n).toBe(5) // 1, 2, 3 and 4 of block 10, and 7 mined again; 8 and 9 went with block 12
  })

  it('dead-letters each bad event with its reason and applies the rest', async () => {
    const rows: { reason: string; n: number }[] = await whole.query('SELECT reason, count(*)::int AS n FROM dead_letter GROUP BY reason ORDER BY reason')
    expect(rows).toEqual([
      { reason: 'conflicting-duplicate', n: 1 },
      { reason: 'duplicate-settlement', n: 1 },
      { reason: 'invalid-usage-event', n: 1 },
      { reason: 'model-mismatch', n: 1 },
      { reason: 'platform-fee-exceeds-fee', n: 1 },
      { reason: 'unknown-model', n: 1 },
    ])
  })

  it('attributes by usage, by the fallback and to the owner, every data part paid exactly', async () => {
    const rows: { id: string; mode: string; dataPart: string; paid: string | null; tokensIn: number | null }[] = await whole.query(
      `SELECT i.id, i.mode, i.data_part::text AS "dataPart", (SELECT sum(amount)::text FROM attribution_edge e WHERE e.inference_id = i.id) AS paid,
              i.tokens_in AS "tokensIn"
       FROM inference i ORDER BY i.id`,
    )
    const byId = new Map(rows.map((r) => [r.id, r]))
    expect(byId.get(inferenceId(1))).toMatchObject({ mode: 'USAGE', tokensIn: 100 })
    expect(byId.get(inferenceId(2))?.mode).toBe('USAGE')
    expect(byId.get(inferenceId(3))).toMatchObject({ mode: 'AWAITING_USAGE', tokensIn: null }) // its record was refused
    expect(byId.get(inferenceId(4))?.mode).toBe('FALLBACK')
    for (const row of rows.filter((r) => r.mode === 'USAGE' || r.mode === 'FALLBACK')) expect(row.paid).toBe(row.dataPart)
    const edges = await whole.query(`SELECT contribution_id AS c, weight::text AS w FROM attribution_edge WHERE inference_id = $1 ORDER BY contribution_id`, [inferenceId(1)])
    expect(edges).toEqual([{ c: '1', w: '5' }, { c: '2', w: '1' }])
    const fallback = await whole.query(`SELECT contribution_id AS c, amount::text AS a FROM attribution_edge WHERE inference_id = $1 ORDER BY contribution_id`, [inferenceId(4)])
    // fee 5 → data 3, in equal shares over model 1's datanet's accepted contributions (2, 4, 6; 8 was never reviewed)
    expect(fallback).toEqual([{ c: '2', a: '1' }, { c: '4', a: '1' }, { c: '6', a: '1' }])
    // The earnings by (epoch, model, datanet, contributor) are exactly the edges' sums, fork undone included.
    const fromEdges = await whole.query(
      `SELECT e.epoch, i.model_id AS model, e.datanet_id AS datanet, e.contributor_id AS contributor, sum(e.amount)::text AS amount, count(*)::int AS n
       FROM attribution_edge e JOIN inference i ON i.id = e.inference_id GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    )
    const stats = await whole.query(
      `SELECT epoch, model_id AS model, datanet_id AS datanet, contributor_id AS contributor, amount::text AS amount, attributions AS n
       FROM attribution_epoch_stat ORDER BY 1, 2, 3, 4`,
    )
    expect(stats).toEqual(fromEdges)
    expect(stats.length).toBeGreaterThan(3)
  })

  it('undoes a join with the orphaned block of its settlement, and joins again when the settlement is mined anew', async () => {
    const rows: { id: string; blockHash: string; mode: string }[] = await whole.query(
      'SELECT id, block_hash AS "blockHash", mode FROM inference WHERE id = ANY($1) ORDER BY id',
      [[inferenceId(7), inferenceId(8), inferenceId(9)]],
    )
    expect(rows).toEqual([{ id: inferenceId(7), blockHash: remined.hash, mode: 'USAGE' }])
    const usage: { id: string; joined: boolean }[] = await whole.query(
      // joined: the inference carries the record's details (the API's UsageRecord.joined)
      `SELECT u.id, EXISTS (SELECT 1 FROM inference i WHERE i.id = u.id AND i.usage_at IS NOT NULL) AS joined
       FROM usage_record u WHERE u.id = ANY($1) ORDER BY u.id`,
      [[inferenceId(7), inferenceId(8), inferenceId(9), inferenceId(10)]],
    )
    // The records stay (they were not on the orphaned block); only the joins of block 12 were undone.
    expect(usage).toEqual([
      { id: inferenceId(7), joined: true },
      { id: inferenceId(8), joined: false },
      { id: inferenceId(9), joined: false },
      { id: inferenceId(10), joined: false },
    ])
    const [{ edges }] = await whole.query('SELECT count(*)::int AS edges FROM attribution_edge WHERE inference_id = ANY($1)', [[inferenceId(8), inferenceId(9)]])
    expect(edges).toBe(0)
    const [epoch] = await whole.query(`SELECT inferences, fees::text FROM epoch WHERE id = '0'`)
    const [{ fees }] = await whole.query('SELECT sum(fee)::text AS fees FROM inference')
    expect(epoch).toEqual({ inferences: 5, fees })
    expect(forked.hash).not.toBe(remined.hash)
  })
})
