import { AllocationError, allocate, compareDecimalIds, compareIndexes, parseDecimalId } from './allocate.js'

/**
 * How a settled inference's net fee is shared (docs/money.md, "A settled inference"): basis points for the model
 * owner, the epoch's stakers pool and the data contributors, summing to 10000. Basis points are small integers
 * (uint16 on chain), so `number`; amounts are always `bigint`.
 */
export interface FeeSplit {
  modelBps: number
  stakersBps: number
  dataBps: number
}

export const TOTAL_BPS = 10_000

export type FeeSplitCheck = { ok: true; value: FeeSplit } | { ok: false; reason: 'invalid-fee-split'; detail: string }

/** Checks a split from the outside world (an event, the configuration): integer bps in range, summing to 10000. */
export function validateFeeSplit(split: FeeSplit): FeeSplitCheck {
  const { modelBps, stakersBps, dataBps } = split
  for (const [name, bps] of Object.entries({ modelBps, stakersBps, dataBps })) {
    if (!Number.isInteger(bps) || bps < 0 || bps > TOTAL_BPS) {
      return { ok: false, reason: 'invalid-fee-split', detail: `${name} must be an integer in 0..${TOTAL_BPS}: ${bps}` }
    }
  }
  const sum = modelBps + stakersBps + dataBps
  if (sum !== TOTAL_BPS) {
    return { ok: false, reason: 'invalid-fee-split', detail: `basis points sum to ${sum}, not ${TOTAL_BPS}` }
  }
  return { ok: true, value: { modelBps, stakersBps, dataBps } }
}

export interface SettlementSplit {
  /** Recorded, never distributed. */
  platformFee: bigint
  /** fee − platformFee; always model + stakers + data. */
  net: bigint
  model: bigint
  stakers: bigint
  data: bigint
}

/** A settlement the projector cannot apply; `reason` is the dead-letter reason. */
export interface SettlementRejection {
  ok: false
  reason: 'platform-fee-exceeds-fee'
  detail: string
}

export type SettlementSplitResult = { ok: true; value: SettlementSplit } | SettlementRejection

/**
 * Splits one settlement's fee. A platform fee above the fee is a fact of the log, not a bug here, so it comes
 * back as a rejection to dead-letter. A negative amount or an invalid split is a bug upstream (uint256 values
 * and validated splits only reach this point), so it throws.
 */
export function splitSettlement(fee: bigint, platformFee: bigint, split: FeeSplit): SettlementSplitResult {
  if (fee < 0n || platformFee < 0n) throw new RangeError(`negative fee ${fee} or platform fee ${platformFee}`)
  const check = validateFeeSplit(split)
  if (!check.ok) throw new RangeError(check.detail)
  if (platformFee > fee) {
    return { ok: false, reason: 'platform-fee-exceeds-fee', detail: `platform fee ${platformFee} > fee ${fee}` }
  }
  const net = fee - platformFee
  const [model, stakers, data] = allocate(
    net,
    [split.modelBps, split.stakersBps, split.dataBps].map((bps, index) => ({ key: index, weight: BigInt(bps) })),
    compareIndexes,
  ) as [bigint, bigint, bigint]
  return { ok: true, value: { platformFee, net, model, stakers, data } }
}

export interface Attribution {
  contributionId: string
  weight: bigint
}

/**
 * Shares the data part among contributions, keyed by contribution id (numeric order for ties). Returns one entry
 * per distinct id, in ascending id order.
 *
 * Attributions naming the same contribution twice (say two matched spans) are merged by summing their weights
 * first: a contribution's share is its total weight over the sum of weights, and rounding each entry
 * separately would pay it differently than one entry with the same total weight (and leave ties between equal
 * keys undefined).
 *
 * The caller passes only qualifying attributions (accepted, unslashed as of the settlement's block). When none
 * has a positive weight this throws (`AllocationError`, reason `zero-weight-sum`): check first and fall back to
 * `equalWeights`, or to the model owner.
 */
export function splitDataPart(data: bigint, attributions: readonly Attribution[]): Map<string, bigint> {
  const weightById = new Map<string, bigint>()
  for (const { contributionId, weight } of attributions) {
    // Only canonical ids: "07" and "7" would otherwise escape the merge as two keys for one contribution.
    parseDecimalId(contributionId)
    // Checked before merging, so a negative entry cannot hide inside a positive sum.
    if (weight < 0n) {
      throw new AllocationError('negative-weight', `negative weight ${weight} for contribution ${contributionId}`)
    }
    weightById.set(contributionId, (weightById.get(contributionId) ?? 0n) + weight)
  }
  const ids = [...weightById.keys()].sort(compareDecimalIds)
  const amounts = allocate(
    data,
    ids.map((id) => ({ key: id, weight: weightById.get(id)! })),
    compareDecimalIds,
  )
  return new Map(ids.map((id, index) => [id, amounts[index]!]))
}

/** The fallback weighting: weight 1 for each distinct contribution id (a repeated id still counts once). */
export function equalWeights(contributionIds: readonly string[]): Attribution[] {
  return [...new Set(contributionIds)].map((contributionId) => ({ contributionId, weight: 1n }))
}
