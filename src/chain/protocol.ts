import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Abi, Address, Hex, PublicClient, WalletClient } from 'viem'
import { repoRoot } from '../repo-root.js'

/** The protocol's contracts (contracts/src), by the key their address has in ProtocolAddresses. */
export const PROTOCOL_CONTRACTS = {
  datanets: 'DatanetRegistry',
  models: 'ModelRegistry',
  agents: 'AgentRegistry',
  nodes: 'InferenceNodeRegistry',
  settlement: 'InferenceSettlement',
  rewards: 'RewardDistributor',
  staking: 'TestStaking',
} as const

export type ContractName = (typeof PROTOCOL_CONTRACTS)[keyof typeof PROTOCOL_CONTRACTS]
export type ProtocolAddresses = { [K in keyof typeof PROTOCOL_CONTRACTS]: Address }

export interface ContractArtifact {
  abi: Abi
  bytecode: Hex
}

/** Reads contracts/out/<name>.json, written by `npm run build:contracts`. */
export function loadContractArtifact(name: ContractName): ContractArtifact {
  const file = join(repoRoot, 'contracts', 'out', `${name}.json`)
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build:contracts\``)
  const { abi, bytecode } = JSON.parse(readFileSync(file, 'utf8')) as ContractArtifact
  return { abi, bytecode }
}

/**
 * Deploys all protocol contracts from the wallet's account and waits for their receipts.
 * The transactions are sent back to back with explicit nonces, so on a chain with a block time
 * the deployment takes about one block, not one block per contract.
 */
export async function deployProtocol(wallet: WalletClient, client: PublicClient): Promise<ProtocolAddresses> {
  const account = wallet.account
  if (!account) throw new Error('deployProtocol: the wallet client needs an account')
  let nonce = await client.getTransactionCount({ address: account.address, blockTag: 'pending' })

  const keys = Object.keys(PROTOCOL_CONTRACTS) as (keyof typeof PROTOCOL_CONTRACTS)[]
  const hashes: Hex[] = []
  for (const key of keys) {
    const { abi, bytecode } = loadContractArtifact(PROTOCOL_CONTRACTS[key])
    hashes.push(await wallet.deployContract({ abi, bytecode, account, chain: wallet.chain, nonce: nonce++ }))
  }

  const receipts = await Promise.all(hashes.map((hash) => client.waitForTransactionReceipt({ hash })))
  const entries = keys.map((key, i) => {
    const { status, contractAddress } = receipts[i]!
    if (status !== 'success' || !contractAddress) {
      throw new Error(`deployProtocol: deploying ${PROTOCOL_CONTRACTS[key]} failed (tx ${hashes[i]})`)
    }
    return [key, contractAddress] as const
  })
  return Object.fromEntries(entries) as ProtocolAddresses
}

/** The environment variables that point `attrib` at a deployment of the protocol. */
export function protocolEnv(protocol: ProtocolAddresses): Record<string, string> {
  return {
    DATANET_REGISTRY_ADDRESS: protocol.datanets,
    MODEL_REGISTRY_ADDRESS: protocol.models,
    AGENT_REGISTRY_ADDRESS: protocol.agents,
    INFERENCE_NODE_REGISTRY_ADDRESS: protocol.nodes,
    SETTLEMENT_ADDRESS: protocol.settlement,
    REWARD_DISTRIBUTOR_ADDRESS: protocol.rewards,
    STAKING_ADDRESS: protocol.staking,
  }
}
