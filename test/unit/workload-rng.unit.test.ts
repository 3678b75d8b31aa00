// The workload's seeded generator: reproducible, within its ranges, roughly uniform.
import { describe, expect, it } from 'vitest'
import { createRng } from '../../src/dev/rng.js'

describe('the seeded generator', () => {
  it('Given the same seed, then the same numbers; another seed, other numbers', () => {
    const draw = (seed: number) => Array.from({ length: 100 }, () => createRng(seed).uint32())
    const sequence = (seed: number) => {
      const rng = createRng(seed)
      return Array.from({ length: 100 }, () => rng.uint32())
    }
    expect(sequence(42)).toEqual(sequence(42))
    expect(sequence(43)).not.toEqual(sequence(42))
    expect(new Set(draw(42)).size).toBe(1) // a fresh generator starts at the same point
    expect(new Set(sequence(42)).size).toBe(100)
  })

  it('Given ranges, then every draw stays within them and covers them', () => {
    const rng = createRng(1)
    const ints = Array.from({ length: 6_000 }, () => rng.int(1, 6))
    expect(Math.min(...ints)).toBe(1)
    expect(Math.max(...ints)).toBe(6)
    for (let face = 1; face <= 6; face++) {
      const count = ints.filter((n) => n === face).length
      expect(count).toBeGreaterThan(850) // 1,000 expected
      expect(count).toBeLessThan(1_150)
    }
    for (let i = 0; i < 1_000; i++) {
      const wei = rng.bigint(10n ** 12n, 10n ** 17n - 1n)
      expect(wei >= 10n ** 12n && wei < 10n ** 17n).toBe(true)
    }
    expect(rng.bigint(5n, 5n)).toBe(5n)
    const sample = rng.sample([1, 2, 3, 4, 5], 3)
    expect(new Set(sample).size).toBe(3)
    expect(rng.sample([1, 2], 5).sort()).toEqual([1, 2])
  })

  it('Given a seed that is not a uint32, then it refuses it', () => {
    expect(() => createRng(-1)).toThrow(RangeError)
    expect(() => createRng(2 ** 32)).toThrow(RangeError)
    expect(() => createRng(1.5)).toThrow(RangeError)
  })
})
