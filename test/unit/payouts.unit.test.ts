import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import fc from 'fast-check'
import { concat, encodeAbiParameters, keccak256, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { equalWeights, splitDataPart, splitSettlement } from '../../src/domain/fee-split.js'
import { payoutTree, reconcileEpoch, stakersPoolShares, verifyPayout } from '../../src/domain/payouts.js'

const address = (byte: string) => `0x${byte.repeat(20)}`
/** The same address with its hex digits in upper case. */
const upperCase = (account: string) => `0x${account.slice(2).toUpperCase()}`
const OWNER = address('11')
const ALICE = address('aa')
const BOB = address('bb')
const CAROL = address('cc')
const STAKER = address('55')
/** The configuration's split when DEFAULT_FEE_SPLIT is unset (3000/1000/6000). */
const DEFAULT_FEE_SPLIT = loadConfig({}).projection.defaultFeeSplit

/** What OpenZeppelin's MerkleProof.sol does on chain, written out with viem: double-hashed leaf, sorted pairs. */
function rootFromProof(account: string, amount: bigint, proof: string[]): Hex {
  const encoded = encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [account as Hex, amount])
  let node = keccak256(keccak256(encoded))
  for (const sibling of proof as Hex[]) {
    node = keccak256(BigInt(node) < BigInt(sibling) ? concat([node, sibling]) : concat([sibling, node]))
  }
  return node
}

describe('stakersPoolShares', () => {
  it('Given repeated recipients in mixed case, when the pool is shared, then principals are summed per lower-cased address', () => {
    const { shares, rolledOver } = stakersPoolShares(10n, [
      { recipient: upperCase(ALICE), principal: 1n },
      { recipient: BOB, principal: 1n },
      { recipient: ALICE, principal: 1n },
    ])
    // Alice 2, Bob 1 (W = 3): 20/3 = 6 r2, 10/3 = 3 r1; the one unit left goes to Alice.
    expect([...shares]).toEqual([
      [ALICE, 7n],
      [BOB, 3n],
    ])
    expect(rolledOver).toBe(0n)
  })

  it('Given two stakers tied, when the pool is shared, then the lower lower-case address takes the leftover unit', () => {
        const { shares } = stakersPoolShares(1n, [
      { recipient: upperCase(BOB), principal: 4n },
      { recipient: ALICE, principal: 4n },
    ])
    expect(shares.get(ALICE)).toBe(1n)
    expect(shares.get(BOB)).toBe(0n)
  })

  it('Given nobody staked, when the pool is shared, then nothing is allocated and the whole pool rolls over', () => {
    expect(stakersPoolShares(42n, [])).toEqual({ shares: new Map(), rolledOver: 42n })
  })

  it('Given only stakes whose principal is 0 (unstaking requested), when the pool is shared, then the pool rolls over', () => {
    expect(stakersPoolShares(42n, [{ recipient: ALICE, principal: 0n }])).toEqual({ shares: new Map(), rolledOver: 42n })
  })

  it('Given a staker with principal 0 next to one with principal, when the pool is shared, then only the latter is listed', () => {
    const { shares, rolledOver } = stakersPoolShares(42n, [
      { recipient: ALICE, principal: 0n },
      { recipient: BOB, principal: 5n },
    ])
    expect([...shares]).toEqual([[BOB, 42n]])
    expect(rolledOver).toBe(0n)
  })

  it('Given a negative pool, principal or a malformed address, then it is refused', () => {
    expect(() => stakersPoolShares(-1n, [])).toThrow(RangeError)
    expect(() => stakersPoolShares(1n, [{ recipient: ALICE, principal: -1n }])).toThrow(RangeError)
    expect(() => stakersPoolShares(1n, [{ recipient: '0xabc', principal: 1n }])).toThrow(TypeError)
  })

  it('Given any stakes, when the pool is shared, then the shares plus the rollover equal the pool', () => {
    const stake = fc.record({
      recipient: fc.constantFrom(ALICE, BOB, CAROL, upperCase(ALICE)),
      principal: fc.bigInt({ min: 0n, max: 10n ** 24n }),
    })
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 200n }), fc.array(stake), (pool, stakes) => {
        const { shares, rolledOver } = stakersPoolShares(pool, stakes)
        expect([...shares.values()].reduce((a, b) => a + b, 0n) + rolledOver).toBe(pool)
        expect(rolledOver === 0n || shares.size === 0).toBe(true)
      }),
    )
  })
})

describe('payoutTree', () => {
  const payouts = new Map([
    [upperCase(CAROL), 3n],
    [ALICE, 5n],
    [BOB, 0n],
    [OWNER, 9n],
    [upperCase(ALICE), 2n],
  ])

  it('Given payouts with a zero, a repeated account and mixed case, then the leaves are lower-cased, summed, sorted and without the zero', () => {
    const tree = payoutTree(payouts)
    expect(tree.leaves.map(({ account, amount }) => [account, amount])).toEqual([
      [OWNER, 9n],
      [ALICE, 7n],
      [CAROL, 3n],
    ])
    expect(tree.total).toBe(19n)
  })

  it('Given the payouts, then the root equals a StandardMerkleTree built independently from the expected leaves', () => {
    const independent = StandardMerkleTree.of(
      [
        [CAROL, '3'],
        [OWNER, '9'],
        [ALICE, '7'],
      ],
      ['address', 'uint256'],
    )
    expect(payoutTree(payouts).root).toBe(independent.root)
  })

  it('Given each leaf, then its proof verifies with the library and with the on-chain algorithm', () => {
    const { root, leaves } = payoutTree(payouts)
    for (const { account, amount, proof } of leaves) {
      expect(verifyPayout(root!, account, amount, proof)).toBe(true)
      expect(verifyPayout(root!, upperCase(account), amount, proof)).toBe(true)
      expect(rootFromProof(account, amount, proof)).toBe(root)
    }
  })

  it('Given a tampered amount or another account, then the proof does not verify', () => {
    const { root, leaves } = payoutTree(payouts)
    const alice = leaves.find((leaf) => leaf.account === ALICE)!
    expect(verifyPayout(root!, ALICE, alice.amount + 1n, alice.proof)).toBe(false)
    expect(verifyPayout(root!, ALICE, alice.amount - 1n, alice.proof)).toBe(false)
    expect(verifyPayout(root!, BOB, alice.amount, alice.proof)).toBe(false)
  })

  it('Given a malformed account or an amount outside uint256, when verifying, then it is refused rather than answered', () => {
    const { root, leaves } = payoutTree(payouts)
    const { proof } = leaves[0]!
    expect(() => verifyPayout(root!, 'alice', 1n, proof)).toThrow(TypeError)
    expect(() => verifyPayout(root!, ALICE, -1n, proof)).toThrow(RangeError)
    expect(() => verifyPayout(root!, ALICE, 2n ** 256n, proof)).toThrow(RangeError)
  })

  it('Given the same payouts as a list, then the tree is the same as from the map', () => {
    const list = [...payouts].map(([account, amount]) => ({ account, amount }))
    expect(payoutTree(list)).toEqual(payoutTree(payouts))
  })

  it('Given one payout, then the root is its double-hashed leaf and the proof is empty', () => {
    const { root, leaves } = payoutTree([{ account: ALICE, amount: 5n }])
    expect(leaves).toEqual([{ account: ALICE, amount: 5n, proof: [] }])
    expect(root).toBe(rootFromProof(ALICE, 5n, []))
  })

  it('Given no payout above 0, then there is no root to commit', () => {
    expect(payoutTree(new Map([[ALICE, 0n]]))).toEqual({ root: null, total: 0n, leaves: [] })
    expect(payoutTree([])).toEqual({ root: null, total: 0n, leaves: [] })
  })

  it('Given a negative amount, an amount above uint256 or a malformed address, then it is refused', () => {
    expect(() => payoutTree([{ account: ALICE, amount: -1n }])).toThrow(RangeError)
    expect(() => payoutTree([{ account: ALICE, amount: 2n ** 256n }])).toThrow(RangeError)
    expect(() => payoutTree([{ account: 'alice', amount: 1n }])).toThrow(TypeError)
  })

  it('Given any payouts, then every proof verifies and the root does not depend on the input order', () => {
    const payout = fc.record({
      account: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => `0x${Buffer.from(b).toString('hex')}`),
      amount: fc.bigInt({ min: 0n, max: 2n ** 128n }),
    })
    const lists = fc
      .array(payout, { minLength: 1, maxLength: 20 })
      .chain((ps) => fc.tuple(fc.constant(ps), fc.shuffledSubarray(ps, { minLength: ps.length, maxLength: ps.length })))
    fc.assert(
      fc.property(lists, ([list, shuffled]) => {
        const tree = payoutTree(list)
        expect(payoutTree(shuffled).root).toBe(tree.root)
        for (const { account, amount, proof } of tree.leaves) expect(rootFromProof(account, amount, proof)).toBe(tree.root)
      }),
      { numRuns: 30 },
    )
  })
})

describe('reconcileEpoch', () => {
  it('Given a worked epoch (two settlements, data fallback, stakers, a rolled-in pool), then it reconciles to 0', () => {
    const rolledIn = 5n
    // Settlement 1: fee 1000 → owner 300, stakers 100, data 600 over Alice (weight 1) and Bob (weight 2).
    const first = splitSettlement(1000n, 0n, DEFAULT_FEE_SPLIT)
    // Settlement 2: fee 10, platform fee 3 → net 7: owner 2, stakers 1, data 4, no usage record: equal weights.
    const second = splitSettlement(10n, 3n, DEFAULT_FEE_SPLIT)
    if (!first.ok || !second.ok) throw new Error('settlements rejected')
    const firstData = splitDataPart(first.value.data, [
      { contributionId: '1', weight: 1n },
      { contributionId: '2', weight: 2n },
    ])
    const secondData = splitDataPart(second.value.data, equalWeights(['1']))
    expect([...firstData.values(), ...secondData.values()]).toEqual([200n, 400n, 4n])
    // Pool 100 + 1 + 5 = 106 over Alice 1, staker 2 (W = 3): 35 r1 and 70 r2, the unit left goes to the staker.
    const pool = stakersPoolShares(first.value.stakers + second.value.stakers + rolledIn, [
      { recipient: ALICE, principal: 1n },
      { recipient: STAKER, principal: 2n },
    ])
    expect([...pool.shares]).toEqual([
      [STAKER, 71n],
      [ALICE, 35n],
    ])
    const tree = payoutTree([
      { account: OWNER, amount: first.value.model + second.value.model },
      { account: ALICE, amount: firstData.get('1')! + secondData.get('1')! + pool.shares.get(ALICE)! },
      { account: BOB, amount: firstData.get('2')! },
      { account: STAKER, amount: pool.shares.get(STAKER)! },
    ])
    expect(tree.leaves.map((leaf) => leaf.amount)).toEqual([302n, 71n, 239n, 400n])
    const netFees = [first.value.net, second.value.net]
    const payouts = tree.leaves.map((leaf) => leaf.amount)
    expect(reconcileEpoch({ netFees, rolledIn, payouts, rolledOver: pool.rolledOver })).toBe(0n)
  })

  it('Given nobody staked, when the stakers part rolls over, then the epoch still reconciles', () => {
    // fee 100 → owner 30, stakers 10 (rolled over), data 60.
    expect(reconcileEpoch({ netFees: [100n], rolledIn: 0n, payouts: [30n, 60n], rolledOver: 10n })).toBe(0n)
  })

  it('Given payouts one wei short or one wei over, then the difference is -1 or +1', () => {
    expect(reconcileEpoch({ netFees: [100n], rolledIn: 0n, payouts: [30n, 59n], rolledOver: 10n })).toBe(-1n)
    expect(reconcileEpoch({ netFees: [60n, 40n], rolledIn: 1n, payouts: [92n], rolledOver: 10n })).toBe(1n)
  })

  it('Given random settlements, attributions and stakes run through the money rules, then every epoch reconciles', () => {
    const contributor = fc.constantFrom(ALICE, BOB, CAROL)
    const settlement = fc.record({
      fee: fc.bigInt({ min: 0n, max: 10n ** 30n }),
      platformBasis: fc.bigInt({ min: 0n, max: 100n }),
      attributions: fc.array(
        fc.record({ contributionId: fc.constantFrom('1', '2', '3'), weight: fc.bigInt({ min: 0n, max: 1000n }) }),
      ),
    })
    const stake = fc.record({ recipient: fc.constantFrom(ALICE, STAKER), principal: fc.bigInt({ min: 0n, max: 10n ** 20n }) })
    fc.assert(
      fc.property(
        fc.array(settlement),
        fc.array(stake),
        fc.bigInt({ min: 0n, max: 10n ** 20n }),
        fc.tuple(contributor, contributor, contributor),
        (settlements, stakes, rolledIn, contributorOf) => {
          const earned: { account: string; amount: bigint }[] = []
          const netFees: bigint[] = []
          let pool = rolledIn
          for (const { fee, platformBasis, attributions } of settlements) {
            const split = splitSettlement(fee, (fee * platformBasis) / 100n, DEFAULT_FEE_SPLIT)
            if (!split.ok) throw new Error('platform fee is at most the fee here')
            netFees.push(split.value.net)
            pool += split.value.stakers
            earned.push({ account: OWNER, amount: split.value.model })
            const weighted = attributions.some((a) => a.weight > 0n) ? attributions : equalWeights(['1', '2', '3'])
            for (const [id, amount] of splitDataPart(split.value.data, weighted)) {
              earned.push({ account: contributorOf[Number(id) - 1]!, amount })
            }
          }
          const { shares, rolledOver } = stakersPoolShares(pool, stakes)
          for (const [account, amount] of shares) earned.push({ account, amount })
          const payouts = payoutTree(earned).leaves.map((leaf) => leaf.amount)
          expect(reconcileEpoch({ netFees, rolledIn, payouts, rolledOver })).toBe(0n)
        },
      ),
      { numRuns: 50 },
    )
  })
})
