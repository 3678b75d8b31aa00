import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  AllocationError,
  allocate,
  compareAddresses,
  compareDecimalIds,
  compareIndexes,
  type WeightedPart,
} from '../../src/domain/allocate.js'

const byIndex = (weights: bigint[]): WeightedPart<number>[] => weights.map((weight, key) => ({ key, weight }))

function allocationFailure(run: () => unknown): string | undefined {
  try {
    run()
  } catch (err) {
    if (err instanceof AllocationError) return err.reason
    throw err
  }
  return undefined
}

describe('allocate: worked examples', () => {
  it('Given 100 over three equal weights, when allocated, then the one leftover unit goes to index 0', () => {
    // floor(100/3) = 33 each, remainders all 1, leftover 100 - 99 = 1: tie, lowest key wins.
    expect(allocate(100n, byIndex([1n, 1n, 1n]), compareIndexes)).toEqual([34n, 33n, 33n])
  })

  it('Given 10 over weights 3,3,4, when allocated, then the shares are exact', () => {
    expect(allocate(10n, byIndex([3n, 3n, 4n]), compareIndexes)).toEqual([3n, 3n, 4n])
  })

  it('Given 11 over weights 3,3,4, when allocated, then the largest remainder (4) takes the leftover unit', () => {
    // 33/10 = 3 r3, 33/10 = 3 r3, 44/10 = 4 r4: floors sum to 10, one unit left.
    expect(allocate(11n, byIndex([3n, 3n, 4n]), compareIndexes)).toEqual([3n, 3n, 5n])
  })

  it('Given 12 over weights 3,3,4, when allocated, then remainder 8 wins, then the tie at 6 goes to the lower key', () => {
    // 36/10 = 3 r6, 3 r6, 48/10 = 4 r8: floors sum to 10, two units left.
    expect(allocate(12n, byIndex([3n, 3n, 4n]), compareIndexes)).toEqual([4n, 3n, 5n])
  })

  it('Given keys listed out of order, when remainders tie, then the lower keys win whatever their position', () => {
    const parts = [2, 0, 1].map((key) => ({ key, weight: 1n }))
    // floor(2/3) = 0 each with remainder 2: keys 0 and 1 take the two units.
    expect(allocate(2n, parts, compareIndexes)).toEqual([0n, 1n, 1n])
  })

  it('Given decimal-string ids "10" and "9" tied, when allocated, then "9" wins because ids compare as numbers', () => {
    const parts = [
      { key: '10', weight: 1n },
      { key: '9', weight: 1n },
    ]
    // A lexical comparison would put "10" first and hand it the unit.
    expect(allocate(1n, parts, compareDecimalIds)).toEqual([0n, 1n])
  })

  it('Given addresses in different letter cases tied, when allocated, then the lower lower-case hex wins', () => {
    const upperB = `0x${'BB'.repeat(20)}`
    const lowerA = `0x${'aa'.repeat(20)}`
    // Case-sensitively "0xBB.." < "0xaa.." ('B' < 'a'); by lower-case hex "0xaa.." comes first.
    expect(allocate(1n, [{ key: upperB, weight: 1n }, { key: lowerA, weight: 1n }], compareAddresses)).toEqual([0n, 1n])
  })

  it('Given parts of weight 0, when allocated, then they get 0 and the others share everything', () => {
    // W = 3: 10*1/3 = 3 r1, 10*2/3 = 6 r2, one unit left for the remainder 2.
    expect(allocate(10n, byIndex([0n, 1n, 0n, 2n]), compareIndexes)).toEqual([0n, 3n, 0n, 7n])
  })

  it('Given a weight-0 part with the lowest key, when a unit is left over, then it still gets 0', () => {
    // W = 2: remainders 0, 1, 1: the unit goes to key 1, never to key 0.
    expect(allocate(1n, byIndex([0n, 1n, 1n]), compareIndexes)).toEqual([0n, 1n, 0n])
  })

  it('Given a total of 0, when allocated, then every part gets 0', () => {
    expect(allocate(0n, byIndex([5n, 1n, 9n]), compareIndexes)).toEqual([0n, 0n, 0n])
  })

  it('Given a single part, when allocated, then it gets the whole total', () => {
    expect(allocate(12_345n, byIndex([7n]), compareIndexes)).toEqual([12_345n])
  })

  it('Given a 2^255 total over powers of two, when allocated, then the shares are exact to the wei', () => {
    const weights = [2n ** 200n, 2n ** 200n, 2n ** 201n] // W = 2^202
    expect(allocate(2n ** 255n, byIndex(weights), compareIndexes)).toEqual([2n ** 253n, 2n ** 253n, 2n ** 254n])
  })

  it('Given a 2^255 total over three equal weights, when allocated, then the two leftover units go to keys 0 and 1', () => {
    // 2^255 ≡ (-1)^255 ≡ 2 (mod 3): each floor is (2^255 - 2) / 3 and two units are left.
    const third = (2n ** 255n - 2n) / 3n
    expect(allocate(2n ** 255n, byIndex([1n, 1n, 1n]), compareIndexes)).toEqual([third + 1n, third + 1n, third])
  })

  it('Given the largest uint256 total and 10^30-scale weights in ratio 1:3, when allocated, then it splits 1:3 after rounding', () => {
    const total = 2n ** 256n - 1n
    // total = 4q + 3: floors q and 3q + 2 (3*total = 12q + 9 = 4(3q + 2) + 1), one unit left for the remainder 3.
    const q = total / 4n
    expect(allocate(total, byIndex([10n ** 30n, 3n * 10n ** 30n]), compareIndexes)).toEqual([q + 1n, 3n * q + 2n])
  })
})

describe('allocate: inputs the rule does not define', () => {
  it('Given a negative total, when allocated, then it fails with negative-total', () => {
    expect(allocationFailure(() => allocate(-1n, byIndex([1n]), compareIndexes))).toBe('negative-total')
  })

  it('Given a negative weight, when allocated, then it fails with negative-weight', () => {
    expect(allocationFailure(() => allocate(5n, byIndex([3n, -1n]), compareIndexes))).toBe('negative-weight')
  })

  it('Given only zero weights or no parts, when allocated, then it fails with zero-weight-sum for the caller to fall back', () => {
    expect(allocationFailure(() => allocate(5n, byIndex([0n, 0n]), compareIndexes))).toBe('zero-weight-sum')
    expect(allocationFailure(() => allocate(0n, [], compareIndexes))).toBe('zero-weight-sum')
  })

  it('Given the same key twice (also as the same address in two cases), when allocated, then it fails with duplicate-key', () => {
    const twice = [
      { key: 1, weight: 1n },
      { key: 1, weight: 2n },
    ]
    expect(allocationFailure(() => allocate(5n, twice, compareIndexes))).toBe('duplicate-key')
    const sameAddress = [`0x${'ab'.repeat(20)}`, `0x${'AB'.repeat(20)}`].map((key) => ({ key, weight: 1n }))
    expect(allocationFailure(() => allocate(5n, sameAddress, compareAddresses))).toBe('duplicate-key')
  })

  it('Given malformed ids or addresses, when compared, then the comparator refuses them', () => {
    for (const id of ['09', '0x9', '-1', ' 9', '']) {
      expect(() => compareDecimalIds(id, '1')).toThrow(TypeError)
      expect(() => compareDecimalIds('1', id)).toThrow(TypeError)
    }
    const zero = `0x${'00'.repeat(20)}`
    for (const address of ['0xabc', `${'ab'.repeat(20)}`, `0x${'zz'.repeat(20)}`]) {
      expect(() => compareAddresses(address, zero)).toThrow(TypeError)
      expect(() => compareAddresses(zero, address)).toThrow(TypeError)
    }
  })
})

// Generators: weights often repeat (ties), sometimes 0, and sometimes huge.
const weight = fc.oneof(fc.constantFrom(0n, 1n, 2n, 3n), fc.bigInt({ min: 0n, max: 2n ** 128n }))
const total = fc.oneof(fc.bigInt({ min: 0n, max: 1_000n }), fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }))
const weights = fc.array(weight, { minLength: 1, maxLength: 12 }).filter((ws) => ws.some((w) => w > 0n))
const idParts = fc
  .uniqueArray(fc.bigInt({ min: 0n, max: 10n ** 20n }), { minLength: 1, maxLength: 12 })
  .chain((ids) => fc.tuple(fc.constant(ids.map(String)), fc.array(weight, { minLength: ids.length, maxLength: ids.length })))
  .filter(([, ws]) => ws.some((w) => w > 0n))
  .map(([ids, ws]) => ids.map((key, i) => ({ key, weight: ws[i]! })))

describe('allocate: properties', () => {
  it('Given two uint256 ids as canonical decimals, when compared, then they are in numeric order', () => {
    const id = fc.oneof(fc.bigInt({ min: 0n, max: 1_000n }), fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }))
    fc.assert(
      fc.property(id, id, (a, b) => {
        expect(Math.sign(compareDecimalIds(String(a), String(b)))).toBe(a < b ? -1 : a > b ? 1 : 0)
      }),
    )
  })

  it('Given any total and weights, when allocated, then the parts sum exactly to the total and none is negative', () => {
    fc.assert(
      fc.property(total, weights, (t, ws) => {
        const amounts = allocate(t, byIndex(ws), compareIndexes)
        expect(amounts.reduce((a, b) => a + b, 0n)).toBe(t)
        expect(amounts.every((amount) => amount >= 0n)).toBe(true)
      }),
    )
  })

  it('Given any total and weights, when allocated, then each part is the floor of its exact share or one more, and weight 0 gets 0', () => {
    fc.assert(
      fc.property(total, weights, (t, ws) => {
        const weightSum = ws.reduce((a, b) => a + b, 0n)
        allocate(t, byIndex(ws), compareIndexes).forEach((amount, i) => {
          const floor = (t * ws[i]!) / weightSum
          expect([floor, floor + 1n]).toContain(amount)
          if (ws[i] === 0n) expect(amount).toBe(0n)
        })
      }),
    )
  })

  it('Given a part that got a leftover unit and one that did not, then the first has the larger remainder or ties with a lower key', () => {
    fc.assert(
      fc.property(total, idParts, (t, parts) => {
        const weightSum = parts.reduce((a, p) => a + p.weight, 0n)
        const amounts = allocate(t, parts, compareDecimalIds)
        const rounded = parts.map((p, i) => ({
          id: BigInt(p.key),
          remainder: (t * p.weight) % weightSum,
          gotUnit: amounts[i]! > (t * p.weight) / weightSum,
        }))
        for (const winner of rounded.filter((r) => r.gotUnit)) {
          for (const loser of rounded.filter((r) => !r.gotUnit)) {
            const beats = winner.remainder > loser.remainder || (winner.remainder === loser.remainder && winner.id < loser.id)
            expect(beats).toBe(true)
          }
        }
      }),
    )
  })

  it('Given the same parts in another order, when allocated, then every key gets the same amount', () => {
    const shuffled = idParts.chain((parts) =>
      fc.tuple(fc.constant(parts), fc.shuffledSubarray(parts, { minLength: parts.length, maxLength: parts.length })),
    )
    fc.assert(
      fc.property(total, shuffled, (t, [parts, permuted]) => {
        const byKey = (ps: WeightedPart<string>[]) => {
          const amounts = allocate(t, ps, compareDecimalIds)
          return new Map(ps.map((p, i) => [p.key, amounts[i]]))
        }
        expect(byKey(permuted)).toEqual(byKey(parts))
      }),
    )
  })

  it('Given all weights scaled by the same positive constant, when allocated, then nothing changes', () => {
    fc.assert(
      fc.property(total, weights, fc.bigInt({ min: 1n, max: 2n ** 64n }), (t, ws, factor) => {
        const scaled = ws.map((w) => w * factor)
        expect(allocate(t, byIndex(scaled), compareIndexes)).toEqual(allocate(t, byIndex(ws), compareIndexes))
      }),
    )
  })
})
