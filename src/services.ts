import { startApiServer } from './api/server.js'
import type { Config } from './config.js'
import { openDatabase } from './db/data-source.js'
import { runChainIngester } from './ingest/chain/ingester.js'
import { startUsageIngestion } from './ingest/usage/service.js'
import { createKafkaLog } from './log/kafka-log.js'
import { retryForever } from './log/retry.js'
import { pipelineTopics } from './log/topics.js'
import type { Logger } from './logger.js'
import { startProjector } from './project/projector.js'

/** The pipeline's long-running services, each startable alone (one per process) or together (`attrib run`). */
export interface ServiceContext {
  config: Config
  logger: Logger
}

export function startChainIngester(ctx: ServiceContext) {
  return runChainIngester(ctx)
}

export async function startProjection({ config, logger }: ServiceContext) {
  const db = await openDatabase(config.dbUrl)
  const log = createKafkaLog({ ...config.kafka, logger })
  await retryForever('creating topics', () => log.ensureTopics(pipelineTopics(config)), { logger })
  const projector = await startProjector({
    db,
    log,
    group: config.projectorGroup,
    chainTopic: config.topics.chain(config.chain.chainId),
    deadLetterTopic: config.topics.deadLetter,
    logger,
  })
  return {
    async close() {
      await projector.close()
      await log.close()
      await db.destroy()
    },
  }
}

export async function startApi({ config, logger }: ServiceContext) {
  const db = await openDatabase(config.dbUrl)
  const server = await startApiServer({ db, logger, port: config.api.port })
  return {
    async close() {
      await new Promise((resolve) => server.close(resolve))
      await db.destroy()
    },
  }
}

export async function startUsage({ config, logger }: ServiceContext) {
  const db = await openDatabase(config.dbUrl)
  const log = createKafkaLog({ ...config.kafka, logger })
  const usage = await startUsageIngestion({ config, logger, log, db })
  return {
    async close() {
      await usage.close()
      await log.close()
      await db.destroy()
    },
  }
}
