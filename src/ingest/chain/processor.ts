import { EvmBatchProcessor, type DataHandlerContext, type EvmBatchProcessorFields } from '@subsquid/evm-processor'
import type { Config } from '../../config.js'

const FIELDS = {
  block: { timestamp: true },
  log: { address: true, topics: true, data: true, transactionHash: true },
} as const

/** The processor's configuration and the types derived from it, nothing else (squid convention). */
export function createProcessor(chain: Config['chain']) {
  const watched = Object.entries(chain.contracts).filter((entry): entry is [keyof typeof chain.contracts, string] => entry[1] != null)
  if (watched.length === 0) {
    throw new Error('no contract addresses configured: set DATANET_REGISTRY_ADDRESS and the other *_ADDRESS variables')
  }
  const processor = new EvmBatchProcessor()
    .setRpcEndpoint({ url: chain.rpcEndpoint, rateLimit: chain.rpcRateLimit })
    .setRpcDataIngestionSettings({ headPollInterval: chain.headPollIntervalMs })
    .setFinalityConfirmation(chain.finalityConfirmations)
    .setPrometheusPort(chain.processorPrometheusPort)
    .setFields(FIELDS)
  // One request per contract, each from its own deployment block: nothing is fetched for a contract before it exists.
  for (const [role, address] of watched) {
    processor.addLog({ address: [address], range: { from: chain.contractStartBlocks[role] } })
  }
  return processor
}

export type ChainProcessor = ReturnType<typeof createProcessor>
export type Fields = EvmBatchProcessorFields<ChainProcessor>
export type BatchContext<Store> = DataHandlerContext<Store, Fields>
