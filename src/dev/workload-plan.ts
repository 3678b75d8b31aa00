import { encodeAbiParameters, keccak256, type Hex } from 'viem'
import type { UnsignedUsageRecord } from '../domain/usage-record.js'
import { createRng, type Rng } from './rng.js'
import type { ActorIndex, NodeIndex, StakeStatus, WorkloadAction, WorkloadState } from './workload-state.js'

/**
 * The dev workload's decisions, without I/O: the next action given what exists (workload-state.ts) and a seeded
 * generator. Time and the step number come in as data, so a seed replays the same actions over the same states.
 */

export interface PlanConfig {
  /** uint32; also part of every inference id. */
  seed: number
  /** How many accounts send transactions (actor indexes 0..actorCount-1). */
  actorCount: number
  /** How many node keys exist (node indexes 0..nodeCount-1); each is registered at most once. */
  nodeCount: number
}

export interface PlanContext {
  /** The index of this planned action in the run: makes inference ids unique. */
  step: number
  /** Seconds since the Unix epoch, for the usage record. */
  timestamp: number
}

const ACCEPT_PERCENT = 80
const USAGE_FIRST_PERCENT = 10
const ZERO_WEIGHT_PERCENT = 10
const STAKED_CONTRIBUTION_PERCENT = 40
const MAX_ATTRIBUTIONS = 8
const MAX_PLATFORM_FEE_BPS = 1000
const DATANET_TOPICS = ['medical-qa', 'solidity-audits', 'legal-clauses', 'defi-risk', 'multilingual-chat', 'climate-papers']
const SLASH_REASONS = ['duplicate data', 'license violation', 'low quality', 'personal data leak']

/** A bytes32 inference id, unique per (seed, step). */
export function inferenceIdOf(seed: number, step: number): Hex {
  return keccak256(
    encodeAbiParameters([{ type: 'string' }, { type: 'uint32' }, { type: 'uint64' }], ['attrib-workload/inference', seed, BigInt(step)]),
  )
}

/**
 * The next action. The first steps bootstrap what an inference needs (datanets, contributions, a base model,
 * an agent, a node, an accepted contribution) and settle the first one; after that the mix is weighted towards contributions, reviews
 * and inferences, and things that are missing (adapters, stakes, fee splits) are more likely until they exist.
 * Every action is valid for `state` under the contracts' guards.
 */
export function planStep(state: WorkloadState, rng: Rng, config: PlanConfig, context: PlanContext): WorkloadAction {
  const plan = new StepPlanner(state, rng, config, context)
  return plan.bootstrap() ?? plan.steady()
}

/** A planner with its own generator and step counter: the same seed and states give the same actions. */
export function createPlanner(config: PlanConfig) {
  const rng = createRng(config.seed)
  let step = 0
  return {
    next(state: WorkloadState, timestamp: number): WorkloadAction {
      return planStep(state, rng, config, { step: step++, timestamp })
    },
    get steps() {
      return step
    },
  }
}

type Candidate = readonly [weight: number, plan: () => WorkloadAction]

class StepPlanner {
  constructor(
    private readonly state: WorkloadState,
    private readonly rng: Rng,
    private readonly config: PlanConfig,
    private readonly context: PlanContext,
  ) {}

  bootstrap(): WorkloadAction | undefined {
    const s = this.state
    if (s.datanets.length < 2) return this.createDatanet()
    if (s.contributions.length < 4) return this.submitContribution()
    if (!s.models.some((m) => m.baseModelId === 0n)) return this.registerBaseModel()
    if (s.agents.length === 0) return this.registerAgent()
    if (this.activeNodes().length === 0 && this.unusedNode() !== undefined) return this.registerNode()
    if (!s.contributions.some((c) => c.status === 'accepted') && this.pending().length > 0) return this.review()
    if (s.settledInferences === 0 && this.activeNodes().length > 0) return this.settleInference()
    return undefined
  }

  steady(): WorkloadAction {
    const s = this.state
    const pending = this.pending().length
    const activeNodes = this.activeNodes().length
    const bases = this.baseModels().length
    const adapters = s.models.length - bases
    const activeStakes = this.stakesIn('active').length
    const canSettle = s.models.length > 0 && s.agents.length > 0 && activeNodes > 0
    const candidates: Candidate[] = [
      [30, () => this.submitContribution()],
      // Curators work through the backlog: past 5 pending contributions, reviews outpace submissions.
      [Math.min(60, 6 * pending), () => this.review()],
      [canSettle ? 30 : 0, () => this.settleInference()],
      [s.datanets.length < 3 ? 10 : 3, () => this.createDatanet()],
      [2, () => this.registerBaseModel()],
      [bases === 0 ? 0 : adapters === 0 ? 10 : 3, () => this.registerAdapter()],
      [s.models.length === 0 ? 0 : s.models.some((m) => !m.feeSplitSet) ? 6 : 2, () => this.setFeeSplit()],
      [s.agents.length < 3 ? 6 : 2, () => this.registerAgent()],
      [this.unusedNode() === undefined ? 0 : activeNodes < 2 ? 6 : 2, () => this.registerNode()],
      // Never the last active node: inferences need a signer.
      [activeNodes >= 2 ? 1 : 0, () => this.revokeNode()],
      [this.slashable().length > 0 ? 1 : 0, () => this.slash()],
      [activeStakes === 0 ? 10 : 3, () => this.stake()],
      [activeStakes > 0 ? 2 : 0, () => this.topUp()],
      [activeStakes > 0 ? 1 : 0, () => this.requestUnstake()],
      [this.stakesIn('unstakeRequested').length > 0 ? 2 : 0, () => this.unstake()],
    ]
    const total = candidates.reduce((sum, [weight]) => sum + weight, 0)
    let ticket = this.rng.int(0, total - 1)
    for (const [weight, plan] of candidates) {
      if (ticket < weight) return plan()
      ticket -= weight
    }
    throw new Error('unreachable: the ticket is below the total weight')
  }

  private actor(): ActorIndex {
    return this.rng.int(0, this.config.actorCount - 1)
  }

  private pending() {
    return this.state.contributions.filter((c) => c.status === 'pending')
  }

  private slashable() {
    return this.state.contributions.filter((c) => c.status === 'accepted' && !c.slashed)
  }

  private baseModels() {
    return this.state.models.filter((m) => m.baseModelId === 0n)
  }

  private activeNodes() {
    return this.state.nodes.filter((n) => n.active)
  }

  private unusedNode(): NodeIndex | undefined {
    const used = new Set(this.state.nodes.map((n) => n.node))
    for (let node = 0; node < this.config.nodeCount; node++) if (!used.has(node)) return node
    return undefined
  }

  private stakesIn(status: StakeStatus) {
    return this.state.stakes.filter((stake) => stake.status === status)
  }

  private ownerOfDatanet(datanetId: bigint): ActorIndex {
    const datanet = this.state.datanets.find((d) => d.id === datanetId)
    if (!datanet) throw new Error(`workload state has a contribution to unknown datanet ${datanetId}`)
    return datanet.owner
  }

  private uri(kind: string, label: string): string {
    return `ipfs://attrib-workload/${kind}/${label}-${this.context.step}`
  }

  private randomDatanetIds(max: number): bigint[] {
    const ids = this.state.datanets.map((d) => d.id)
    return this.rng.sample(ids, this.rng.int(1, Math.min(max, ids.length))).sort((a, b) => (a < b ? -1 : 1))
  }

  /** Amounts spread over orders of magnitude, as fees are: 10^low .. 10^(high+1) - 1 wei. */
  private logUniformWei(low: number, high: number): bigint {
    const exponent = BigInt(this.rng.int(low, high))
    return this.rng.bigint(10n ** exponent, 10n ** (exponent + 1n) - 1n)
  }

  private createDatanet(): WorkloadAction {
    return { type: 'createDatanet', actor: this.actor(), metadataURI: this.uri('datanet', this.rng.pick(DATANET_TOPICS)) }
  }

  private submitContribution(): WorkloadAction {
    const datanet = this.rng.pick(this.state.datanets)
    const words = Array.from({ length: 8 }, () => this.rng.uint32().toString(16).padStart(8, '0'))
    const stake = this.rng.percent(STAKED_CONTRIBUTION_PERCENT) ? this.logUniformWei(14, 16) : 0n
    return { type: 'submitContribution', actor: this.actor(), datanetId: datanet.id, contentHash: `0x${words.join('')}`, stake }
  }

  private review(): WorkloadAction {
    const contribution = this.rng.pick(this.pending())
    return {
      type: 'reviewContribution',
      actor: this.ownerOfDatanet(contribution.datanetId),
      contributionId: contribution.id,
      accepted: this.rng.percent(ACCEPT_PERCENT),
    }
  }

  private slash(): WorkloadAction {
    const contribution = this.rng.pick(this.slashable())
    const amount = contribution.stake > 0n ? this.rng.bigint(1n, contribution.stake) : this.logUniformWei(14, 15)
    return {
      type: 'slashContribution',
      actor: this.ownerOfDatanet(contribution.datanetId),
      contributionId: contribution.id,
      amount,
      reason: this.rng.pick(SLASH_REASONS),
    }
  }

  private registerBaseModel(): WorkloadAction {
    return { type: 'registerBaseModel', actor: this.actor(), datanetIds: this.randomDatanetIds(3), metadataURI: this.uri('model', 'base') }
  }

  private registerAdapter(): WorkloadAction {
    const base = this.rng.pick(this.baseModels())
    return {
      type: 'registerAdapter',
      actor: this.actor(),
      baseModelId: base.id,
      datanetIds: this.randomDatanetIds(2),
      metadataURI: this.uri('model', `lora-of-${base.id}`),
    }
  }

  private setFeeSplit(): WorkloadAction {
    const withoutSplit = this.state.models.filter((m) => !m.feeSplitSet)
    // Owners mostly set a split on a new model; now and then one revises an existing split.
    const model = this.rng.pick(withoutSplit.length > 0 && this.rng.percent(80) ? withoutSplit : this.state.models)
    const modelBps = this.rng.int(1000, 4000)
    const stakersBps = this.rng.int(500, 2000)
    return {
      type: 'setFeeSplit',
      actor: model.owner,
      modelId: model.id,
      split: { modelBps, stakersBps, dataBps: 10_000 - modelBps - stakersBps },
    }
  }

  private registerAgent(): WorkloadAction {
    return { type: 'registerAgent', actor: this.actor(), metadataURI: this.uri('agent', 'assistant') }
  }

  private registerNode(): WorkloadAction {
    const node = this.unusedNode()
    if (node === undefined) throw new Error('no unused node key left')
    return { type: 'registerNode', actor: this.actor(), node }
  }

  private revokeNode(): WorkloadAction {
    const node = this.rng.pick(this.activeNodes())
    return { type: 'revokeNode', actor: node.operator, node: node.node }
  }

  private settleInference(): WorkloadAction {
    const model = this.rng.pick(this.state.models)
    const agent = this.rng.pick(this.state.agents)
    const node = this.rng.pick(this.activeNodes())
    const fee = this.logUniformWei(12, 16)
    const platformFee = (fee * BigInt(this.rng.int(0, MAX_PLATFORM_FEE_BPS))) / 10_000n
    const usage: UnsignedUsageRecord = {
      inferenceId: inferenceIdOf(this.config.seed, this.context.step),
      modelId: model.id.toString(),
      agentId: agent.id.toString(),
      tokensIn: this.rng.int(16, 4096),
      tokensOut: this.rng.int(1, 2048),
      timestamp: this.context.timestamp,
      attributions: this.attributionsFor(model),
    }
    return {
      type: 'settleInference',
      actor: agent.owner,
      fee,
      platformFee,
      node: node.node,
      usage,
      usageFirst: this.rng.percent(USAGE_FIRST_PERCENT),
    }
  }

  /**
   * 1-8 accepted contributions of the model's datanets (and its base model's, for an adapter) with influence
   * weights, now and then a zero; none when no such contribution exists yet (the indexer's fallback case).
   */
  private attributionsFor(model: WorkloadState['models'][number]): UnsignedUsageRecord['attributions'] {
    const base = this.state.models.find((m) => m.id === model.baseModelId)
    const datanetIds = new Set([...model.datanetIds, ...(base?.datanetIds ?? [])])
    const eligible = this.state.contributions.filter((c) => c.status === 'accepted' && datanetIds.has(c.datanetId))
    if (eligible.length === 0) return []
    const chosen = this.rng.sample(eligible, this.rng.int(1, Math.min(MAX_ATTRIBUTIONS, eligible.length)))
    return chosen.map((c) => ({
      contributionId: c.id.toString(),
      weight: this.rng.percent(ZERO_WEIGHT_PERCENT) ? 0 : this.rng.int(1, 10_000),
    }))
  }

  private stake(): WorkloadAction {
    return { type: 'stake', actor: this.actor(), amount: this.logUniformWei(15, 17) }
  }

  private topUp(): WorkloadAction {
    const stake = this.rng.pick(this.stakesIn('active'))
    return { type: 'topUp', actor: stake.recipient, stakingId: stake.id, amount: this.logUniformWei(14, 16) }
  }

  private requestUnstake(): WorkloadAction {
    const stake = this.rng.pick(this.stakesIn('active'))
    return { type: 'requestUnstake', actor: stake.recipient, stakingId: stake.id }
  }

  private unstake(): WorkloadAction {
    const stake = this.rng.pick(this.stakesIn('unstakeRequested'))
    return { type: 'unstake', actor: stake.recipient, stakingId: stake.id }
  }
}
