/**
 * Epochs: fixed windows of blocks at whose close payouts are fixed (docs/money.md, "Epochs"). Block numbers and
 * epochs are `number`s, checked to be safe non-negative integers (a chain with more than 2^53 blocks is far off).
 */

export interface BlockRange {
  first: number
  last: number
}

export function epochOf(blockNumber: number, epochBlocks: number): number {
  assertBlockCount(epochBlocks)
  assertNonNegativeInteger('blockNumber', blockNumber)
  return Math.floor(blockNumber / epochBlocks)
}

/** The first and last block of an epoch, both inclusive. */
export function epochRange(epoch: number, epochBlocks: number): BlockRange {
  assertBlockCount(epochBlocks)
  assertNonNegativeInteger('epoch', epoch)
  const first = epoch * epochBlocks
  const last = first + epochBlocks - 1
  if (!Number.isSafeInteger(last)) throw new RangeError(`epoch ${epoch} ends beyond the safe integer range`)
  return { first, last }
}

function assertBlockCount(epochBlocks: number): void {
  if (!Number.isSafeInteger(epochBlocks) || epochBlocks < 1) {
    throw new RangeError(`epochBlocks must be a positive integer: ${epochBlocks}`)
  }
}

function assertNonNegativeInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer: ${value}`)
  }
}
