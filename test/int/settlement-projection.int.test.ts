// Settlement projection on a real PostgreSQL, through the projector's own apply step: given the registry events,
// when settlements arrive, then these rows (or this rejection).
import type { DataSource } from 'typeorm'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { parseChainEvent } from '../../src/domain/chain-events.js'
import type { Envelope } from '../../src/domain/envelope.js'
import { openDatabase } from '../../src/db/data-source.js'
import { applyChainEvent } from '../../src/project/apply.js'
import { RejectedEvent } from '../../src/project/rejection.js'
import { createTestDatabase } from '../support/database.js'

const settings = { epochBlocks: 100, defaultFeeSplit: { modelBps: 3000, stakersBps: 1000, dataBps: 6000 } }
const owner = '0x' + '11'.repeat(20)
let logIndex = 0

function event(type: string, block: number, payload: Record<string, unknown>): Envelope {
  const hash = '0x' + block.toString(16).padStart(64, '0')
  return {
    id: `31337:${hash}:${logIndex}`,
    type,
    version: 1,
    source: 'chain',
    chainId: 31337,
    block: { number: block, hash },
    txHash: '0x' + 'ee'.repeat(32),
    logIndex: logIndex++,
    occurredAt: '2026-11-25T12:00:00.000Z',
    payload,
  }
}

describe('settlements in the projection', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let db: DataSource

  const apply = (envelope: Envelope) => {
    const parsed = parseChainEvent(envelope)
    if (!parsed.ok) throw new Error(parsed.detail)
    return db.transaction((em) => applyChainEvent(em, settings, parsed.event))
  }

  beforeAll(async () => {
    database = await createTestDatabase(inject('services').dbUrl)
    db = await openDatabase(database.url)
    await apply(event('DatanetCreated', 1, { datanetId: '1', owner, metadataURI: 'ipfs://d' }))
    await apply(event('ModelRegistered', 2, { modelId: '1', owner, baseModelId: '0', datanetIds: ['1'], metadataURI: 'hf://m' }))
  })

  afterAll(async () => {
    await db?.destroy()
    await database?.drop()
  })

  it('keeps a direct call (agent id 0) with no agent, splitting the net fee exactly', async () => {
    await apply(event('InferenceSettled', 5, {
      inferenceId: '0x' + 'a1'.repeat(32), modelId: '1', agentId: '0', payer: owner, fee: '1001', platformFee: '100',
    }))
    const [row] = await db.query(
      `SELECT agent_id, on_chain_agent_id, net::text, model_part::text, stakers_part::text, data_part::text, mode, epoch
       FROM inference WHERE id = $1`,
      ['0x' + 'a1'.repeat(32)],
    )
    // net 901 by 3000/1000/6000: 270.3, 90.1, 540.6 → floors 270, 90, 540; the leftover unit goes to the
    // largest remainder (data, 0.6)
    expect(row).toEqual({
      agent_id: null, on_chain_agent_id: '0', net: '901', model_part: '270', stakers_part: '90', data_part: '541', mode: 'AWAITING_USAGE', epoch: 0,
    })
  })

  it('refuses a settlement whose platform fee exceeds its fee, and one of an unknown model', async () => {
    const tooExpensive = apply(event('InferenceSettled', 6, {
      inferenceId: '0x' + 'a2'.repeat(32), modelId: '1', agentId: '0', payer: owner, fee: '10', platformFee: '11',
    }))
    await expect(tooExpensive).rejects.toBeInstanceOf(RejectedEvent)
    await expect(tooExpensive).rejects.toMatchObject({ reason: 'platform-fee-exceeds-fee' })
    await expect(apply(event('InferenceSettled', 6, {
      inferenceId: '0x' + 'a3'.repeat(32), modelId: '9', agentId: '0', payer: owner, fee: '10', platformFee: '0',
    }))).rejects.toMatchObject({ reason: 'unknown-model' })
    // Neither refused settlement left a row (whatever the other test of this file projected before).
    const [{ n }] = await db.query('SELECT count(*)::int AS n FROM inference WHERE id = ANY($1)', [['0x' + 'a2'.repeat(32), '0x' + 'a3'.repeat(32)]])
    expect(n).toBe(0)
  })
})
