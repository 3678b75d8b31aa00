import type { Hex } from 'viem'
import type { FeeSplit } from '../domain/fee-split.js'
import type { UnsignedUsageRecord } from '../domain/usage-record.js'

/**
 * What the dev workload knows exists on chain (`WorkloadState`), the actions it can take (`WorkloadAction`), and
 * how a mined action changes what it knows (`evolve`). Actors (the accounts that send transactions) and
 * inference nodes (the keys that sign usage records) are referred to by index; the executor maps them to
 * accounts. Pure: no I/O.
 */

export type ActorIndex = number
export type NodeIndex = number
export type ContributionStatus = 'pending' | 'accepted' | 'rejected'
export type StakeStatus = 'active' | 'unstakeRequested' | 'unstaked'

export interface WorkloadState {
  readonly datanets: readonly { id: bigint; owner: ActorIndex }[]
  readonly contributions: readonly {
    id: bigint
    datanetId: bigint
    stake: bigint
    status: ContributionStatus
    slashed: boolean
  }[]
  /** baseModelId 0n: a base model; otherwise a LoRA adapter of that base model. */
  readonly models: readonly {
    id: bigint
    owner: ActorIndex
    baseModelId: bigint
    datanetIds: readonly bigint[]
    feeSplitSet: boolean
  }[]
  readonly agents: readonly { id: bigint; owner: ActorIndex }[]
  readonly nodes: readonly { node: NodeIndex; operator: ActorIndex; active: boolean }[]
  readonly stakes: readonly { id: bigint; recipient: ActorIndex; status: StakeStatus }[]
  readonly settledInferences: number
}

export const EMPTY_WORKLOAD_STATE: WorkloadState = Object.freeze({
  datanets: [],
  contributions: [],
  models: [],
  agents: [],
  nodes: [],
  stakes: [],
  settledInferences: 0,
})

export type WorkloadAction =
  | { type: 'createDatanet'; actor: ActorIndex; metadataURI: string }
  | { type: 'submitContribution'; actor: ActorIndex; datanetId: bigint; contentHash: Hex; stake: bigint }
  | { type: 'reviewContribution'; actor: ActorIndex; contributionId: bigint; accepted: boolean }
  | { type: 'slashContribution'; actor: ActorIndex; contributionId: bigint; amount: bigint; reason: string }
  | { type: 'registerBaseModel'; actor: ActorIndex; datanetIds: bigint[]; metadataURI: string }
  | { type: 'registerAdapter'; actor: ActorIndex; baseModelId: bigint; datanetIds: bigint[]; metadataURI: string }
  | { type: 'setFeeSplit'; actor: ActorIndex; modelId: bigint; split: FeeSplit }
  | { type: 'registerAgent'; actor: ActorIndex; metadataURI: string }
  | { type: 'registerNode'; actor: ActorIndex; node: NodeIndex }
  | { type: 'revokeNode'; actor: ActorIndex; node: NodeIndex }
  | {
      type: 'settleInference'
      /** The payer: the agent's owner. */
      actor: ActorIndex
      fee: bigint
      platformFee: bigint
      /** The node that signs the usage record. */
      node: NodeIndex
      usage: UnsignedUsageRecord
      /** Hand the usage record over before the settlement is mined, to exercise the either-order join. */
      usageFirst: boolean
    }
  | { type: 'stake'; actor: ActorIndex; amount: bigint }
  | { type: 'topUp'; actor: ActorIndex; stakingId: bigint; amount: bigint }
  | { type: 'requestUnstake'; actor: ActorIndex; stakingId: bigint }
  | { type: 'unstake'; actor: ActorIndex; stakingId: bigint }

export type WorkloadActionType = WorkloadAction['type']

export const WORKLOAD_ACTION_TYPES: readonly WorkloadActionType[] = [
  'createDatanet',
  'submitContribution',
  'reviewContribution',
  'slashContribution',
  'registerBaseModel',
  'registerAdapter',
  'setFeeSplit',
  'registerAgent',
  'registerNode',
  'revokeNode',
  'settleInference',
  'stake',
  'topUp',
  'requestUnstake',
  'unstake',
]

/**
 * The state after `action` was mined successfully. `createdId` is the id the chain assigned (from the receipt's
 * event) for the actions that create something; the others ignore it.
 */
export function evolve(state: WorkloadState, action: WorkloadAction, createdId?: bigint): WorkloadState {
  const id = () => {
    if (createdId === undefined) throw new Error(`${action.type} needs the id the chain assigned`)
    return createdId
  }
  switch (action.type) {
    case 'createDatanet':
      return { ...state, datanets: [...state.datanets, { id: id(), owner: action.actor }] }
    case 'submitContribution':
      return {
        ...state,
        contributions: [
          ...state.contributions,
          { id: id(), datanetId: action.datanetId, stake: action.stake, status: 'pending', slashed: false },
        ],
      }
    case 'reviewContribution': {
      const status: ContributionStatus = action.accepted ? 'accepted' : 'rejected'
      return { ...state, contributions: state.contributions.map((c) => (c.id === action.contributionId ? { ...c, status } : c)) }
    }
    case 'slashContribution':
      return {
        ...state,
        contributions: state.contributions.map((c) => (c.id === action.contributionId ? { ...c, slashed: true } : c)),
      }
    case 'registerBaseModel':
    case 'registerAdapter': {
      const baseModelId = action.type === 'registerAdapter' ? action.baseModelId : 0n
      const model = { id: id(), owner: action.actor, baseModelId, datanetIds: action.datanetIds, feeSplitSet: false }
      return { ...state, models: [...state.models, model] }
    }
    case 'setFeeSplit':
      return { ...state, models: state.models.map((m) => (m.id === action.modelId ? { ...m, feeSplitSet: true } : m)) }
    case 'registerAgent':
      return { ...state, agents: [...state.agents, { id: id(), owner: action.actor }] }
    case 'registerNode':
      return { ...state, nodes: [...state.nodes, { node: action.node, operator: action.actor, active: true }] }
    case 'revokeNode':
      return { ...state, nodes: state.nodes.map((n) => (n.node === action.node ? { ...n, active: false } : n)) }
    case 'stake':
      return { ...state, stakes: [...state.stakes, { id: id(), recipient: action.actor, status: 'active' }] }
    case 'requestUnstake':
    case 'unstake': {
      const status: StakeStatus = action.type === 'unstake' ? 'unstaked' : 'unstakeRequested'
      return { ...state, stakes: state.stakes.map((s) => (s.id === action.stakingId ? { ...s, status } : s)) }
    }
    case 'settleInference':
      return { ...state, settledInferences: state.settledInferences + 1 }
    case 'topUp':
      return state
    default: {
      const unhandled: never = action
      throw new Error(`unknown action ${(unhandled as WorkloadAction).type}`)
    }
  }
}

/** The state as JSON (ids and amounts as `"<digits>n"`), so `attrib dev` resumes the same world after a restart. */
export function serializeWorkloadState(state: WorkloadState): string {
  return JSON.stringify(state, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value))
}

export function parseWorkloadState(text: string): WorkloadState {
  return JSON.parse(text, (_key, value: unknown) => (typeof value === 'string' && /^\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value)) as WorkloadState
}
