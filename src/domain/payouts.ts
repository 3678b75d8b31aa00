import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { allocate, compareAddresses, lowerCaseAddress } from './allocate.js'

/**
 * An epoch's close (docs/money.md, "Epochs"): the stakers pool shared by principal, then one
 * payout leaf per address committed as an OpenZeppelin `StandardMerkleTree` root.
 */

export interface Stake {
  recipient: string
  /** Staked plus topped-up amounts, as of the epoch's last block (0 once unstaking was requested). */
  principal: bigint
}

export interface StakersPoolShares {
  /** One entry per lower-cased recipient with a positive principal, in address order. */
  shares: Map<string, bigint>
  /** The whole pool when nobody holds a positive stake, else 0: it carries over to the next epoch. */
  rolledOver: bigint
}

/** Shares the stakers pool by each recipient's summed principal, keyed by address for ties. */
export function stakersPoolShares(pool: bigint, stakes: readonly Stake[]): StakersPoolShares {
  if (pool < 0n) throw new RangeError(`negative stakers pool: ${pool}`)
  const principalByRecipient = new Map<string, bigint>()
  for (const { recipient, principal } of stakes) {
    if (principal < 0n) throw new RangeError(`negative principal ${principal} for ${recipient}`)
    const account = lowerCaseAddress(recipient)
    principalByRecipient.set(account, (principalByRecipient.get(account) ?? 0n) + principal)
  }
  const stakers = [...principalByRecipient]
    .filter(([, principal]) => principal > 0n)
    .sort(([a], [b]) => compareAddresses(a, b))
  if (stakers.length === 0) return { shares: new Map(), rolledOver: pool }

  const amounts = allocate(
    pool,
    stakers.map(([account, principal]) => ({ key: account, weight: principal })),
    compareAddresses,
  )
  return { shares: new Map(stakers.map(([account], index) => [account, amounts[index]!])), rolledOver: 0n }
}

export interface Payout {
  account: string
  amount: bigint
}

export interface PayoutLeaf extends Payout {
  /** Sibling hashes from the leaf up, as `MerkleProof.verify` and `StandardMerkleTree.verify` take them. */
  proof: string[]
}

export interface PayoutTree {
  /** `null` when nothing is paid: a tree needs at least one leaf, and there is nothing to claim. */
  root: string | null
  /** Sum of the leaves' amounts. */
  total: bigint
  /** One per account with a positive amount, lower-cased, in address order. */
  leaves: PayoutLeaf[]
}

export const PAYOUT_LEAF_ENCODING = ['address', 'uint256']
const MAX_UINT256 = 2n ** 256n - 1n

/**
 * Builds an epoch's payout tree. Amounts for the same account (in any letter case) are summed, since a leaf
 * carries all an address earned in the epoch. Zero amounts are left out: such a leaf could only prove a
 * claim of nothing, and leaving it out keeps the root independent of who merely earned 0.
 */
export function payoutTree(payouts: ReadonlyMap<string, bigint> | readonly Payout[]): PayoutTree {
  const entries: Iterable<readonly [string, bigint]> =
    payouts instanceof Map ? payouts : (payouts as readonly Payout[]).map((p) => [p.account, p.amount] as const)
  const amountByAccount = new Map<string, bigint>()
  for (const [account, amount] of entries) {
    if (amount < 0n) throw new RangeError(`negative payout ${amount} for ${account}`)
    const key = lowerCaseAddress(account)
    amountByAccount.set(key, (amountByAccount.get(key) ?? 0n) + amount)
  }
  const payable = [...amountByAccount]
    .filter(([, amount]) => amount > 0n)
    .sort(([a], [b]) => compareAddresses(a, b))
  const total = payable.reduce((sum, [, amount]) => sum + amount, 0n)
  if (payable.length === 0) return { root: null, total, leaves: [] }
  for (const [account, amount] of payable) {
    if (amount > MAX_UINT256) throw new RangeError(`payout ${amount} for ${account} exceeds uint256`)
  }

  const tree = StandardMerkleTree.of(
    payable.map(([account, amount]) => [account, amount.toString()]),
    PAYOUT_LEAF_ENCODING,
  )
  const leaves = payable.map(([account, amount], index) => ({ account, amount, proof: tree.getProof(index) }))
  return { root: tree.root, total, leaves }
}

/**
 * Whether `proof` shows that `account` may claim exactly `amount` under `root`. Throws on a malformed address or
 * an amount outside uint256 (no leaf can hold either); false for anything well-formed that does not verify.
 */
export function verifyPayout(root: string, account: string, amount: bigint, proof: readonly string[]): boolean {
  if (amount < 0n || amount > MAX_UINT256) throw new RangeError(`amount outside uint256: ${amount}`)
  const leaf = [lowerCaseAddress(account), amount.toString()]
  return StandardMerkleTree.verify(root, PAYOUT_LEAF_ENCODING, leaf, [...proof])
}

export interface EpochFlows {
  /** The net fee (fee − platform fee) of each settlement in the epoch. */
  netFees: Iterable<bigint>
  /** The stakers pool carried in from the previous epoch. */
  rolledIn: bigint
  /** Every payout amount of the epoch. */
  payouts: Iterable<bigint>
  /** The stakers pool carried out to the next epoch. */
  rolledOver: bigint
}

/**
 * Checks that an epoch pays out exactly what came in: payouts + rolled over = net fees + rolled in.
 * Returns paid-out minus came-in: 0n when it reconciles, positive when more is paid than came in.
 */
export function reconcileEpoch({ netFees, rolledIn, payouts, rolledOver }: EpochFlows): bigint {
  return sum(payouts) + rolledOver - (sum(netFees) + rolledIn)
}

function sum(amounts: Iterable<bigint>): bigint {
  let total = 0n
  for (const amount of amounts) total += amount
  return total
}
