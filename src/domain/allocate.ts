/**
 * The one allocation rule behind every split of money (docs/money.md, "One allocation function"), exact to the wei so that a
 * reward engine can recompute every payout.
 */

export interface WeightedPart<K> {
  key: K
  weight: bigint
}

export type AllocationFailure = 'negative-total' | 'negative-weight' | 'zero-weight-sum' | 'duplicate-key'

/** Thrown for inputs the rule does not define; `reason` lets a caller tell them apart. */
export class AllocationError extends Error {
  constructor(
    readonly reason: AllocationFailure,
    message: string,
  ) {
    super(message)
    this.name = 'AllocationError'
  }
}

/**
 * Splits `total` over `parts` in proportion to their weights. Returns the amounts in the order of `parts`.
 *
 * Each part first gets `floor(total * w_i / W)` (W = sum of weights); the units left over go one each to the
 * parts with the largest remainders `(total * w_i) mod W`, ties to the lower key by `compareKeys`. The amounts
 * always sum to `total`, a part of weight 0 gets 0, and no amount depends on the order of `parts`.
 *
 * Throws an `AllocationError` on a negative total or weight, on duplicate keys (their tie order would be
 * undefined: merge them first), and when every weight is 0 (or there are no parts): the rule gives no answer
 * then, and what to do instead (equal weights, another recipient) is the caller's decision.
 */
export function allocate<K>(
  total: bigint,
  parts: readonly WeightedPart<K>[],
  compareKeys: (a: K, b: K) => number,
): bigint[] {
  if (total < 0n) throw new AllocationError('negative-total', `cannot allocate a negative total: ${total}`)
  let weightSum = 0n
  for (const { key, weight } of parts) {
    if (weight < 0n) {
      throw new AllocationError('negative-weight', `negative weight ${weight} for key ${String(key)}`)
    }
    weightSum += weight
  }
  if (weightSum === 0n) {
    throw new AllocationError('zero-weight-sum', `no positive weight among ${parts.length} part(s)`)
  }
  assertUniqueKeys(parts, compareKeys)

  const amounts = parts.map(({ weight }) => (total * weight) / weightSum)
  const remainders = parts.map(({ weight }) => (total * weight) % weightSum)
  const leftover = Number(total - amounts.reduce((sum, amount) => sum + amount, 0n))
  // leftover < number of parts with a positive remainder (each remainder < W and they sum to leftover * W),
  // so only parts with weight > 0 ever receive a unit.
  const byLargestRemainder = parts
    .map((_, index) => index)
    .sort((a, b) => {
      if (remainders[a] !== remainders[b]) return remainders[a]! > remainders[b]! ? -1 : 1
      return compareKeys(parts[a]!.key, parts[b]!.key)
    })
  for (const index of byLargestRemainder.slice(0, leftover)) amounts[index] = amounts[index]! + 1n
  return amounts
}

function assertUniqueKeys<K>(parts: readonly WeightedPart<K>[], compareKeys: (a: K, b: K) => number): void {
  const keys = parts.map((part) => part.key).sort(compareKeys)
  for (let i = 1; i < keys.length; i++) {
    if (compareKeys(keys[i - 1]!, keys[i]!) === 0) {
      throw new AllocationError('duplicate-key', `key ${String(keys[i])} appears more than once`)
    }
  }
}

/** Key order for splits keyed by position (the fee split: model, stakers, data). */
export function compareIndexes(a: number, b: number): number {
  return a - b
}

const DECIMAL_ID = /^(0|[1-9][0-9]*)$/

/**
 * Key order for uint256 ids as decimal strings: numeric, so "9" comes before "10". Canonical decimals (no sign,
 * no leading 0) order by length first, then digit by digit, which spares a bigint per comparison in every sort.
 */
export function compareDecimalIds(a: string, b: string): number {
  if (!DECIMAL_ID.test(a) || !DECIMAL_ID.test(b)) throw new TypeError(`not canonical decimal ids: ${JSON.stringify([a, b])}`)
  if (a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}

/** Reads a uint256 id given as a decimal string; rejects anything but the canonical form (no sign, no leading 0). */
export function parseDecimalId(id: string): bigint {
  if (!DECIMAL_ID.test(id)) throw new TypeError(`not a canonical decimal id: ${JSON.stringify(id)}`)
  return BigInt(id)
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/

/** The canonical form of an address everywhere in the domain: lower-case 0x hex. */
export function lowerCaseAddress(address: string): string {
  if (!ADDRESS.test(address)) throw new TypeError(`not an address: ${JSON.stringify(address)}`)
  return address.toLowerCase()
}

/** Key order for addresses: by lower-case hex, which for fixed-width hex is also numeric order. */
export function compareAddresses(a: string, b: string): number {
  const left = lowerCaseAddress(a)
  const right = lowerCaseAddress(b)
  return left < right ? -1 : left > right ? 1 : 0
}
