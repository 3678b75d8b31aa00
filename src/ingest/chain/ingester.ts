import { createPublicClient, http } from 'viem'
import type { Config } from '../../config.js'
import { openDatabase } from '../../db/data-source.js'
import { chainEventId } from '../../domain/envelope.js'
import type { Logger } from '../../logger.js'
import { openLog } from '../../log/open-log.js'
import { retryForever } from '../../log/retry.js'
import { pipelineTopics } from '../../log/topics.js'
import { decodeLog, rolesByAddress, type BlockInfo, type RawLog } from './decode.js'
import { ingestMetrics } from './ingest-metrics.js'
import { EventBuffer, LogSinkDatabase, type CommittedBatch } from './log-sink-database.js'
import { serveMetrics } from './metrics-server.js'
import { createProcessor, type BatchContext } from './processor.js'
import { startProgress } from './progress.js'

/** How long a shutdown waits for the transaction in progress (a publish stuck on a down broker is abandoned). */
const SHUTDOWN_GRACE_MS = 10_000

/**
 * Runs the chain ingester: protocol logs → envelopes → the chain topic. The squid processor owns the process
 * from here on (it exits on a fatal error, so a supervisor restarts it and the cursor makes that safe); SIGTERM
 * and SIGINT end it cleanly: the transaction in progress completes, then the producer, lock and pool close.
 */
export async function runChainIngester({
  config,
  logger,
  ownsProcess = true,
  progressStream,
}: {
  config: Config
  logger: Logger
  /** false when a host (`attrib dev`) handles the signals and calls stop() before shutting down its own parts. */
  ownsProcess?: boolean
  /** Where the progress line goes (default stderr; a host with a status of its own passes another). */
  progressStream?: NodeJS.WriteStream
}): Promise<{ stop(): Promise<void> }> {
  const { chainId } = config.chain
  const rpc = createPublicClient({ transport: http(config.chain.rpcEndpoint) })
  const rpcChainId = await rpc.getChainId()
  if (rpcChainId !== chainId) {
    throw new Error(`RPC_ENDPOINT serves chain ${rpcChainId} but CHAIN_ID is ${chainId} (NETWORK=${config.chain.network})`)
  }
  const processor = createProcessor(config.chain)
  const db = await openDatabase(config.dbUrl, { poolSize: 2 })
  const log = openLog(config, db, logger)
  const retrying = { logger, onRetry: () => ingestMetrics.publishRetries.inc() }
  await retryForever('creating topics', () => log.ensureTopics(pipelineTopics(config)), retrying)
  const producer = await retryForever('connecting the producer', () => log.producer(), retrying)
  const roles = rolesByAddress(config.chain.contracts)
  const metricsServer = await serveMetrics(config.chain.metricsPort, logger)
  const progress = startProgress({ chainId, logger, stream: progressStream, fetchHead: async () => Number(await rpc.getBlockNumber()) })

  const database = new LogSinkDatabase({
    chainId,
    db,
    producer,
    chainTopic: config.topics.chain(chainId),
    deadLetterTopic: config.topics.deadLetter,
    logger,
    publish: (send) => retryForever('publishing to the log', send, retrying),
    onCommitted: (batch) => {
      countCommitted(batch)
      progress.committed(batch.height, batch.events.length)
    },
  })

  let stopping: Promise<void> | undefined
  const stop = () => (stopping ??= stopIngester())
  async function stopIngester() {
    progress.stop()
    try {
      await database.stop(SHUTDOWN_GRACE_MS)
      await Promise.allSettled([log.close(), metricsServer?.close()])
      await db.destroy()
      logger.info('chain ingester stopped')
    } catch (err) {
      logger.warn({ err }, 'the chain ingester did not stop cleanly; the cursor makes the next start safe')
    }
  }
  if (ownsProcess) {
    const shutdown = async (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping the chain ingester')
      await stop()
      process.exit(0)
    }
    process.once('SIGTERM', shutdown)
    process.once('SIGINT', shutdown)
  }

  logger.info(
    { chainId, network: config.chain.network, finalityConfirmations: config.chain.finalityConfirmations, startBlocks: config.chain.contractStartBlocks },
    'chain ingester starting',
  )
  processor.run(database, async (ctx: BatchContext<EventBuffer>) => {
    for (const block of ctx.blocks) {
      const info: BlockInfo = { height: block.header.height, hash: block.header.hash, timestamp: block.header.timestamp }
      for (const log of block.logs) addDecoded(ctx.store, chainId, roles, info, log)
    }
  })
  return { stop }
}

function addDecoded(store: EventBuffer, chainId: number, roles: ReturnType<typeof rolesByAddress>, block: BlockInfo, log: RawLog) {
  const result = decodeLog(chainId, roles, block, log)
  if (result.ok) {
    store.events.push(result.envelope)
    return
  }
  const eventId = chainEventId(chainId, block.hash, log.logIndex)
  // The raw log as the chain gave it, so the dead letter can be re-driven once the ABI or the code is fixed.
  const raw = {
    block,
    log: { address: log.address, topics: log.topics, data: log.data, logIndex: log.logIndex, transactionHash: log.transactionHash },
  }
  store.deadLetters.push({
    key: `chain:${eventId}`,
    stage: 'chain-ingest',
    reason: result.reason,
    detail: result.detail,
    eventId,
    original: Buffer.from(JSON.stringify(raw)),
    blockHash: block.hash,
  })
}

function countCommitted(batch: CommittedBatch) {
  for (const event of batch.events) ingestMetrics.eventsPublished.inc({ type: event.type })
  for (const letter of batch.deadLetters) ingestMetrics.deadLetters.inc({ reason: letter.reason })
  if (batch.orphanedBlocks > 0) ingestMetrics.orphanedBlocks.inc(batch.orphanedBlocks)
}
