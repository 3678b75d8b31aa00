// The explorer checks each payout's Merkle proof itself, in the browser, against its epoch's root. Given the
// projector's own payout tree, every leaf verifies, and a changed amount, account, proof or root does not.
import { describe, expect, it } from 'vitest'
import { payoutTree } from '../../src/domain/payouts.js'
import { verifyPayout } from '../../web/src/pages/contributor.js'

const account = (i: number) => `0x${(0xbeef00 + i).toString(16).padStart(40, '0')}`

describe('the explorer\'s in-browser proof check', () => {
  const tree = payoutTree(Array.from({ length: 7 }, (_, i) => ({ account: account(i), amount: 10n ** 18n * BigInt(i + 1) + 7n })))
  const payout = (leaf: (typeof tree.leaves)[number], root = tree.root) => ({
    amount: leaf.amount.toString(),
    asModelOwner: '0',
    asStaker: '0',
    asContributor: leaf.amount.toString(),
    proof: leaf.proof,
    epoch: { number: 3, root },
    claimedAmount: null,
  })

  it('verifies every leaf of the projector\'s tree against its root', () => {
    expect(tree.leaves).toHaveLength(7)
    for (const leaf of tree.leaves) expect(verifyPayout(leaf.account, payout(leaf))).toBe(true)
  })

  it('refuses a changed amount, another account, a shortened proof, another root, or no root', () => {
    const [leaf, other] = tree.leaves
    expect(verifyPayout(leaf.account, { ...payout(leaf), amount: (leaf.amount + 1n).toString() })).toBe(false)
    expect(verifyPayout(other.account, payout(leaf))).toBe(false)
    expect(verifyPayout(leaf.account, { ...payout(leaf), proof: leaf.proof.slice(1) })).toBe(false)
    expect(verifyPayout(leaf.account, payout(leaf, `0x${'11'.repeat(32)}`))).toBe(false)
    expect(verifyPayout(leaf.account, payout(leaf, null))).toBe(false)
  })
})
