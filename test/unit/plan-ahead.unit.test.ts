// When a batch planned ahead may be written as planned: the shapes that can be planned, and the change-token
// rule that decides, inside the batch's transaction, whether any batch but the one laid under the plan committed
// since its snapshot.
import { describe, expect, it } from 'vitest'
import type { ChainEvent } from '../../src/domain/chain-events.js'
import { BlockProgress } from '../../src/project/block-progress.js'
import { planHolds, plannable, type BatchResult, type ChainPlan, type PlannedItem } from '../../src/project/plan-ahead.js'

const block = (number: number) => ({ number, hash: `0x${number.toString(16).padStart(64, '0')}` })
const settled = (id: string, final = true): PlannedItem => ({ event: { id, type: 'InferenceSettled', block: block(5) } as ChainEvent, final })
const finalized = (id: string): PlannedItem => ({ event: { id, type: 'BlocksFinalized' } as ChainEvent, final: true })
const other = (type: string): PlannedItem => ({ event: { id: type, type, block: block(5) } as ChainEvent, final: true })

function plan(token: string, base?: { kind: 'chain' | 'usage' | 'dead-letters'; result: BatchResult }): ChainPlan {
  return { token, base: base && { kind: base.kind, done: Promise.resolve(base.result) }, steps: [], progress: new BlockProgress(0), accepted: new Set() }
}

describe('which chain batches are planned ahead', () => {
  it('final settlements and finality markers, each event once', () => {
    expect(plannable([settled('a'), finalized('f'), settled('b')])).toBe(true)
    expect(plannable([finalized('f')])).toBe(true)
  })

  it('not an empty batch, a hot settlement, any other event, or an event twice', () => {
    expect(plannable([])).toBe(false)
    expect(plannable([settled('a'), settled('b', false)])).toBe(false)
    for (const type of ['ContributionReviewed', 'ModelRegistered', 'FeeSplitSet', 'AgentRegistered', 'BlocksOrphaned']) {
      expect(plannable([settled('a'), other(type)]), type).toBe(false)
    }
    expect(plannable([settled('a'), settled('a')])).toBe(false)
  })
})

describe('whether a plan still holds', () => {
  const whole = (before: string, after: string, planned = false): BatchResult => ({ whole: true, planned, change: { before, after } })

  it('without a batch under it: only if nothing committed since the snapshot', async () => {
    expect(await planHolds(plan('7'), '7')).toBe(true)
    expect(await planHolds(plan('7'), '9')).toBe(false)
  })

  it('over a batch that committed after the snapshot, and nothing after it', async () => {
    expect(await planHolds(plan('7', { kind: 'usage', result: whole('7', '8') }), '8')).toBe(true)
    // Another batch committed after it, or before it but after the snapshot.
    expect(await planHolds(plan('7', { kind: 'usage', result: whole('7', '8') }), '9')).toBe(false)
    expect(await planHolds(plan('7', { kind: 'usage', result: whole('8', '9') }), '9')).toBe(false)
  })

  it('over a batch that committed just before the snapshot was taken', async () => {
    expect(await planHolds(plan('8', { kind: 'usage', result: whole('7', '8') }), '8')).toBe(true)
  })

  it('not over a batch isolated event by event, one that wrote nothing, or a chain batch planned in its transaction', async () => {
    expect(await planHolds(plan('7', { kind: 'usage', result: { ...whole('7', '8'), whole: false } }), '8')).toBe(false)
    expect(await planHolds(plan('7', { kind: 'usage', result: { whole: true, planned: false } }), '7')).toBe(false)
    expect(await planHolds(plan('7', { kind: 'chain', result: whole('7', '8') }), '8')).toBe(false)
    expect(await planHolds(plan('7', { kind: 'chain', result: whole('7', '8', true) }), '8')).toBe(true)
  })
})
