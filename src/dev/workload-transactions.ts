import type { Address, Hex } from 'viem'
import * as agents from '../abi/AgentRegistry.abi.js'
import * as datanets from '../abi/DatanetRegistry.abi.js'
import * as nodes from '../abi/InferenceNodeRegistry.abi.js'
import * as settlement from '../abi/InferenceSettlement.abi.js'
import * as models from '../abi/ModelRegistry.abi.js'
import * as staking from '../abi/TestStaking.abi.js'
import type { ProtocolAddresses } from '../chain/protocol.js'
import type { NodeIndex, WorkloadAction } from './workload-state.js'

/**
 * How a planned action becomes a transaction, and how the id it created is read back from its receipt. Calldata
 * is encoded and events decoded with the typed ABIs of src/abi (the ones the chain ingester decodes with), so an
 * argument of the wrong type is a compile error here rather than a revert.
 */

export interface TransactionRequest {
  contract: keyof ProtocolAddresses
  data: Hex
  value: bigint
}

export interface ReceiptLog {
  address: string
  topics: string[]
  data: string
}

function call(contract: keyof ProtocolAddresses, data: string, value = 0n): TransactionRequest {
  return { contract, data: data as Hex, value }
}

export function transactionFor(action: WorkloadAction, nodeAddress: (node: NodeIndex) => Address): TransactionRequest {
  switch (action.type) {
    case 'createDatanet':
      return call('datanets', datanets.functions.createDatanet.encode({ metadataURI: action.metadataURI }))
    case 'submitContribution': {
      const { datanetId, contentHash } = action
      return call('datanets', datanets.functions.submitContribution.encode({ datanetId, contentHash }), action.stake)
    }
    case 'reviewContribution': {
      const { contributionId, accepted } = action
      return call('datanets', datanets.functions.reviewContribution.encode({ contributionId, accepted }))
    }
    case 'slashContribution': {
      const { contributionId, amount, reason } = action
      return call('datanets', datanets.functions.slashContribution.encode({ contributionId, amount, reason }))
    }
    case 'registerBaseModel':
    case 'registerAdapter': {
      const baseModelId = action.type === 'registerAdapter' ? action.baseModelId : 0n
      const { datanetIds, metadataURI } = action
      return call('models', models.functions.registerModel.encode({ baseModelId, datanetIds, metadataURI }))
    }
    case 'setFeeSplit':
      return call('models', models.functions.setFeeSplit.encode({ modelId: action.modelId, ...action.split }))
    case 'registerAgent':
      return call('agents', agents.functions.registerAgent.encode({ metadataURI: action.metadataURI }))
    case 'registerNode':
      return call('nodes', nodes.functions.registerNode.encode({ node: nodeAddress(action.node) }))
    case 'revokeNode':
      return call('nodes', nodes.functions.revokeNode.encode({ node: nodeAddress(action.node) }))
    case 'settleInference': {
      const { inferenceId, modelId, agentId } = action.usage
      const data = settlement.functions.settle.encode({
        inferenceId,
        modelId: BigInt(modelId),
        agentId: BigInt(agentId),
        platformFee: action.platformFee,
      })
      return call('settlement', data, action.fee)
    }
    case 'stake':
      return call('staking', staking.functions.stake.encode({}), action.amount)
    case 'topUp':
      return call('staking', staking.functions.topUp.encode({ stakingId: action.stakingId }), action.amount)
    case 'requestUnstake':
      return call('staking', staking.functions.requestUnstake.encode({ stakingId: action.stakingId }))
    case 'unstake':
      return call('staking', staking.functions.unstake.encode({ stakingId: action.stakingId }))
    default: {
      const unhandled: never = action
      throw new Error(`unknown action ${(unhandled as WorkloadAction).type}`)
    }
  }
}

/**
 * The id that a creating action's transaction was assigned, from the event in its receipt emitted by the
 * contract it called; undefined for actions that create nothing.
 */
export function createdIdFrom(action: WorkloadAction, contractAddress: Address, logs: readonly ReceiptLog[]): bigint | undefined {
  const emitted = <T>(event: { topic: string; decode(log: ReceiptLog): T }): T => {
    const log = logs.find((l) => l.address.toLowerCase() === contractAddress.toLowerCase() && l.topics[0] === event.topic)
    if (!log) throw new Error(`${action.type}: the receipt has no ${event.topic} log from ${contractAddress}`)
    return event.decode(log)
  }
  switch (action.type) {
    case 'createDatanet':
      return emitted(datanets.events.DatanetCreated).datanetId
    case 'submitContribution':
      return emitted(datanets.events.ContributionSubmitted).contributionId
    case 'registerBaseModel':
    case 'registerAdapter':
      return emitted(models.events.ModelRegistered).modelId
    case 'registerAgent':
      return emitted(agents.events.AgentRegistered).agentId
    case 'stake':
      return emitted(staking.events.Staked).stakingId
    default:
      return undefined
  }
}
