import cluster from 'node:cluster'
import { SCHEMA_NOT_CURRENT_EXIT, superviseApiWorkers } from './api/workers.js'
import type { Config } from './config.js'
import { openDatabase } from './db/data-source.js'
import { assertSchemaCurrent, schemaStatus } from './db/schema-check.js'
import type { NotificationSource } from './db/wire-notifications.js'
import { runChainIngester } from './ingest/chain/ingester.js'
import { startUsageIngestion } from './ingest/usage/service.js'
import { openLog } from './log/open-log.js'
import { retryForever } from './log/retry.js'
import { pipelineTopics } from './log/topics.js'
import type { Logger } from './logger.js'
import { startProjector, type ProjectorTopics } from './project/projector.js'
import { holdProjectorLock } from './project/replay.js'
import { startEpochCloser } from './project/epoch-closer.js'

/** The pipeline's long-running services, each startable alone (one per process) or together (`attrib run`). */
export interface ServiceContext {
  config: Config
  logger: Logger
}

export function startChainIngester(ctx: ServiceContext & { ownsProcess?: boolean; progressStream?: NodeJS.WriteStream }) {
  return runChainIngester(ctx)
}

export async function startProjection({ config, logger }: ServiceContext) {
  const db = await openDatabase(config.dbUrl)
  const log = openLog(config, db, logger)
  await retryForever('creating topics', () => log.ensureTopics(pipelineTopics(config)), { logger })
  const lock = await holdProjectorLock(db, config.projectorGroup, logger)
  const projector = await startProjector({
    db,
    log,
    group: config.projectorGroup,
    topics: projectorTopics(config),
    settings: config.projection,
    logger,
    concurrentPartitions: config.projectorConcurrency,
    planAhead: config.projectorPlanAhead,
  })
  const closer = startEpochCloser({
    db,
    log,
    group: config.projectorGroup,
    usageTopic: config.topics.usage,
    epochBlocks: config.projection.epochBlocks,
    logger,
  })
  return {
    async close() {
      await closer.stop()
      await projector.close()
      await lock.release()
      await log.close()
      await db.destroy()
    },
  }
}

/**
 * The API only reads: it changes no schema, and refuses to start on one `attrib migrate` has not brought up to
 * date. `notifications`: the embedded database's, when it runs in this process (`attrib dev`).
 */
export async function startApi({ config, logger, notifications }: ServiceContext & { notifications?: NotificationSource }) {
  try {
    await assertSchemaCurrent(config.dbUrl)
  } catch (err) {
    if (!cluster.isWorker) throw err
    logger.fatal({ err }, 'refusing to serve')
    process.exit(SCHEMA_NOT_CURRENT_EXIT) // the primary then stops every worker rather than replacing this one
  }
  // Loaded here, not at the top: the API's modules (GraphiQL alone is 27 MB of strings) would otherwise sit in
  // the heap of every projector, replay and ingester.
  const { startApiServer } = await import('./api/server.js')
  const server = await startApiServer({ db: config.dbUrl, logger, ...config.api, notifications })
  return {
    server,
    async close() {
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** `attrib serve`: the API alone, in GQL_WORKERS processes when that is more than one. */
export async function serveApi(ctx: ServiceContext) {
  if (ctx.config.api.workers > 1 && cluster.isPrimary) return superviseApiWorkers(ctx.config.api.workers, ctx.logger)
  return startApi(ctx)
}

/** `attrib migrate`: applies pending migrations and the undo triggers (the projector also does on start). */
export async function migrateDatabase({ config, logger }: ServiceContext) {
  const db = await openDatabase(config.dbUrl)
  await db.destroy()
  const status = await schemaStatus(config.dbUrl)
  logger.info({ ...status }, 'database schema is current')
}

export async function startUsage({ config, logger }: ServiceContext) {
  const db = await openDatabase(config.dbUrl)
  const log = openLog(config, db, logger)
  const usage = await startUsageIngestion({ config, logger, log, db })
  return {
    port: usage.port,
    async close() {
      await usage.close()
      await log.close()
      await db.destroy()
    },
  }
}

export function projectorTopics(config: Config): ProjectorTopics {
  return { chain: config.topics.chain(config.chain.chainId), usage: config.topics.usage, deadLetter: config.topics.deadLetter }
}
