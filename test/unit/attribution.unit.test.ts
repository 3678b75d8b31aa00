import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { earnsAt, fallbackEdges, usageEdges, type ContributionState } from '../../src/domain/attribution.js'

const contribution = (id: string, overrides: Partial<ContributionState> = {}): ContributionState => ({
  id,
  contributorId: `0xc${id}`,
  datanetId: `d${Number(id) % 3}`,
  status: 'ACCEPTED',
  reviewedAtBlock: 10,
  slashedAtBlock: null,
  ...overrides,
})
const byId = (...cs: ContributionState[]) => new Map(cs.map((c) => [c.id, c]))
const total = (edges: { amount: bigint }[] | undefined) => (edges ?? []).reduce((sum, e) => sum + e.amount, 0n)

describe('earnsAt', () => {
  it('Given a contribution accepted at block 10 and slashed at 20, then it earns from block 10 through 19 only', () => {
    const c = contribution('1', { slashedAtBlock: 20 })
    expect([9, 10, 19, 20].map((block) => earnsAt(c, block))).toEqual([false, true, true, false])
  })

  it('Given a pending or rejected contribution, then it never earns', () => {
    expect(earnsAt(contribution('1', { status: 'PENDING', reviewedAtBlock: null }), 100)).toBe(false)
    expect(earnsAt(contribution('1', { status: 'REJECTED' }), 100)).toBe(false)
  })
})

describe('usageEdges', () => {
  it('Given weights 1 and 3 over two earning contributions, when 100 wei is split, then 25 and 75 with their owners', () => {
    const edges = usageEdges(100n, [{ contributionId: '1', weight: 1 }, { contributionId: '2', weight: 3 }], byId(contribution('1'), contribution('2')), 50)
    expect(edges).toEqual([
      { contributionId: '1', contributorId: '0xc1', datanetId: 'd1', weight: 1n, amount: 25n },
      { contributionId: '2', contributorId: '0xc2', datanetId: 'd2', weight: 3n, amount: 75n },
    ])
  })

  it('Given a zero weight, an unknown id and a contribution slashed before the block, then only the rest share the data part', () => {
    const known = byId(contribution('1'), contribution('2'), contribution('3', { slashedAtBlock: 40 }))
    const attributions = [
      { contributionId: '1', weight: 0 },
      { contributionId: '2', weight: 5 },
      { contributionId: '3', weight: 5 },
      { contributionId: '99', weight: 5 },
    ]
    expect(usageEdges(7n, attributions, known, 50)).toEqual([{ contributionId: '2', contributorId: '0xc2', datanetId: 'd2', weight: 5n, amount: 7n }])
  })

  it('Given one contribution named twice, then it gets one edge with the summed weight', () => {
    const edges = usageEdges(10n, [{ contributionId: '1', weight: 2 }, { contributionId: '2', weight: 1 }, { contributionId: '1', weight: 2 }], byId(contribution('1'), contribution('2')), 50)
    expect(edges?.map((e) => [e.contributionId, e.weight, e.amount])).toEqual([['1', 4n, 8n], ['2', 1n, 2n]])
  })

  it('Given no attribution that qualifies, then there are no edges and the caller falls back', () => {
    expect(usageEdges(10n, [{ contributionId: '1', weight: 3 }], byId(contribution('1', { reviewedAtBlock: 60 })), 50)).toBeUndefined()
  })

  it('Property: edges go to exactly the qualifying contributions, sum exactly to the data part, are never negative, and do not depend on the order of the attributions', () => {
    // Contributions 1..20, accepted at block 10; 1, 6, 11 and 16 slashed at block 30; 21..25 unknown.
    const isSlashed = (id: number) => (id - 1) % 5 === 0
    const known = byId(...Array.from({ length: 20 }, (_, i) => contribution(String(i + 1), { slashedAtBlock: isSlashed(i + 1) ? 30 : null })))
    const qualifies = (id: number, weight: number, block: number) => weight > 0 && id <= 20 && block >= 10 && !(isSlashed(id) && block >= 30)
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.array(fc.record({ contributionId: fc.integer({ min: 1, max: 25 }).map(String), weight: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 60 }),
        (data, attributions, block) => {
          const edges = usageEdges(data, attributions, known, block)
          const expectedIds = [...new Set(attributions.filter((a) => qualifies(Number(a.contributionId), a.weight, block)).map((a) => Number(a.contributionId)))].sort((a, b) => a - b)
          if (expectedIds.length === 0) {
            expect(edges).toBeUndefined()
            return
          }
          expect(edges?.map((e) => Number(e.contributionId))).toEqual(expectedIds)
          expect(total(edges)).toBe(data)
          expect(edges!.every((e) => e.amount >= 0n)).toBe(true)
          expect(usageEdges(data, [...attributions].reverse(), known, block)).toEqual(edges)
        },
      ),
    )
  })
})

describe('fallbackEdges', () => {
  it('Given three candidates of which one is not yet accepted at the block, then the two others share equally (leftover to the lower id)', () => {
    const edges = fallbackEdges(5n, [contribution('2'), contribution('10'), contribution('3', { reviewedAtBlock: 90 })], 50)
    expect(edges?.map((e) => [e.contributionId, e.weight, e.amount])).toEqual([['2', 1n, 3n], ['10', 1n, 2n]])
  })

  it('Given no earning candidate, then there are no edges and the data part goes to the model owner', () => {
    expect(fallbackEdges(5n, [contribution('1', { status: 'REJECTED' })], 50)).toBeUndefined()
    expect(fallbackEdges(5n, [], 50)).toBeUndefined()
  })
})
