#!/usr/bin/env node
import { Command } from 'commander'
import { loadConfig, type Config } from './config.js'
import { createLogger, type Logger } from './logger.js'
import { usageCommand } from './ingest/usage/producer.js'
import { openDatabase } from './db/data-source.js'
import { serveMetrics } from './ingest/chain/metrics-server.js'
import { createTerminalLogger, StatusBoard, wantsTerminal } from './dev/terminal.js'
import { projectionDigest } from './project/digest.js'
import { replayProjection } from './project/replay.js'
import { migrateDatabase, projectorTopics, serveApi, startApi, startChainIngester, startProjection, startUsage } from './services.js'
import { settingsHelp } from './settings-docs.js'

const ENVIRONMENT_HELP = `\n${settingsHelp()}`

function action(run: (ctx: { config: Config; logger: Logger }) => Promise<unknown>) {
  return async () => {
    const config = loadConfig()
    const logger = createLogger(config.logLevel)
    try {
      await run({ config, logger })
    } catch (err) {
      logger.fatal({ err }, 'stopped by an error')
      process.exitCode = 1
      setTimeout(() => process.exit(1), 1000).unref()
    }
  }
}

const program = new Command('attrib')
  .description('Event-sourced indexer for AI-attribution chains: chain and usage logs → Kafka → Postgres → GraphQL')
  .addHelpText('after', ENVIRONMENT_HELP)

program
  .command('ingest')
  .description('index protocol events from the chain (RPC_ENDPOINT) into the chain topic, reorg-safe')
  .addHelpText('after', ENVIRONMENT_HELP)
  .action(action(startChainIngester))

program
  .command('ingest-usage')
  .description('accept signed usage records (POST /usage on USAGE_PORT, USAGE_DIR files, the raw topic) into the usage topic')
  .addHelpText('after', ENVIRONMENT_HELP)
  .action(action(startUsage))

program
  .command('project')
  .description('apply the log to the Postgres projection (DB_URL), exactly once; metrics on METRICS_PORT')
  .addHelpText('after', ENVIRONMENT_HELP)
  .action(
    action(async (ctx) => {
      await startProjection(ctx)
      await serveMetrics(ctx.config.chain.metricsPort, ctx.logger)
    }),
  )

program
  .command('migrate')
  .description('apply pending migrations and trigger DDL to the database (DB_URL); the API only checks they are applied')
  .addHelpText('after', ENVIRONMENT_HELP)
  .action(action(migrateDatabase))

program
  .command('serve')
  .description('serve the projection over GraphQL on GQL_PORT (GraphiQL at /graphql)')
  .addHelpText('after', ENVIRONMENT_HELP)
  .action(action(serveApi))

program
  .command('run')
  .description('ingest (chain and usage), project and serve in one process')
  .addHelpText('after', ENVIRONMENT_HELP)
  .action(
    action(async (ctx) => {
      await startProjection(ctx)
      await startApi(ctx)
      await startUsage(ctx)
      await startChainIngester(ctx)
    }),
  )

program
  .command('dev')
  .description('the whole pipeline in one process on embedded parts (PGlite, embedded log, anvil + workload) unless DB_URL, KAFKA_BROKERS or RPC_ENDPOINT point at real ones')
  .option('--reset', 'delete the embedded data first')
  .option('--data-dir <dir>', 'where embedded parts keep their data (default: DATA_DIR)')
  .option('--seed <n>', 'seed of the workload generator', (v) => Number.parseInt(v, 10), 1)
  .addHelpText('after', ENVIRONMENT_HELP)
  .action((opts: { reset?: boolean; dataDir?: string; seed: number }) =>
    action(async ({ config, logger }) => {
      const dataDir = opts.dataDir ?? config.dataDir
      // On a terminal: a status that updates in place, readable warnings, the JSON log in the data folder.
      const board = wantsTerminal(config) ? new StatusBoard() : undefined
      const terminal = board && createTerminalLogger(config.logLevel, dataDir, board)
      if (terminal) board.log(`  logs: ${terminal.logFile}`)
      // Only `attrib dev` loads the embedded parts (PGlite and its WebAssembly, anvil, the workload).
      const { runDev } = await import('./dev/dev-mode.js')
      await runDev({ dataDir, reset: opts.reset ?? false, seed: opts.seed, logger: terminal?.logger ?? logger, board })
    })(),
  )

program
  .command('replay')
  .description('rebuild the projection from the start of the log into a fresh schema (stop the projector first), then switch to it')
  .option('--no-switch', 'build and compare only; keep the live projection in place')
  .addHelpText('after', ENVIRONMENT_HELP)
  .action((opts: { switch: boolean }) =>
    action(async ({ config, logger }) => {
      const result = await replayProjection({
        config,
        logger,
        topics: projectorTopics(config),
        settings: config.projection,
        switchOver: opts.switch,
      })
      console.log(JSON.stringify(result, null, 2))
      if (result.liveDigest !== result.replayDigest) process.exitCode = 2
    })(),
  )

program
  .command('digest')
  .description('print a canonical hash of the projected state (equal for equal projections)')
  .option('--tables', 'also print each table\'s row count and hash')
  .addHelpText('after', ENVIRONMENT_HELP)
  .action((opts: { tables?: boolean }) =>
    action(async ({ config }) => {
      const db = await openDatabase(config.dbUrl)
      try {
        const { digest, tables } = await projectionDigest(db)
        console.log(opts.tables ? JSON.stringify({ digest, tables }, null, 2) : digest)
      } finally {
        await db.destroy()
      }
    })(),
  )

program.addCommand(usageCommand())

await program.parseAsync()
