// The executable specification of the money rules on small hand-made chains, without a database.
import { describe, expect, it } from 'vitest'
import { specifyMoney } from '../../src/domain/money-spec.js'
import { address, inferenceId, Streams } from '../support/log-streams.js'
import { scenarioOf } from '../support/money-scenarios.js'

const defaultFeeSplit = { modelBps: 3000, stakersBps: 1000, dataBps: 6000 }

function genesis() {
  const s = new Streams()
  const b1 = s.block(1)
  s.event('DatanetCreated', b1, { datanetId: '1', owner: address(1), metadataURI: '' })
  for (const c of ['1', '2']) {
    s.event('ContributionSubmitted', b1, { datanetId: '1', contributionId: c, contributor: address(100 + Number(c)), contentHash: `0x${'00'.repeat(32)}`, stake: '0' })
  }
  s.event('ContributionReviewed', b1, { contributionId: '1', accepted: true, reviewer: address(9) })
  s.event('ModelRegistered', b1, { modelId: '1', owner: address(50), baseModelId: '0', datanetIds: ['1'], metadataURI: '' })
  return s
}

const money = (s: Streams, closedThrough: number) => {
  const { chain, usage } = scenarioOf(s, closedThrough, [])
  return specifyMoney({ chain, usage, epochBlocks: 10, defaultFeeSplit, closedThrough })
}

describe('the money rules as a function', () => {
  it('judges status as of the settlement block with all of its events, and the fee split as of its log', () => {
    const s = genesis()
    const b3 = s.block(3)
    s.settle(1, b3, '1', 1000n, 0n, '0')
    s.event('FeeSplitSet', b3, { modelId: '1', modelBps: 0, stakersBps: 0, dataBps: 10_000 })
    s.settle(2, b3, '1', 1000n, 0n, '0')
    s.event('ContributionSlashed', b3, { contributionId: '1', amount: '1', reason: '' })
    s.event('ContributionReviewed', b3, { contributionId: '2', accepted: true, reviewer: address(9) })
    s.usageRecord(1, '1', [['1', 1], ['2', 3]])
    const { inferences } = money(s, 5)
    expect(inferences.get(inferenceId(1))).toMatchObject({ modelPart: 300n, dataPart: 600n, mode: 'USAGE' })
    expect(inferences.get(inferenceId(1))!.edges.map((e) => [e.contributionId, e.amount])).toEqual([['2', 600n]])
    // no record and the epoch still open: waiting; the later fee split applies to the later settlement
    expect(inferences.get(inferenceId(2))).toMatchObject({ modelPart: 0n, dataPart: 1000n, mode: 'AWAITING_USAGE', edges: [] })
  })

  it('closes epochs with the fallback, pays owners, rolls a pool nobody stakes for and pays it to a later staker', () => {
    const s = genesis()
    s.settle(1, s.block(3), '1', 1000n, 0n, '0')
    s.event('Staked', s.block(12), { stakingId: '1', recipient: address(200), amount: '5' })
    const { inferences, epochs } = money(s, 19)
    expect(inferences.get(inferenceId(1))).toMatchObject({ mode: 'FALLBACK', edges: [{ contributionId: '1', amount: 600n }] })
    expect(epochs.get(0)).toMatchObject({ netFees: 1000n, stakersPool: 100n, rolledOver: 100n, total: 900n })
    expect([...epochs.get(0)!.payouts.keys()]).toEqual([address(50), address(101)])
    expect(epochs.get(1)).toMatchObject({ rolledIn: 100n, rolledOver: 0n, total: 100n })
    expect(epochs.get(1)!.payouts.get(address(200))).toMatchObject({ amount: 100n, asStaker: 100n })
  })
})
