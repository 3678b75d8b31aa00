// The workload plan against a reference model of the protocol contracts: the model keeps its own copy of the
// chain state and applies each contract's guards, so a planned action that would revert on chain (or an
// `evolve` that forgot an effect) fails here, without a chain.
import { describe, expect, it } from 'vitest'
import { usageRecordSchema } from '../../src/domain/usage-record.js'
import { createPlanner, inferenceIdOf, type PlanConfig } from '../../src/dev/workload-plan.js'
import {
  EMPTY_WORKLOAD_STATE,
  evolve,
  WORKLOAD_ACTION_TYPES,
  type WorkloadAction,
  type WorkloadActionType,
  type WorkloadState,
} from '../../src/dev/workload-state.js'

const TIMESTAMP_BASE = 1_800_000_000
const CONFIG: PlanConfig = { seed: 7, actorCount: 6, nodeCount: 5 }

/** The protocol contracts' state and guards (contracts/src), kept apart from the plan's own state. */
class ReferenceChain {
  datanetOwner = new Map<bigint, number>()
  contributions = new Map<bigint, { datanetId: bigint; status: 'pending' | 'accepted' | 'rejected' }>()
  models = new Map<bigint, { owner: number; baseModelId: bigint; datanetIds: readonly bigint[] }>()
  agentOwner = new Map<bigint, number>()
  nodes = new Map<number, { operator: number; active: boolean }>()
  stakes = new Map<bigint, { recipient: number; status: 'active' | 'requested' | 'unstaked' }>()
  settled = new Set<string>()
  private counters = { datanet: 0n, contribution: 0n, model: 0n, agent: 0n, stake: 0n }

  constructor(private readonly config: PlanConfig) {}

  /** Applies the action as the contract would; throws the revert reason. Returns the id created, if any. */
  apply(action: WorkloadAction, timestamp: number): bigint | undefined {
    expect(action.actor).toBeGreaterThanOrEqual(0)
    expect(action.actor).toBeLessThan(this.config.actorCount)
    switch (action.type) {
      case 'createDatanet':
        this.datanetOwner.set(++this.counters.datanet, action.actor)
        return this.counters.datanet
      case 'submitContribution':
        require(this.datanetOwner.has(action.datanetId), 'unknown datanet')
        require(/^0x[0-9a-f]{64}$/.test(action.contentHash), 'content hash is not bytes32')
        require(action.stake >= 0n, 'negative stake')
        this.contributions.set(++this.counters.contribution, { datanetId: action.datanetId, status: 'pending' })
        return this.counters.contribution
      case 'reviewContribution': {
        const contribution = this.ownedContribution(action.contributionId, action.actor)
        require(contribution.status === 'pending', 'already reviewed')
        contribution.status = action.accepted ? 'accepted' : 'rejected'
        return undefined
      }
      case 'slashContribution':
        this.ownedContribution(action.contributionId, action.actor)
        require(action.amount > 0n, 'slashing nothing')
        return undefined
      case 'registerBaseModel':
      case 'registerAdapter': {
        const baseModelId = action.type === 'registerAdapter' ? action.baseModelId : 0n
        if (baseModelId !== 0n) {
          const base = this.models.get(baseModelId)
          require(base !== undefined, 'unknown base model')
          require(base!.baseModelId === 0n, 'base is an adapter')
        }
        require(action.datanetIds.length > 0, 'a model is trained on at least one datanet')
        for (const id of action.datanetIds) require(this.datanetOwner.has(id), `unknown datanet ${id}`)
        require(new Set(action.datanetIds).size === action.datanetIds.length, 'duplicate datanet')
        this.models.set(++this.counters.model, { owner: action.actor, baseModelId, datanetIds: action.datanetIds })
        return this.counters.model
      }
      case 'setFeeSplit': {
        require(this.models.get(action.modelId)?.owner === action.actor, 'not model owner')
        const { modelBps, stakersBps, dataBps } = action.split
        for (const bps of [modelBps, stakersBps, dataBps]) require(Number.isInteger(bps) && bps >= 0 && bps <= 0xffff, 'not a uint16')
        require(modelBps + stakersBps + dataBps === 10_000, 'split must sum to 10000')
        return undefined
      }
      case 'registerAgent':
        this.agentOwner.set(++this.counters.agent, action.actor)
        return this.counters.agent
      case 'registerNode':
        require(action.node >= 0 && action.node < this.config.nodeCount, 'no such node key')
        require(!this.nodes.has(action.node), 'node already registered')
        this.nodes.set(action.node, { operator: action.actor, active: true })
        return undefined
      case 'revokeNode': {
        const node = this.nodes.get(action.node)
        require(node?.operator === action.actor, 'not node operator')
        require(node!.active, 'node not active')
        const othersActive = [...this.nodes.entries()].some(([index, n]) => index !== action.node && n.active)
        require(othersActive, 'the last active node must stay')
        node!.active = false
        return undefined
      }
      case 'settleInference':
        this.checkSettlement(action, timestamp)
        return undefined
      case 'stake':
        require(action.amount > 0n, 'zero stake')
        this.stakes.set(++this.counters.stake, { recipient: action.actor, status: 'active' })
        return this.counters.stake
      case 'topUp':
        require(action.amount > 0n, 'zero top-up')
        this.ownStake(action.stakingId, action.actor, 'active')
        return undefined
      case 'requestUnstake':
        this.ownStake(action.stakingId, action.actor, 'active').status = 'requested'
        return undefined
      case 'unstake':
        this.ownStake(action.stakingId, action.actor, 'requested').status = 'unstaked'
        return undefined
    }
  }

  private checkSettlement(action: Extract<WorkloadAction, { type: 'settleInference' }>, timestamp: number) {
    const { usage } = action
    require(!this.settled.has(usage.inferenceId), 'already settled')
    this.settled.add(usage.inferenceId)
    const model = this.models.get(BigInt(usage.modelId))
    require(model !== undefined, 'unknown model')
    require(this.agentOwner.get(BigInt(usage.agentId)) === action.actor, 'the payer is the agent owner')
    require(this.nodes.get(action.node)?.active === true, 'the signing node is not active')
    require(action.fee >= 10n ** 12n && action.fee < 10n ** 17n, 'fee outside 10^12..10^17')
    require(action.platformFee >= 0n && action.platformFee * 10n <= action.fee, 'platform fee above 10%')
    require(usage.timestamp === timestamp, 'the timestamp is the one supplied')
    usageRecordSchema.parse({ ...usage, node: `0x${'1'.repeat(40)}`, signature: `0x${'2'.repeat(130)}` })

    const datanets = new Set([...model!.datanetIds, ...(this.models.get(model!.baseModelId)?.datanetIds ?? [])])
    const eligible = [...this.contributions.entries()].filter(([, c]) => c.status === 'accepted' && datanets.has(c.datanetId))
    const ids = usage.attributions.map((a) => BigInt(a.contributionId))
    require(new Set(ids).size === ids.length, 'a contribution attributed twice')
    require(ids.length <= 8, 'more than 8 attributions')
    require(ids.length > 0 || eligible.length === 0, 'no attribution although accepted data exists')
    for (const id of ids) require(eligible.some(([eligibleId]) => eligibleId === id), `contribution ${id} is not eligible`)
  }

  private ownedContribution(id: bigint, actor: number) {
    const contribution = this.contributions.get(id)
    require(contribution !== undefined, 'unknown contribution')
    require(this.datanetOwner.get(contribution!.datanetId) === actor, 'not datanet owner')
    return contribution!
  }

  private ownStake(id: bigint, actor: number, status: 'active' | 'requested') {
    const stake = this.stakes.get(id)
    require(stake?.recipient === actor, 'not stake recipient')
    require(stake!.status === status, 'wrong stake status')
    return stake!
  }
}

function require(condition: boolean, reason: string): void {
  if (!condition) throw new Error(`would revert: ${reason}`)
}

/**
 * Plans `steps` actions, each applied to the reference chain and (when it "mines") to the plan state. Every
 * `failEvery`-th action is treated as a failed transaction: the plan state then stays as it was.
 */
function simulate(config: PlanConfig, steps: number, failEvery = 0) {
  const planner = createPlanner(config)
  const chain = new ReferenceChain(config)
  let state: WorkloadState = EMPTY_WORKLOAD_STATE
  const actions: WorkloadAction[] = []
  for (let step = 0; step < steps; step++) {
    const timestamp = TIMESTAMP_BASE + step
    const action = planner.next(state, timestamp)
    actions.push(action)
    if (failEvery > 0 && step % failEvery === failEvery - 1) continue
    const createdId = chain.apply(action, timestamp)
    state = evolve(state, action, createdId)
  }
  return { actions, state, chain }
}

function countByType(actions: readonly WorkloadAction[]): Record<WorkloadActionType, number> {
  const counts = Object.fromEntries(WORKLOAD_ACTION_TYPES.map((type) => [type, 0])) as Record<WorkloadActionType, number>
  for (const action of actions) counts[action.type]++
  return counts
}

describe('the workload plan', () => {
  it('Given the same seed, then it plans the same 500 actions; another seed plans others', () => {
    const first = simulate(CONFIG, 500).actions
    expect(simulate(CONFIG, 500).actions).toEqual(first)
    expect(simulate({ ...CONFIG, seed: 8 }, 500).actions).not.toEqual(first)
  })

  it('Given 2,000 steps, then every action is valid for the contracts and the state', () => {
    const { actions, chain } = simulate(CONFIG, 2_000)
    expect(actions).toHaveLength(2_000)
    expect(chain.settled.size).toBe(countByType(actions).settleInference)
  })

  it('Given every 7th transaction fails, then the plan still only plans valid actions', () => {
    const { actions } = simulate({ ...CONFIG, seed: 99 }, 2_000, 7)
    expect(countByType(actions).settleInference).toBeGreaterThan(300)
  })

  it('Given 2,000 steps, then contributions, reviews and inferences dominate and every kind of action occurs', () => {
    const { actions } = simulate(CONFIG, 2_000)
    const counts = countByType(actions)
    for (const type of WORKLOAD_ACTION_TYPES) expect(counts[type], type).toBeGreaterThan(0)
    const share = (n: number) => n / actions.length
    expect(share(counts.submitContribution + counts.reviewContribution + counts.settleInference)).toBeGreaterThan(0.7)
    expect(share(counts.settleInference)).toBeGreaterThan(0.2)
    expect(share(counts.settleInference)).toBeLessThan(0.4)
    expect(share(counts.submitContribution)).toBeGreaterThan(0.2)
    expect(share(counts.submitContribution)).toBeLessThan(0.4)
    // Reviews keep up with submissions: the backlog of pending contributions stays small.
    expect(counts.submitContribution - counts.reviewContribution).toBeLessThan(20)
  })

  it('Given 2,000 steps, then about 80% of reviews accept, about 10% of records go first, and some weights are 0', () => {
    const { actions } = simulate(CONFIG, 2_000)
    const reviews = actions.filter((a) => a.type === 'reviewContribution')
    const settlements = actions.filter((a) => a.type === 'settleInference')
    const acceptedShare = reviews.filter((r) => r.accepted).length / reviews.length
    expect(acceptedShare).toBeGreaterThan(0.72)
    expect(acceptedShare).toBeLessThan(0.88)
    const firstShare = settlements.filter((s) => s.usageFirst).length / settlements.length
    expect(firstShare).toBeGreaterThan(0.05)
    expect(firstShare).toBeLessThan(0.15)
    const weights = settlements.flatMap((s) => s.usage.attributions.map((a) => a.weight))
    expect(weights.filter((w) => w === 0).length).toBeGreaterThan(0)
    expect(weights.filter((w) => w > 0).length).toBeGreaterThan(weights.length * 0.8)
  })

  it('Given any of 20 seeds, then the bootstrap reaches the first inference within 15 steps', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { actions } = simulate({ ...CONFIG, seed }, 15)
      expect(actions.some((a) => a.type === 'settleInference'), `seed ${seed}`).toBe(true)
    }
  })

  it('Given the integration test seed, then 60 steps hold every kind of activity it checks for on chain', () => {
    const { actions } = simulate({ seed: 3, actorCount: 6, nodeCount: 8 }, 60)
    const counts = countByType(actions)
    for (const type of ['createDatanet', 'registerBaseModel', 'registerAdapter', 'setFeeSplit', 'registerAgent', 'registerNode', 'stake'] as const) {
      expect(counts[type], type).toBeGreaterThan(0)
    }
    const reviews = actions.filter((a) => a.type === 'reviewContribution')
    expect(reviews.some((r) => r.accepted)).toBe(true)
    expect(reviews.some((r) => !r.accepted)).toBe(true)
    const settlements = actions.filter((a) => a.type === 'settleInference')
    expect(settlements.length).toBeGreaterThanOrEqual(10)
    expect(settlements.some((s) => s.usageFirst)).toBe(true)
    expect(settlements.some((s) => s.usage.attributions.length > 0)).toBe(true)
  })

  it('Given a seed and a step, then the inference id is a fixed bytes32 that differs by seed and by step', () => {
    expect(inferenceIdOf(1, 0)).toMatch(/^0x[0-9a-f]{64}$/)
    expect(inferenceIdOf(1, 0)).toBe(inferenceIdOf(1, 0))
    expect(inferenceIdOf(1, 1)).not.toBe(inferenceIdOf(1, 0))
    expect(inferenceIdOf(2, 0)).not.toBe(inferenceIdOf(1, 0))
  })
})
