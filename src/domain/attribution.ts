import { equalWeights, splitDataPart, type Attribution } from './fee-split.js'

/**
 * Which contributions an inference's data part pays, and how much each (docs/money.md, "A settled inference"): by the usage
 * record's weights over contributions that earn at the settlement's block; failing that, equal weights over the
 * earning contributions of the model's datanets (an adapter also counts its base model's datanets); failing
 * that, nothing here: the data part goes to the model owner. Pure, so a batch of inferences is planned in memory
 * and written set-wise.
 */

/** A contribution as the projection knows it now; `earnsAt` tells whether it earned at an earlier block. */
export interface ContributionState {
  id: string
  contributorId: string
  datanetId: string
  status: string
  reviewedAtBlock: number | null
  slashedAtBlock: number | null
}

export interface AttributionEdge {
  contributionId: string
  contributorId: string
  datanetId: string
  /** The contribution's total weight in this inference (attributions naming it twice are summed). */
  weight: bigint
  amount: bigint
}

/**
 * An edge's key: the settlement's block number (10 digits, as the int column holds at most), the inference id and
 * the contribution id, so an inference's edges are one range of the key (from `<block>-<inference>-` to
 * `<block>-<inference>.`) and new edges land at the key's right end, where the B-tree's pages are already in
 * memory, instead of at random places of a tree far larger than shared buffers.
 */
export function attributionEdgeId(inference: { id: string; blockNumber: number }, contributionId: string): string {
  return `${String(inference.blockNumber).padStart(10, '0')}-${inference.id}-${contributionId}`
}

/** Accepted at or before `block` and not slashed by then. */
export function earnsAt(contribution: ContributionState, block: number): boolean {
  return (
    contribution.status === 'ACCEPTED' &&
    contribution.reviewedAtBlock != null &&
    contribution.reviewedAtBlock <= block &&
    (contribution.slashedAtBlock == null || contribution.slashedAtBlock > block)
  )
}

/**
 * The edges of a usage record's attributions, or `undefined` when no attribution qualifies (positive weight, a
 * contribution that earns at `block`) and the fallback applies.
 */
export function usageEdges(
  dataPart: bigint,
  attributions: readonly { contributionId: string; weight: number }[],
  contributions: ReadonlyMap<string, ContributionState>,
  block: number,
): AttributionEdge[] | undefined {
  const weights: Attribution[] = []
  for (const { contributionId, weight } of attributions) {
    const contribution = contributions.get(contributionId)
    if (weight > 0 && contribution && earnsAt(contribution, block)) weights.push({ contributionId, weight: BigInt(weight) })
  }
  return weights.length > 0 ? edgesOf(dataPart, weights, contributions) : undefined
}

/** The fallback's edges over `candidates` (the model's datanets' contributions), or `undefined` when none earns. */
export function fallbackEdges(dataPart: bigint, candidates: readonly ContributionState[], block: number): AttributionEdge[] | undefined {
  const earning = candidates.filter((c) => earnsAt(c, block))
  if (earning.length === 0) return undefined
  return edgesOf(dataPart, equalWeights(earning.map((c) => c.id)), new Map(earning.map((c) => [c.id, c])))
}

function edgesOf(dataPart: bigint, weights: Attribution[], contributions: ReadonlyMap<string, ContributionState>): AttributionEdge[] {
  const weightById = new Map<string, bigint>()
  for (const w of weights) weightById.set(w.contributionId, (weightById.get(w.contributionId) ?? 0n) + w.weight)
  return [...splitDataPart(dataPart, weights)].map(([id, amount]) => {
    const contribution = contributions.get(id)!
    return {
      contributionId: id,
      contributorId: contribution.contributorId,
      datanetId: contribution.datanetId,
      weight: weightById.get(id)!,
      amount,
    }
  })
}
