import type { ContractAddresses } from '../../config.js'

/**
 * The chains the ingester knows by name (`NETWORK`). Each gives the chain id and how many confirmations make a
 * block final; FINALITY_CONFIRMATIONS overrides the latter. No RPC endpoint is built in: operators choose their
 * provider (RPC_ENDPOINT), so an OpenLedger network without one is a configuration error.
 */
const NETWORK_PRESETS = {
  // 2-second blocks on an L2 whose sequencer head can still reorganise until the batch carrying it settles on
  // L1: 300 blocks (10 minutes) outlasts ordinary batch-submission delays; anything shallower is undone as a fork.
  'openledger-mainnet': { chainId: 1612, finalityConfirmations: 300, needsRpcEndpoint: true },
  // Same block time; testnet batches post less reliably, but nothing of value rides on it: 5 minutes.
  'openledger-testnet': { chainId: 161201, finalityConfirmations: 150, needsRpcEndpoint: true },
  // anvil only forks when told to (anvil_reorg); a small window keeps the hot-block path exercised in development.
  anvil: { chainId: 31337, finalityConfirmations: 10, needsRpcEndpoint: false },
} as const

export type NetworkName = keyof typeof NETWORK_PRESETS
export const NETWORK_NAMES = Object.keys(NETWORK_PRESETS) as [NetworkName, ...NetworkName[]]

/** Without NETWORK: the chain is whatever CHAIN_ID says (anvil's by default), final after this many blocks. */
const CUSTOM_DEFAULTS = { chainId: 31337, finalityConfirmations: 10 }

/** The environment prefix of each contract role: `<PREFIX>_ADDRESS`, `<PREFIX>_START_BLOCK`. */
const CONTRACT_ENV_PREFIX: Record<keyof ContractAddresses, string> = {
  datanets: 'DATANET_REGISTRY',
  models: 'MODEL_REGISTRY',
  agents: 'AGENT_REGISTRY',
  nodes: 'INFERENCE_NODE_REGISTRY',
  settlement: 'SETTLEMENT',
  rewards: 'REWARD_DISTRIBUTOR',
  staking: 'STAKING',
}

export interface ChainSettingsInput {
  NETWORK?: NetworkName | 'custom'
  CHAIN_ID?: number
  FINALITY_CONFIRMATIONS?: number
  RPC_ENDPOINT?: string
  START_BLOCK: number
  /** `<PREFIX>_START_BLOCK` values, by env name. */
  startBlocks: { [name: `${string}_START_BLOCK`]: number | undefined }
}

export interface ChainSettings {
  network: NetworkName | 'custom'
  chainId: number
  finalityConfirmations: number
  /** First block of each contract's logs: its own `<PREFIX>_START_BLOCK`, else START_BLOCK. */
  contractStartBlocks: Record<keyof ContractAddresses, number>
}

/** Resolves the chain part of the configuration; throws on a contradiction, like the rest of loadConfig. */
export function resolveChainSettings(input: ChainSettingsInput): ChainSettings {
  const network = input.NETWORK ?? 'custom'
  const preset = network === 'custom' ? undefined : NETWORK_PRESETS[network]
  if (preset?.needsRpcEndpoint && input.RPC_ENDPOINT == null) {
    throw new Error(`invalid configuration: NETWORK=${network} needs RPC_ENDPOINT (the JSON-RPC URL of your provider)`)
  }
  if (preset && input.CHAIN_ID != null && input.CHAIN_ID !== preset.chainId) {
    throw new Error(`invalid configuration: NETWORK=${network} is chain ${preset.chainId}, but CHAIN_ID is ${input.CHAIN_ID}`)
  }
  const contractStartBlocks = Object.fromEntries(
    Object.entries(CONTRACT_ENV_PREFIX).map(([role, prefix]) => [role, input.startBlocks[`${prefix}_START_BLOCK` as const] ?? input.START_BLOCK]),
  ) as Record<keyof ContractAddresses, number>
  return {
    network,
    chainId: preset?.chainId ?? input.CHAIN_ID ?? CUSTOM_DEFAULTS.chainId,
    finalityConfirmations:
      input.FINALITY_CONFIRMATIONS ?? preset?.finalityConfirmations ?? CUSTOM_DEFAULTS.finalityConfirmations,
    contractStartBlocks,
  }
}
