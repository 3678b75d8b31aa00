import type { Server } from 'node:http'
import type { DataSource } from 'typeorm'
import type { Config } from '../../config.js'
import type { Logger } from '../../logger.js'
import type { Log, TopicSpec } from '../../log/log.js'
import { retryForever } from '../../log/retry.js'
import { pipelineTopics, USAGE_PARTITIONS } from '../../log/topics.js'
import { startFileSource } from './file-source.js'
import { startUsageHttpServer } from './http-source.js'
import { createUsageIngester } from './ingester.js'
import type { Loop } from './loop.js'
import { usageMetrics } from './metrics.js'
import { startPendingSweeper } from './pending.js'
import { createPendingQuota } from './pending-quota.js'
import { createPublisher } from './publisher.js'
import { startRawTopicSource } from './raw-topic-source.js'
import { loadSignatureCrypto } from './signature-crypto.js'
import { createSignatureVerifier } from './verify.js'

export interface RunningUsageIngestion {
  port: number
  close(): Promise<void>
}

/** The raw topic producers may write usage records to directly. */
export function rawUsageTopic(config: Config): string {
  return `${config.topics.usage}.raw`
}

export function usageTopics(config: Config): TopicSpec[] {
  return [...pipelineTopics(config), { name: rawUsageTopic(config), partitions: USAGE_PARTITIONS }]
}

/**
 * Starts usage ingestion on a log and a database the caller opened (and closes): `POST /usage`, the raw-topic
 * consumer, the folder watcher when USAGE_DIR is set, and the pending/republish sweeper.
 */
export async function startUsageIngestion(options: {
  config: Config
  logger: Logger
  log: Log
  db: DataSource
}): Promise<RunningUsageIngestion> {
  const { config, log, db } = options
  const { usage } = config
  const logger = options.logger.child({ stage: 'usage-ingest' })
  const nodeRegistry = config.chain.contracts.nodes
  if (!nodeRegistry) {
    throw new Error('usage ingestion needs INFERENCE_NODE_REGISTRY_ADDRESS: it is the EIP-712 domain usage records are signed in')
  }
  await retryForever('creating usage topics', () => log.ensureTopics(usageTopics(config)), { logger })

  const crypto = loadSignatureCrypto({ forbidNative: !usage.nativeCrypto })
  usageMetrics.nativeCrypto.set({ part: 'keccak' }, crypto.native.keccak ? 1 : 0)
  usageMetrics.nativeCrypto.set({ part: 'secp256k1' }, crypto.native.secp256k1 ? 1 : 0)
  if (crypto.problems.length > 0) {
    logger.warn({ problems: crypto.problems }, 'a native crypto addon did not load: usage signatures are checked in pure JS, about 25x the CPU per record')
  }
  const domain = { chainId: config.chain.chainId, nodeRegistry: nodeRegistry as `0x${string}` }
  const pendingQuota = createPendingQuota(usage.pendingLimits)
  await pendingQuota.refresh(db)
  const publisher = createPublisher(log, { timeoutMs: usage.publishTimeoutMs, logger })
  const ingester = createUsageIngester({
    db,
    publisher,
    topics: { usage: config.topics.usage, deadLetter: config.topics.deadLetter },
    maxFutureSkewSeconds: usage.maxFutureSkewSeconds,
    pending: { graceSeconds: usage.pending.graceSeconds, timeoutMs: usage.pending.timeoutMs },
    verifier: createSignatureVerifier(domain, crypto),
    pendingQuota,
    logger,
  })
  const loops: Loop[] = [
    startPendingSweeper({ db, ingester, pendingQuota, recheckMs: usage.pending.recheckMs, republishAfterMs: 2 * usage.publishTimeoutMs, logger }),
  ]
  if (usage.dir) {
    loops.push(startFileSource({ dir: usage.dir, db, ingester, pollMs: usage.dirPollMs, settleMs: usage.fileSettleMs, maxRecordBytes: usage.maxRecordBytes, logger }))
  }
  const rawConsumer = await startRawTopicSource({
    log,
    db,
    ingester,
    topic: rawUsageTopic(config),
    group: usage.rawGroup,
    maxRecordBytes: usage.maxRecordBytes,
    logger,
  })
  const server = await startUsageHttpServer({ ingester, config: usage, logger })
  const port = (server.address() as { port: number }).port
  logger.info({ url: `http://127.0.0.1:${port}/usage`, auth: usage.authToken ? 'bearer' : 'none', dir: usage.dir }, 'usage ingestion listening')

  return {
    port,
    async close() {
      await closeServer(server)
      await Promise.all(loops.map((l) => l.close()))
      await rawConsumer.close()
      await publisher.close()
    },
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
  })
}
