import { EvmBatchProcessor, type DataHandlerContext, type EvmBatchProcessorFields } from '@subsquid/evm-processor'
import type { Config } from '../../config.js'

/** The processor's configuration and the types derived from it, nothing else (squid convention). */
export function createProcessor(chain: Config['chain']) {
  const addresses = Object.values(chain.contracts).filter((a): a is string => a != null)
  if (addresses.length === 0) {
    throw new Error('no contract addresses configured: set DATANET_REGISTRY_ADDRESS and the other *_ADDRESS variables')
  }
  return new EvmBatchProcessor()
    .setRpcEndpoint({ url: chain.rpcEndpoint, rateLimit: chain.rpcRateLimit })
    .setRpcDataIngestionSettings({ headPollInterval: chain.headPollIntervalMs })
    .setFinalityConfirmation(chain.finalityConfirmations)
    .setBlockRange({ from: chain.startBlock })
    .setFields({
      block: { timestamp: true },
      log: { address: true, topics: true, data: true, transactionHash: true },
    })
    .addLog({ address: addresses })
}

export type ChainProcessor = ReturnType<typeof createProcessor>
export type Fields = EvmBatchProcessorFields<ChainProcessor>
export type BatchContext<Store> = DataHandlerContext<Store, Fields>
