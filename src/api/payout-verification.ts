import { verifyPayout } from '../domain/payouts.js'

const MAX_REMEMBERED = 50_000
const remembered = new Map<string, boolean>()

/**
 * Whether a payout's proof leads to its epoch's root. A closed epoch's root, amounts and proofs never change, so
 * each verdict is computed once per process and remembered (the oldest forgotten first beyond 50,000).
 */
export function verifiedPayout(root: string, account: string, amount: string, proof: readonly string[]): boolean {
  const key = `${root}:${account}:${amount}:${proof.join('')}`
  let verdict = remembered.get(key)
  if (verdict === undefined) {
    verdict = verifyPayout(root, account, BigInt(amount), proof)
    if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!)
    remembered.set(key, verdict)
  }
  return verdict
}
