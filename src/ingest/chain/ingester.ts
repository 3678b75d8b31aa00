import { createPublicClient, http } from 'viem'
import type { Config } from '../../config.js'
import { openDatabase } from '../../db/data-source.js'
import { chainEventId } from '../../domain/envelope.js'
import type { Logger } from '../../logger.js'
import { createKafkaLog } from '../../log/kafka-log.js'
import { retryForever } from '../../log/retry.js'
import { pipelineTopics } from '../../log/topics.js'
import { decodeLog, rolesByAddress } from './decode.js'
import { EventBuffer, LogSinkDatabase } from './log-sink-database.js'
import { createProcessor, type BatchContext } from './processor.js'

/**
 * Runs the chain ingester: protocol logs → envelopes → the chain topic. The squid processor owns the process
 * from here on (it exits on a fatal error, so a supervisor restarts it and the cursor makes that safe).
 */
export async function runChainIngester({ config, logger }: { config: Config; logger: Logger }): Promise<void> {
  const { chainId } = config.chain
  const rpcChainId = await createPublicClient({ transport: http(config.chain.rpcEndpoint) }).getChainId()
  if (rpcChainId !== chainId) {
    throw new Error(`RPC_ENDPOINT serves chain ${rpcChainId} but CHAIN_ID is ${chainId}`)
  }
  const processor = createProcessor(config.chain)
  const db = await openDatabase(config.dbUrl, { poolSize: 2 })
  const log = createKafkaLog({ ...config.kafka, logger })
  await retryForever('creating topics', () => log.ensureTopics(pipelineTopics(config)), { logger })
  const producer = await retryForever('connecting the producer', () => log.producer(), { logger })
  const roles = rolesByAddress(config.chain.contracts)

  const database = new LogSinkDatabase({
    chainId,
    db,
    producer,
    chainTopic: config.topics.chain(chainId),
    deadLetterTopic: config.topics.deadLetter,
    logger,
    publish: (send) => retryForever('publishing to the log', send, { logger }),
  })

  processor.run(database, async (ctx: BatchContext<EventBuffer>) => {
    for (const block of ctx.blocks) {
      const info = { height: block.header.height, hash: block.header.hash, timestamp: block.header.timestamp }
      for (const log of block.logs) {
        const result = decodeLog(chainId, roles, info, log)
        if (result.ok) {
          ctx.store.events.push(result.envelope)
        } else {
          const eventId = chainEventId(chainId, info.hash, log.logIndex)
          ctx.store.deadLetters.push({
            key: `chain:${eventId}`,
            stage: 'chain-ingest',
            reason: result.reason,
            detail: result.detail,
            eventId,
            original: Buffer.from(JSON.stringify({ block: info, log })),
          })
        }
      }
    }
  })
}
