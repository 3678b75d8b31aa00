import { createPublicClient, createWalletClient, http, type Address, type Hex, type PublicClient } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { deployProtocol, loadContractArtifact, PROTOCOL_CONTRACTS, type ProtocolAddresses } from '../../src/chain/protocol.js'

export { protocolEnv } from '../../src/chain/protocol.js'

export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk'

/**
 * A wallet on the test chain. Each test file takes its own account index, so files running in parallel on
 * one anvil never race for nonces (contracts.int.test.ts uses 0-3).
 */
export function testWallet(rpcEndpoint: string, accountIndex: number) {
  const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: accountIndex })
  const transport = http(rpcEndpoint)
  const client = createPublicClient({ chain: foundry, transport }) as PublicClient
  const wallet = createWalletClient({ account, chain: foundry, transport })

  async function write(
    contract: keyof typeof PROTOCOL_CONTRACTS,
    address: Address,
    functionName: string,
    args: unknown[],
    value?: bigint,
  ) {
    const { abi } = loadContractArtifact(PROTOCOL_CONTRACTS[contract])
    const hash = await wallet.writeContract({ address, abi, functionName, args, value, account, chain: foundry })
    const receipt = await client.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new Error(`${functionName} reverted (${hash})`)
    return receipt
  }

  return {
    account,
    client,
    wallet,
    write,
    deploy: (): Promise<ProtocolAddresses> => deployProtocol(wallet, client),
    createDatanet: (protocol: ProtocolAddresses, metadataURI: string) =>
      write('datanets', protocol.datanets, 'createDatanet', [metadataURI]),
    submitContribution: (protocol: ProtocolAddresses, datanetId: bigint, contentHash: Hex, stake: bigint) =>
      write('datanets', protocol.datanets, 'submitContribution', [datanetId, contentHash], stake),
  }
}
