import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { AllocationError } from '../../src/domain/allocate.js'
import {
  equalWeights,
  splitDataPart,
  splitSettlement,
  validateFeeSplit,
  type FeeSplit,
  type SettlementSplit,
} from '../../src/domain/fee-split.js'

/** The configuration's split when DEFAULT_FEE_SPLIT is unset. */
const DEFAULT_FEE_SPLIT = loadConfig({}).projection.defaultFeeSplit

function accepted(fee: bigint, platformFee: bigint, split: FeeSplit): SettlementSplit {
  const result = splitSettlement(fee, platformFee, split)
  if (!result.ok) throw new Error(`unexpected rejection: ${result.detail}`)
  return result.value
}

describe('splitSettlement with the default split (3000/1000/6000)', () => {
  it('Given no DEFAULT_FEE_SPLIT in the environment, then the configuration splits 30% model, 10% stakers, 60% data', () => {
    expect(loadConfig({}).projection.defaultFeeSplit).toEqual({ modelBps: 3000, stakersBps: 1000, dataBps: 6000 })
    expect(loadConfig({ DEFAULT_FEE_SPLIT: '5000/0/5000' }).projection.defaultFeeSplit).toEqual({ modelBps: 5000, stakersBps: 0, dataBps: 5000 })
  })

  it('Given a DEFAULT_FEE_SPLIT not summing to 10000 or not three parts, then loading fails naming the variable', () => {
    expect(() => loadConfig({ DEFAULT_FEE_SPLIT: '5000/0/4999' })).toThrow(/DEFAULT_FEE_SPLIT/)
    expect(() => loadConfig({ DEFAULT_FEE_SPLIT: '5000/5000' })).toThrow(/DEFAULT_FEE_SPLIT/)
  })

  it('Given fee 1000 and no platform fee, when split, then model 300, stakers 100, data 600', () => {
    expect(accepted(1000n, 0n, DEFAULT_FEE_SPLIT)).toEqual({
      platformFee: 0n,
      net: 1000n,
      model: 300n,
      stakers: 100n,
      data: 600n,
    })
  })

  it('Given fee 10 and platform fee 3, when split, then net 7 gives the leftover unit to the stakers (largest remainder)', () => {
    // 7*3000 = 21000 → 2 r1000; 7*1000 = 7000 → 0 r7000; 7*6000 = 42000 → 4 r2000; floors 6, one unit left.
    expect(accepted(10n, 3n, DEFAULT_FEE_SPLIT)).toEqual({ platformFee: 3n, net: 7n, model: 2n, stakers: 1n, data: 4n })
  })

  it('Given a net of 1 wei, when split, then the data part (remainder 6000) takes it', () => {
    expect(accepted(1n, 0n, DEFAULT_FEE_SPLIT)).toMatchObject({ model: 0n, stakers: 0n, data: 1n })
  })

  it('Given a 50/0/50 split and a net of 1 wei, when split, then the tie goes to the model (key 0)', () => {
    expect(accepted(1n, 0n, { modelBps: 5000, stakersBps: 0, dataBps: 5000 })).toMatchObject({
      model: 1n,
      stakers: 0n,
      data: 0n,
    })
  })

  it('Given a platform fee equal to the fee, when split, then everything is 0 but the platform fee', () => {
    expect(accepted(5n, 5n, DEFAULT_FEE_SPLIT)).toEqual({ platformFee: 5n, net: 0n, model: 0n, stakers: 0n, data: 0n })
  })
})

describe('splitSettlement rejections', () => {
  it('Given a platform fee above the fee, when split, then it is rejected for the dead-letter topic', () => {
    const result = splitSettlement(10n, 11n, DEFAULT_FEE_SPLIT)
    expect(result.ok).toBe(false)
    expect(result).toMatchObject({ reason: 'platform-fee-exceeds-fee' })
  })

  it('Given a negative amount or an invalid split, when split, then it throws (a bug upstream, not a log fact)', () => {
    expect(() => splitSettlement(-1n, 0n, DEFAULT_FEE_SPLIT)).toThrow(RangeError)
    expect(() => splitSettlement(10n, -1n, DEFAULT_FEE_SPLIT)).toThrow(RangeError)
    expect(() => splitSettlement(10n, 0n, { modelBps: 3000, stakersBps: 1000, dataBps: 5999 })).toThrow(RangeError)
  })
})

describe('validateFeeSplit', () => {
  it('Given basis points summing to 10000, then the split is valid', () => {
    expect(validateFeeSplit({ modelBps: 0, stakersBps: 0, dataBps: 10_000 })).toEqual({
      ok: true,
      value: { modelBps: 0, stakersBps: 0, dataBps: 10_000 },
    })
  })

  it.each([
    ['summing to 9999', { modelBps: 3000, stakersBps: 999, dataBps: 6000 }],
    ['summing to 10001', { modelBps: 3001, stakersBps: 1000, dataBps: 6000 }],
    ['with a fraction', { modelBps: 2999.5, stakersBps: 1000.5, dataBps: 6000 }],
    ['with a negative part', { modelBps: -1, stakersBps: 1001, dataBps: 10_000 }],
    ['with a part above 10000', { modelBps: 10_001, stakersBps: -1, dataBps: 0 }],
  ])('Given basis points %s, then the split is invalid', (_, split) => {
    expect(validateFeeSplit(split)).toMatchObject({ ok: false, reason: 'invalid-fee-split' })
  })
})

const feeSplit = fc
  .tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }))
  .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const)
  .map(([low, high]) => ({ modelBps: low, stakersBps: high - low, dataBps: 10_000 - high }))
const feeAndPlatformFee = fc
  .tuple(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }))
  .map(([a, b]): [bigint, bigint] => (a >= b ? [a, b] : [b, a]))

describe('splitSettlement properties', () => {
  it('Given any fee, platform fee <= fee and valid split, when split, then net = fee - platform fee = model + stakers + data', () => {
    fc.assert(
      fc.property(feeAndPlatformFee, feeSplit, ([fee, platformFee], split) => {
        const { net, model, stakers, data } = accepted(fee, platformFee, split)
        expect(net).toBe(fee - platformFee)
        expect(model + stakers + data).toBe(net)
      }),
    )
  })

  it('Given any net and split, when split, then each part is floor(net * bps / 10000) or one more', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), feeSplit, (net, split) => {
        const parts = accepted(net, 0n, split)
        for (const [amount, bps] of [
          [parts.model, split.modelBps],
          [parts.stakers, split.stakersBps],
          [parts.data, split.dataBps],
        ] as const) {
          const floor = (net * BigInt(bps)) / 10_000n
          expect(amount - floor).toBeGreaterThanOrEqual(0n)
          expect(amount - floor).toBeLessThanOrEqual(bps === 0 ? 0n : 1n)
        }
      }),
    )
  })

  it('Given a platform fee above the fee, whatever the amounts, then the settlement is always rejected', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n }), fc.bigInt({ min: 1n, max: 2n ** 64n }), (fee, excess) => {
        expect(splitSettlement(fee, fee + excess, DEFAULT_FEE_SPLIT)).toMatchObject({
          ok: false,
          reason: 'platform-fee-exceeds-fee',
        })
      }),
    )
  })
})

describe('splitDataPart', () => {
  it('Given the same contribution listed twice, when split, then its weights are summed before rounding', () => {
    const result = splitDataPart(10n, [
      { contributionId: '10', weight: 1n },
      { contributionId: '9', weight: 1n },
      { contributionId: '10', weight: 1n },
    ])
    // Merged: "9" weight 1, "10" weight 2 (W = 3): 10/3 = 3 r1 and 20/3 = 6 r2; the one unit left goes to "10".
    // Unmerged entries (3 r1 each) would have handed the unit to "9" instead.
    expect([...result]).toEqual([
      ['9', 3n],
      ['10', 7n],
    ])
  })

  it('Given contributions "10" and "9" tied, when the data part is split, then "9" takes the leftover unit', () => {
    const result = splitDataPart(1n, [
      { contributionId: '10', weight: 5n },
      { contributionId: '9', weight: 5n },
    ])
    expect(result.get('9')).toBe(1n)
    expect(result.get('10')).toBe(0n)
  })

  it('Given an attribution of weight 0 next to positive ones, when split, then it is listed with 0', () => {
    const result = splitDataPart(9n, [
      { contributionId: '1', weight: 0n },
      { contributionId: '2', weight: 2n },
      { contributionId: '3', weight: 1n },
    ])
    expect([...result]).toEqual([
      ['1', 0n],
      ['2', 6n],
      ['3', 3n],
    ])
  })

  it('Given a negative weight hidden in a positive sum for the same id, when split, then it is refused', () => {
    const attributions = [
      { contributionId: '1', weight: -1n },
      { contributionId: '1', weight: 2n },
    ]
    expect(() => splitDataPart(5n, attributions)).toThrow(AllocationError)
  })

  it('Given no positive weight, when split, then it throws zero-weight-sum so the caller falls back', () => {
    expect(() => splitDataPart(5n, [{ contributionId: '1', weight: 0n }])).toThrow(
      expect.objectContaining({ reason: 'zero-weight-sum' }),
    )
    expect(() => splitDataPart(5n, [])).toThrow(expect.objectContaining({ reason: 'zero-weight-sum' }))
  })

  it('Given a contribution id that is not a canonical decimal, when split, then it is refused', () => {
    expect(() => splitDataPart(5n, [{ contributionId: '0x1', weight: 1n }])).toThrow(TypeError)
  })

  it('Given any attributions with repeated ids, when split, then the result equals splitting the pre-summed weights', () => {
    const attribution = fc.record({
      contributionId: fc.integer({ min: 0, max: 5 }).map(String),
      weight: fc.bigInt({ min: 1n, max: 1_000n }),
    })
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.array(attribution, { minLength: 1 }), (data, list) => {
        const summed = new Map<string, bigint>()
        for (const a of list) summed.set(a.contributionId, (summed.get(a.contributionId) ?? 0n) + a.weight)
        const merged = [...summed].map(([contributionId, weight]) => ({ contributionId, weight }))
        const result = splitDataPart(data, list)
        expect(result).toEqual(splitDataPart(data, merged))
        expect([...result.values()].reduce((a, b) => a + b, 0n)).toBe(data)
      }),
    )
  })
})

describe('equalWeights (the fallback)', () => {
  it('Given ids with a repeat, then each distinct id gets weight 1 once', () => {
    expect(equalWeights(['3', '1', '3'])).toEqual([
      { contributionId: '3', weight: 1n },
      { contributionId: '1', weight: 1n },
    ])
  })

  it('Given three contributions, when 10 wei are split equally, then the lowest id takes the leftover unit', () => {
    expect([...splitDataPart(10n, equalWeights(['3', '1', '2']))]).toEqual([
      ['1', 4n],
      ['2', 3n],
      ['3', 3n],
    ])
  })
})
