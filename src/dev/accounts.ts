import { createTestClient, encodeAbiParameters, http, keccak256, type Address, type Hex } from 'viem'
import { mnemonicToAccount, type HDAccount } from 'viem/accounts'

/** anvil's default mnemonic: its first 10 accounts are funded at start. */
export const ANVIL_DEFAULT_MNEMONIC = 'test test test test test test test test test test test junk'

/**
 * The dev workload sends from the mnemonic's accounts 10..19: anvil funds only 0..9, and those belong to
 * whoever else uses the chain (the deployer, tests), so the workload never races them for nonces.
 */
export const DEV_WORKLOAD_FIRST_ACCOUNT = 10
export const DEV_WORKLOAD_ACCOUNT_COUNT = 10

/** Enough for days of activity: fees, contribution stakes and staking all spend ether. */
export const DEV_WORKLOAD_BALANCE = 1_000_000n * 10n ** 18n

export function mnemonicAccounts(firstIndex: number, count: number, mnemonic = ANVIL_DEFAULT_MNEMONIC): HDAccount[] {
  return Array.from({ length: count }, (_, i) => mnemonicToAccount(mnemonic, { addressIndex: firstIndex + i }))
}

/**
 * Private keys of the inference nodes, derived from the seed so a run is reproducible. A keccak256 output is a
 * valid secp256k1 key except with negligible probability (zero or above the group order, about 2^-128).
 * Nodes only sign usage records, so they need no ether.
 */
export function deriveNodeKeys(seed: number, count: number): Hex[] {
  return Array.from({ length: count }, (_, index) =>
    keccak256(encodeAbiParameters([{ type: 'string' }, { type: 'uint32' }, { type: 'uint32' }], ['attrib-workload/node', seed, index])),
  )
}

/**
 * Sets the balances with anvil's `anvil_setBalance` rather than transfers from a funded account: no account of
 * someone else's is used, so nothing can race its nonces. Works on anvil only (and hardhat's equivalent method
 * name differs), which is where the dev workload runs.
 */
export async function fundOnAnvil(rpcEndpoint: string, addresses: readonly Address[], balance: bigint): Promise<void> {
  const anvil = createTestClient({ mode: 'anvil', transport: http(rpcEndpoint) })
  for (const address of addresses) await anvil.setBalance({ address, value: balance })
}
