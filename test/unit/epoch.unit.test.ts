import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_EPOCH_BLOCKS, epochOf, epochRange, isEpochClosed } from '../../src/domain/epoch.js'

describe('epochs of the default length (43,200 blocks = one day of 2 s blocks)', () => {
  it('Given the default, then an epoch is 43,200 blocks', () => {
    expect(DEFAULT_EPOCH_BLOCKS).toBe(24 * 60 * 60 / 2)
  })

  it('Given blocks 0 and 43,199, then both are in epoch 0; block 43,200 starts epoch 1', () => {
    expect(epochOf(0, DEFAULT_EPOCH_BLOCKS)).toBe(0)
    expect(epochOf(43_199, DEFAULT_EPOCH_BLOCKS)).toBe(0)
    expect(epochOf(43_200, DEFAULT_EPOCH_BLOCKS)).toBe(1)
    expect(epochOf(86_399, DEFAULT_EPOCH_BLOCKS)).toBe(1)
    expect(epochOf(86_400, DEFAULT_EPOCH_BLOCKS)).toBe(2)
  })

  it('Given epochs 0 and 1, then their ranges are 0..43,199 and 43,200..86,399', () => {
    expect(epochRange(0, DEFAULT_EPOCH_BLOCKS)).toEqual({ first: 0, last: 43_199 })
    expect(epochRange(1, DEFAULT_EPOCH_BLOCKS)).toEqual({ first: 43_200, last: 86_399 })
  })

  it('Given epoch 0, then it is open at finalized height 43,198 and closed from 43,199 on', () => {
    expect(isEpochClosed(0, 0, DEFAULT_EPOCH_BLOCKS)).toBe(false)
    expect(isEpochClosed(0, 43_198, DEFAULT_EPOCH_BLOCKS)).toBe(false)
    expect(isEpochClosed(0, 43_199, DEFAULT_EPOCH_BLOCKS)).toBe(true)
    expect(isEpochClosed(0, 43_200, DEFAULT_EPOCH_BLOCKS)).toBe(true)
  })

  it('Given epoch 1, then it closes exactly when the finalized height reaches 86,399', () => {
    expect(isEpochClosed(1, 86_398, DEFAULT_EPOCH_BLOCKS)).toBe(false)
    expect(isEpochClosed(1, 86_399, DEFAULT_EPOCH_BLOCKS)).toBe(true)
  })

  it('Given one-block epochs, then each block is its own epoch and closes when finalized', () => {
    expect(epochOf(7, 1)).toBe(7)
    expect(epochRange(7, 1)).toEqual({ first: 7, last: 7 })
    expect(isEpochClosed(7, 6, 1)).toBe(false)
    expect(isEpochClosed(7, 7, 1)).toBe(true)
  })
})

describe('epoch input checks', () => {
  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('Given block number %s, then epochOf refuses it', (block) => {
    expect(() => epochOf(block, DEFAULT_EPOCH_BLOCKS)).toThrow(RangeError)
  })

  it.each([0, -5, 2.5])('Given an epoch length of %s blocks, then every function refuses it', (epochBlocks) => {
    expect(() => epochOf(10, epochBlocks)).toThrow(RangeError)
    expect(() => epochRange(1, epochBlocks)).toThrow(RangeError)
    expect(() => isEpochClosed(1, 10, epochBlocks)).toThrow(RangeError)
  })

  it('Given a negative or fractional epoch or height, then they are refused', () => {
    expect(() => epochRange(-1, DEFAULT_EPOCH_BLOCKS)).toThrow(RangeError)
    expect(() => epochRange(0.5, DEFAULT_EPOCH_BLOCKS)).toThrow(RangeError)
    expect(() => isEpochClosed(0, -1, DEFAULT_EPOCH_BLOCKS)).toThrow(RangeError)
    expect(() => isEpochClosed(0, 1.5, DEFAULT_EPOCH_BLOCKS)).toThrow(RangeError)
  })

  it('Given an epoch whose last block is beyond 2^53, then its range is refused', () => {
    expect(() => epochRange(2 ** 52, 4)).toThrow(RangeError)
  })
})

describe('epoch properties', () => {
  const epochBlocks = fc.integer({ min: 1, max: 100_000 })
  const block = fc.integer({ min: 0, max: 2 ** 40 })

  it('Given any block, then the range of its epoch contains it', () => {
    fc.assert(
      fc.property(block, epochBlocks, (b, n) => {
        const { first, last } = epochRange(epochOf(b, n), n)
        expect(first).toBeLessThanOrEqual(b)
        expect(b).toBeLessThanOrEqual(last)
        expect(last - first + 1).toBe(n)
      }),
    )
  })

  it('Given consecutive epochs, then they abut without gap or overlap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 20 }), epochBlocks, (e, n) => {
        expect(epochRange(e + 1, n).first).toBe(epochRange(e, n).last + 1)
      }),
    )
  })

  it('Given a finalized height, then an epoch is closed iff the height is at or past its last block', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 2 ** 30 }), epochBlocks, (e, h, n) => {
        expect(isEpochClosed(e, h, n)).toBe(h >= (e + 1) * n - 1)
      }),
    )
  })
})
