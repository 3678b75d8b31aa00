import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import { createPublicClient, createWalletClient, http } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { deployProtocol, protocolEnv, type ProtocolAddresses } from '../chain/protocol.js'
import { loadConfig } from '../config.js'
import { freePort } from '../free-port.js'
import { resetEmbeddedData, startEmbeddedPostgres } from '../db/embedded-postgres.js'
import { postUsageRecords } from '../ingest/usage/producer.js'
import type { NotificationSource } from '../db/wire-notifications.js'
import type { Logger } from '../logger.js'
import { startApi, startChainIngester, startProjection, startUsage } from '../services.js'
import { ANVIL_DEFAULT_MNEMONIC } from './accounts.js'
import { answersChainId, startAnvil } from './anvil.js'
import { startDevWorkload } from './workload.js'

/** Defaults that make a local chain show closed epochs within minutes (production: a day, 10 confirmations). */
const DEV_DEFAULTS = { EPOCH_BLOCKS: '120', FINALITY_CONFIRMATIONS: '5', HEAD_POLL_INTERVAL_MS: '500' }

export interface DevOptions {
  dataDir: string
  reset: boolean
  seed: number
  logger: Logger
}

/**
 * `attrib dev` (`npm start`): the whole pipeline in one process, each part embedded unless the environment
 * points at a real one: PGlite served over the Postgres protocol (DB_URL unset), the embedded log (KAFKA_BROKERS
 * unset), anvil with the protocol deployed and a workload generator (RPC_ENDPOINT unset). Everything embedded
 * keeps its data in `dataDir`, so a restart resumes where it stopped.
 */
export async function runDev(options: DevOptions): Promise<void> {
  const { logger } = options
  const base = loadConfig()
  if (options.reset) {
    const removed = await resetEmbeddedData(options.dataDir)
    logger.info({ dataDir: options.dataDir, removed }, 'embedded data reset')
  }
  await mkdir(options.dataDir, { recursive: true })
  const cleanups: (() => Promise<void>)[] = []
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'stopping')
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => logger.warn({ err }, 'cleanup failed'))
    process.exit(0)
  }
  process.once('SIGINT', () => void shutdown('SIGINT'))
  process.once('SIGTERM', () => void shutdown('SIGTERM'))

  const env: NodeJS.ProcessEnv = { ...DEV_DEFAULTS, ...process.env }
  const embedded: string[] = []
  let notifications: NotificationSource | undefined
  if (base.unset.db) {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(options.dataDir, 'pglite'), logger })
    cleanups.push(() => pg.stop())
    env.DB_URL = pg.url
    notifications = pg.notifications
    embedded.push(`PostgreSQL: PGlite in ${pg.dataDir} (served at ${pg.url})`)
  }
  embedded.push(base.unset.kafka ? 'log: embedded, a table in that database' : `log: Kafka at ${base.kafka.brokers!.join(',')}`)
  let protocol: ProtocolAddresses | undefined
  if (base.unset.rpc) {
    const url = `http://127.0.0.1:${await portFor(8545)}`
    const stateFile = path.join(options.dataDir, 'anvil-state.json')
    const anvil = await startAnvil(url, ['--state', stateFile, '--block-time', '1'])
    cleanups.push(() => anvil.stop())
    env.RPC_ENDPOINT = url
    protocol = await deployedProtocol(url, path.join(options.dataDir, 'protocol.json'))
    Object.assign(env, protocolEnv(protocol))
    embedded.push(`chain: anvil at ${url} (state in ${stateFile}), protocol deployed, workload seed ${options.seed}`)
  }
  const config = loadConfig(env)
  const ctx = { config, logger }

  const projection = await startProjection(ctx)
  cleanups.push(() => projection.close())
  const api = await startApi({ ...ctx, notifications })
  cleanups.push(() => api.close())
  const usage = await startUsage(ctx)
  cleanups.push(() => usage.close())
  if (protocol) {
    const usageUrl = `http://127.0.0.1:${usage.port}/usage`
    const workload = await startDevWorkload({
      rpcEndpoint: config.chain.rpcEndpoint,
      chainId: config.chain.chainId,
      protocol,
      seed: options.seed,
      submitUsage: async (records) => {
        await postUsageRecords(usageUrl, records)
      },
      logger: logger.child({ stage: 'workload' }),
    })
    cleanups.push(() => workload.stop())
  }
  process.stderr.write(
    [
      '',
      `  attribution-indexer is running. GraphiQL: http://127.0.0.1:${config.api.port}/graphql`,
      `  usage records: POST http://127.0.0.1:${usage.port}/usage`,
      ...embedded.map((line) => `  embedded ${line}`),
      `  real services instead: set DB_URL, KAFKA_BROKERS, RPC_ENDPOINT (+ *_ADDRESS); reset: npm start -- --reset`,
      '',
    ].join('\n') + '\n',
  )
  const ingester = await startChainIngester({ ...ctx, ownsProcess: false })
  cleanups.push(() => ingester.stop())
}

/** The protocol deployed on the local chain: deployed once, its addresses kept next to the chain's state. */
async function deployedProtocol(rpcEndpoint: string, file: string): Promise<ProtocolAddresses> {
  const transport = http(rpcEndpoint)
  const client = createPublicClient({ chain: foundry, transport })
  try {
    const known = JSON.parse(await readFile(file, 'utf8')) as ProtocolAddresses
    if ((await client.getCode({ address: known.datanets }))?.length) return known
  } catch {
    // no deployment yet (or the chain was reset): deploy below
  }
  const account = mnemonicToAccount(ANVIL_DEFAULT_MNEMONIC, { addressIndex: 0 })
  const wallet = createWalletClient({ account, chain: foundry, transport })
  const protocol = await deployProtocol(wallet, client as never)
  await writeFile(file, JSON.stringify(protocol, null, 2))
  return protocol
}

/** The preferred port if it is free (and nothing answers JSON-RPC there), else any free one. */
async function portFor(preferred: number): Promise<number> {
  if (!(await answersChainId(`http://127.0.0.1:${preferred}`)) && (await canListen(preferred))) return preferred
  return freePort()
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}
