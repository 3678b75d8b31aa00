import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { epochOf, epochRange } from '../../src/domain/epoch.js'

/** The configuration's epoch length when EPOCH_BLOCKS is unset. */
const DEFAULT_EPOCH_BLOCKS = loadConfig({}).projection.epochBlocks

describe('epochs of the default length (43,200 blocks = one day of 2 s blocks)', () => {
  it('Given no EPOCH_BLOCKS in the environment, then the configuration makes an epoch one day of 2 s blocks', () => {
    expect(loadConfig({}).projection.epochBlocks).toBe(24 * 60 * 60 / 2)
    expect(loadConfig({ EPOCH_BLOCKS: '120' }).projection.epochBlocks).toBe(120)
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

  it('Given one-block epochs, then each block is its own epoch', () => {
    expect(epochOf(7, 1)).toBe(7)
    expect(epochRange(7, 1)).toEqual({ first: 7, last: 7 })
  })
})

describe('epoch input checks', () => {
  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('Given block number %s, then epochOf refuses it', (block) => {
    expect(() => epochOf(block, DEFAULT_EPOCH_BLOCKS)).toThrow(RangeError)
  })

  it.each([0, -5, 2.5])('Given an epoch length of %s blocks, then epochOf and epochRange refuse it', (epochBlocks) => {
    expect(() => epochOf(10, epochBlocks)).toThrow(RangeError)
    expect(() => epochRange(1, epochBlocks)).toThrow(RangeError)
  })

  it('Given a negative or fractional epoch, then its range is refused', () => {
    expect(() => epochRange(-1, DEFAULT_EPOCH_BLOCKS)).toThrow(RangeError)
    expect(() => epochRange(0.5, DEFAULT_EPOCH_BLOCKS)).toThrow(RangeError)
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
})
