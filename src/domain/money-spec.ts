import { compareAddresses, compareDecimalIds, lowerCaseAddress } from './allocate.js'
import type { ChainEvent } from './chain-events.js'
import { epochOf, epochRange } from './epoch.js'
import { equalWeights, splitDataPart, splitSettlement, validateFeeSplit, type Attribution, type FeeSplit } from './fee-split.js'
import { payoutTree, stakersPoolShares } from './payouts.js'
import type { UsageRecord } from './usage-record.js'

/**
 * The money rules as one pure function (docs/money.md): the canonical chain's events in chain order plus
 * the set of usage records give every inference's split and edges and every closed epoch's payouts, root and
 * rolled pool. No state is shared with the projection, and nothing here depends on when a record arrived: it
 * is the reference the projection must equal, whatever order the two streams reach it in.
 *
 * Assumes what the ingesters guarantee: at most one record per inference (a later different one is refused as
 * a conflicting duplicate) and the chain without its orphaned blocks.
 */
export interface MoneyInput {
  /** Chain events of the canonical chain, in (block, log) order; control events are ignored. */
  chain: readonly ChainEvent[]
  usage: readonly UsageRecord[]
  epochBlocks: number
  defaultFeeSplit: FeeSplit
  /** Epochs whose last block is at or below this height are closed (all their records having arrived). */
  closedThrough: number
}

export type SpecMode = 'USAGE' | 'FALLBACK' | 'OWNER' | 'AWAITING_USAGE'

export interface SpecEdge {
  contributionId: string
  contributorId: string
  datanetId: string
  weight: bigint
  amount: bigint
}

export interface SpecInference {
  id: string
  modelId: string
  modelOwner: string
  epoch: number
  net: bigint
  modelPart: bigint
  stakersPart: bigint
  dataPart: bigint
  mode: SpecMode
  /** By contribution id, in id order. */
  edges: SpecEdge[]
}

export interface SpecPayout {
  amount: bigint
  asModelOwner: bigint
  asStaker: bigint
  asContributor: bigint
}

export interface SpecEpoch {
  number: number
  netFees: bigint
  stakersPool: bigint
  rolledIn: bigint
  rolledOver: bigint
  root: string | null
  total: bigint
  /** By lower-cased account, in address order. */
  payouts: Map<string, SpecPayout>
}

export interface MoneyOutcome {
  inferences: Map<string, SpecInference>
  /** Closed epochs, by number. */
  epochs: Map<number, SpecEpoch>
  /** Settlements that pay nobody, with why (unknown model, duplicate, a platform fee above the fee). */
  refusedSettlements: Map<string, string>
}

interface Position {
  block: number
  log: number
}

const before = (a: Position, b: Position) => a.block < b.block || (a.block === b.block && a.log < b.log)

interface ContributionHistory {
  contributorId: string
  datanetId: string
  /** The first review (the registry allows one): its block and verdict. */
  review?: { block: number; accepted: boolean }
  /** The first slash's block: a slash is final. */
  slashedAt?: number
}

interface ModelFacts {
  owner: string
  baseModelId: string | null
  datanetIds: string[]
  registeredAt: Position
  feeSplits: { at: Position; split: FeeSplit }[]
}

interface StakeFacts {
  recipient: string
  stakedAt: number
  amount: bigint
  topUps: { block: number; amount: bigint }[]
  endedAt?: number
}

interface Settlement {
  id: string
  modelId: string
  at: Position
  fee: bigint
  platformFee: bigint
}

/**
 * "Earns at block b": accepted at or before b, and not slashed at or before b, with every event of block b
 * counted, whatever its log index relative to the settlement.
 */
function earnsAt(c: ContributionHistory, block: number): boolean {
  return c.review !== undefined && c.review.accepted && c.review.block <= block && (c.slashedAt === undefined || c.slashedAt > block)
}

export function specifyMoney(input: MoneyInput): MoneyOutcome {
  const datanets = new Set<string>()
  const contributions = new Map<string, ContributionHistory>()
  const models = new Map<string, ModelFacts>()
  const stakes = new Map<string, StakeFacts>()
  const settlements: Settlement[] = []
  const refusedSettlements = new Map<string, string>()
  const settledIds = new Set<string>()

  for (const event of input.chain) {
    if (event.block == null || event.logIndex == null) continue
    const at = { block: event.block.number, log: event.logIndex }
    switch (event.type) {
      case 'DatanetCreated':
        datanets.add(event.payload.datanetId)
        break
      case 'ContributionSubmitted': {
        const p = event.payload
        if (datanets.has(p.datanetId) && !contributions.has(p.contributionId)) {
          contributions.set(p.contributionId, { contributorId: lowerCaseAddress(p.contributor), datanetId: p.datanetId })
        }
        break
      }
      case 'ContributionReviewed': {
        const c = contributions.get(event.payload.contributionId)
        if (c && !c.review) c.review = { block: at.block, accepted: event.payload.accepted }
        break
      }
      case 'ContributionSlashed': {
        const c = contributions.get(event.payload.contributionId)
        if (c && c.slashedAt === undefined) c.slashedAt = at.block
        break
      }
      case 'ModelRegistered': {
        const p = event.payload
        const base = p.baseModelId === '0' ? null : models.get(p.baseModelId)
        const datanetIds = [...new Set(p.datanetIds)]
        if (models.has(p.modelId) || base === undefined || base?.baseModelId != null) break
        if (!datanetIds.every((d) => datanets.has(d))) break
        models.set(p.modelId, {
          owner: lowerCaseAddress(p.owner),
          baseModelId: p.baseModelId === '0' ? null : p.baseModelId,
          datanetIds,
          registeredAt: at,
          feeSplits: [],
        })
        break
      }
      case 'FeeSplitSet': {
        const { modelId, ...split } = event.payload
        const model = models.get(modelId)
        if (model && validateFeeSplit(split).ok) model.feeSplits.push({ at, split })
        break
      }
      case 'Staked': {
        const p = event.payload
        if (!stakes.has(p.stakingId)) {
          stakes.set(p.stakingId, { recipient: lowerCaseAddress(p.recipient), stakedAt: at.block, amount: BigInt(p.amount), topUps: [] })
        }
        break
      }
      case 'ToppedUp':
        stakes.get(event.payload.stakingId)?.topUps.push({ block: at.block, amount: BigInt(event.payload.amount) })
        break
      case 'RequestUnstake':
      case 'Unstaked': {
        const stake = stakes.get(event.payload.stakingId)
        if (stake && stake.endedAt === undefined) stake.endedAt = at.block
        break
      }
      case 'InferenceSettled': {
        const p = event.payload
        if (!models.has(p.modelId)) refusedSettlements.set(p.inferenceId, 'unknown-model')
        else if (settledIds.has(p.inferenceId)) refusedSettlements.set(`${p.inferenceId}@${at.block}:${at.log}`, 'duplicate-settlement')
        else if (BigInt(p.platformFee) > BigInt(p.fee)) refusedSettlements.set(p.inferenceId, 'platform-fee-exceeds-fee')
        else {
          settledIds.add(p.inferenceId)
          settlements.push({ id: p.inferenceId, modelId: p.modelId, at, fee: BigInt(p.fee), platformFee: BigInt(p.platformFee) })
        }
        break
      }
      default:
        break
    }
  }

  const records = new Map(input.usage.map((r) => [r.inferenceId, r]))
  const closedEpochLimit = epochOf(input.closedThrough + 1, input.epochBlocks) // epochs below it are closed
  const inferences = new Map<string, SpecInference>()
  for (const s of settlements) {
    const model = models.get(s.modelId)!
    const feeSplit = model.feeSplits.filter((f) => !before(s.at, f.at)).at(-1)?.split ?? input.defaultFeeSplit
    const split = splitSettlement(s.fee, s.platformFee, feeSplit)
    if (!split.ok) throw new Error(`unreachable: ${split.detail}`)
    const epoch = epochOf(s.at.block, input.epochBlocks)
    const record = records.get(s.id)
    const usable = record && record.modelId === s.modelId ? record : undefined
    const closed = epoch < closedEpochLimit
    let mode: SpecMode
    let edges: SpecEdge[] = []
    const byUsage = usable ? usageWeights(usable, contributions, s.at.block) : []
    if (byUsage.length > 0) {
      mode = 'USAGE'
      edges = edgesOf(split.value.data, byUsage, contributions)
    } else if (usable || closed) {
      const candidates = fallbackCandidates(model, models, contributions, s.at.block)
      if (candidates.length > 0) {
        mode = 'FALLBACK'
        edges = edgesOf(split.value.data, equalWeights(candidates), contributions)
      } else mode = 'OWNER'
    } else mode = 'AWAITING_USAGE'
    inferences.set(s.id, {
      id: s.id,
      modelId: s.modelId,
      modelOwner: model.owner,
      epoch,
      net: split.value.net,
      modelPart: split.value.model,
      stakersPart: split.value.stakers,
      dataPart: split.value.data,
      mode,
      edges,
    })
  }

  return { inferences, epochs: closeEpochs(input, inferences, stakes, closedEpochLimit), refusedSettlements }
}

/** The record's attributions that earn: positive weight, a contribution earning at the settlement's block. */
function usageWeights(record: UsageRecord, contributions: ReadonlyMap<string, ContributionHistory>, block: number): Attribution[] {
  return record.attributions
    .filter((a) => a.weight > 0 && contributions.has(a.contributionId) && earnsAt(contributions.get(a.contributionId)!, block))
    .map((a) => ({ contributionId: a.contributionId, weight: BigInt(a.weight) }))
}

/** Earning contributions of the model's datanets and, for an adapter, its base model's; each once, in id order. */
function fallbackCandidates(
  model: ModelFacts,
  models: ReadonlyMap<string, ModelFacts>,
  contributions: ReadonlyMap<string, ContributionHistory>,
  block: number,
): string[] {
  const datanetIds = new Set([...model.datanetIds, ...(model.baseModelId ? models.get(model.baseModelId)!.datanetIds : [])])
  return [...contributions]
    .filter(([, c]) => datanetIds.has(c.datanetId) && earnsAt(c, block))
    .map(([id]) => id)
    .sort(compareDecimalIds)
}

function edgesOf(dataPart: bigint, weights: Attribution[], contributions: ReadonlyMap<string, ContributionHistory>): SpecEdge[] {
  const weightById = new Map<string, bigint>()
  for (const w of weights) weightById.set(w.contributionId, (weightById.get(w.contributionId) ?? 0n) + w.weight)
  const amounts = splitDataPart(dataPart, weights)
  return [...weightById.keys()].sort(compareDecimalIds).map((id) => ({
    contributionId: id,
    contributorId: contributions.get(id)!.contributorId,
    datanetId: contributions.get(id)!.datanetId,
    weight: weightById.get(id)!,
    amount: amounts.get(id) ?? 0n,
  }))
}

/**
 * Every epoch that had a settlement or a pool rolled into it, oldest first, up to the closed limit: owners get
 * model parts (and data parts paid to nobody), contributors their edges, stakers the pool by principal as of
 * the epoch's last block; a pool nobody is staked for rolls into the next epoch.
 */
function closeEpochs(
  input: MoneyInput,
  inferences: ReadonlyMap<string, SpecInference>,
  stakes: ReadonlyMap<string, StakeFacts>,
  closedEpochLimit: number,
): Map<number, SpecEpoch> {
  const byEpoch = new Map<number, SpecInference[]>()
  for (const i of inferences.values()) byEpoch.set(i.epoch, [...(byEpoch.get(i.epoch) ?? []), i])
  const epochs = new Map<number, SpecEpoch>()
  let rolledIn = 0n
  for (let number = Math.min(...byEpoch.keys(), closedEpochLimit); number < closedEpochLimit; number++) {
    const settled = byEpoch.get(number) ?? []
    if (settled.length === 0 && rolledIn === 0n) continue
    const parts = new Map<string, SpecPayout>()
    const part = (account: string) => {
      let p = parts.get(account)
      if (!p) parts.set(account, (p = { amount: 0n, asModelOwner: 0n, asStaker: 0n, asContributor: 0n }))
      return p
    }
    let netFees = 0n
    let stakersPool = 0n
    for (const i of settled) {
      netFees += i.net
      stakersPool += i.stakersPart
      part(i.modelOwner).asModelOwner += i.modelPart + (i.mode === 'OWNER' ? i.dataPart : 0n)
      for (const e of i.edges) part(e.contributorId).asContributor += e.amount
    }
    const { last } = epochRange(number, input.epochBlocks)
    const principals = [...stakes.values()]
      .filter((s) => s.stakedAt <= last && (s.endedAt === undefined || s.endedAt > last))
      .map((s) => ({ recipient: s.recipient, principal: s.amount + s.topUps.filter((t) => t.block <= last).reduce((a, t) => a + t.amount, 0n) }))
    const stakers = stakersPoolShares(stakersPool + rolledIn, principals)
    for (const [account, amount] of stakers.shares) part(account).asStaker += amount
    for (const p of parts.values()) p.amount = p.asModelOwner + p.asStaker + p.asContributor
    const tree = payoutTree(new Map([...parts].map(([account, p]) => [account, p.amount])))
    const payouts = new Map([...parts].filter(([, p]) => p.amount > 0n).sort(([a], [b]) => compareAddresses(a, b)))
    epochs.set(number, { number, netFees, stakersPool, rolledIn, rolledOver: stakers.rolledOver, root: tree.root, total: tree.total, payouts })
    rolledIn = stakers.rolledOver
  }
  return epochs
}
