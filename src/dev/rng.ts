/**
 * A small seeded pseudo-random generator for the dev workload, so a seed replays the same activity.
 *
 * The core is mulberry32: a 32-bit state advanced by a Weyl step (adding the odd constant 0x6d2b79f5, so every
 * one of the 2^32 states is visited once per period) and scrambled by xor-shifts and multiplications into one
 * uint32 per call. It is not cryptographic and need not be: it only has to be fast, well mixed and identical on
 * every platform (it uses only 32-bit integer operations, no floating point).
 */
export interface Rng {
  /** The next uint32. */
  uint32(): number
  /** An integer in [min, max], both inclusive; the span may be at most 2^21 (use `bigint` for wider ones). */
  int(min: number, max: number): number
  /** True with probability `percent` / 100 (an integer percentage keeps the draws platform-independent). */
  percent(percent: number): boolean
  /** A bigint in [min, max], both inclusive, from 96 random bits (the modulo bias is below 2^-32 for spans up to 2^64). */
  bigint(min: bigint, max: bigint): bigint
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T
  /** `count` distinct elements of `items` (all of them if there are fewer), in draw order. */
  sample<T>(items: readonly T[], count: number): T[]
}

const WEYL_INCREMENT = 0x6d2b79f5
const TWO_POW_32 = 2 ** 32
/** uint32 * span stays below 2^53, so the multiply-and-shift below is exact in a double. */
const MAX_INT_SPAN = 2 ** 21

export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_POW_32) {
    throw new RangeError(`the seed must be a uint32: ${seed}`)
  }
  let state = seed | 0

  const uint32 = (): number => {
    state = (state + WEYL_INCREMENT) | 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  const int = (min: number, max: number): number => {
    const span = max - min + 1
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || span < 1 || span > MAX_INT_SPAN) {
      throw new RangeError(`invalid integer range [${min}, ${max}]`)
    }
    // Multiply-and-shift maps the uint32 onto the span without the low-bit bias of a modulo.
    return min + Math.floor((uint32() * span) / TWO_POW_32)
  }

  const bigint = (min: bigint, max: bigint): bigint => {
    if (max < min) throw new RangeError(`invalid bigint range [${min}, ${max}]`)
    const bits = (BigInt(uint32()) << 64n) | (BigInt(uint32()) << 32n) | BigInt(uint32())
    return min + (bits % (max - min + 1n))
  }

  const sample = <T>(items: readonly T[], count: number): T[] => {
    const pool = [...items]
    const chosen: T[] = []
    while (chosen.length < count && pool.length > 0) {
      chosen.push(pool.splice(int(0, pool.length - 1), 1)[0]!)
    }
    return chosen
  }

  return {
    uint32,
    int,
    percent: (percent) => int(0, 99) < percent,
    bigint,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('cannot pick from an empty array')
      return items[int(0, items.length - 1)]!
    },
    sample,
  }
}
