import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import { PassThrough } from 'node:stream'
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
import { withDevDefaults } from '../settings.js'
import { ANVIL_DEFAULT_MNEMONIC } from './accounts.js'
import { answersChainId, startAnvil } from './anvil.js'
import { startStatus, type StatusBoard } from './terminal.js'
import { startDevWorkload } from './workload.js'
import { parseWorkloadState, serializeWorkloadState } from './workload-state.js'

/** The workload's pace: a few actions, so a few inferences, a second. */
const DEV_WORKLOAD_PACE = { intervalMs: 250, actionsPerTick: 2 }
/** Ctrl-C exits within this, whatever is in flight: each part gets what is left of it to stop cleanly. */
const SHUTDOWN_DEADLINE_MS = 4_000
const PART_STOP_MS = 1_500

export interface DevOptions {
  dataDir: string
  reset: boolean
  seed: number
  logger: Logger
  /** A terminal to show the status on (see terminal.ts); without it, a banner and JSON logs on stderr. */
  board?: StatusBoard
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
  const cleanups: { name: string; stop: () => Promise<void>; budgetMs?: number }[] = []
  let stopping = false
  // At any moment, even halfway through starting: the parts started so far stop, newest first, each within
  // PART_STOP_MS (a part waiting on a dead anvil is abandoned), and the process exits by the deadline.
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now')
      process.exit(1)
    }
    stopping = true
    const deadline = Date.now() + SHUTDOWN_DEADLINE_MS
    setTimeout(() => {
      logger.warn('parts still stopping at the deadline: exiting anyway')
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS).unref()
    logger.info({ signal }, 'stopping')
    status?.stop()
    const parts = cleanups.reverse()
    for (const part of parts) {
      // The database stops last and keeps a second of the deadline, so it closes its files cleanly.
      const reserve = part === parts[parts.length - 1] ? 200 : 1_200
      const budget = Math.max(100, Math.min(part.budgetMs ?? PART_STOP_MS, deadline - Date.now() - reserve))
      const stopped = await withinMs(part.stop(), budget).catch((err) => logger.warn({ err, part: part.name }, 'stop failed'))
      if (stopped === 'timeout') logger[part.budgetMs ? 'info' : 'warn']({ part: part.name, ms: budget }, 'did not stop in time: left behind')
    }
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGHUP', () => void shutdown('SIGHUP'))
  let status: { stop(): void } | undefined

  const env = withDevDefaults(process.env)
  const embedded: string[] = []
  let notifications: NotificationSource | undefined
  if (base.unset.db) {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(options.dataDir, 'pglite'), logger })
    cleanups.push({ name: 'embedded PostgreSQL', stop: () => pg.stop() })
    env.DB_URL = pg.url
    // One session serves every connection: a statement prepared by one would clash on the next, and a
    // statement_timeout set by the API's connections would apply to the projector's statements too.
    env.GQL_PREPARED_STATEMENTS = 'false'
    env.GQL_STATEMENT_TIMEOUT_MS = '0'
    notifications = pg.notifications
    embedded.push(`PostgreSQL: PGlite in ${pg.dataDir} (served at ${pg.url})`)
  }
  embedded.push(base.unset.kafka ? 'log: embedded, a table in that database' : `log: Kafka at ${base.kafka.brokers!.join(',')}`)
  let protocol: ProtocolAddresses | undefined
  if (base.unset.rpc) {
    const url = `http://127.0.0.1:${await portFor(8545)}`
    const stateFile = path.join(options.dataDir, 'anvil-state.json')
    const anvil = await startAnvil(url, ['--state', stateFile, '--mixed-mining', '--block-time', '1'])
    cleanups.push({ name: 'anvil', stop: () => anvil.stop() })
    env.RPC_ENDPOINT = url
    protocol = await deployedProtocol(url, path.join(options.dataDir, 'protocol.json'))
    Object.assign(env, protocolEnv(protocol))
    embedded.push(`chain: anvil at ${url} (state in ${stateFile}), protocol deployed, workload seed ${options.seed}`)
  }
  const config = loadConfig(env)
  const ctx = { config, logger }

  const projection = await startProjection(ctx)
  cleanups.push({ name: 'projector', stop: () => projection.close() })
  const api = await startApi({ ...ctx, notifications })
  cleanups.push({ name: 'API', stop: () => api.close() })
  const usage = await startUsage(ctx)
  cleanups.push({ name: 'usage ingester', stop: () => usage.close() })
  if (protocol) {
    const usageUrl = `http://127.0.0.1:${usage.port}/usage`
    // The workload's view of what it built is kept next to anvil's state, per deployment: restarted, it carries
    // on with the same datanets, models and nodes (with none, it would try to register nodes anvil already has,
    // forever).
    const workloadStateFile = path.join(options.dataDir, `workload-state-${protocol.datanets.toLowerCase()}.json`)
    const workload = await startDevWorkload({
      rpcEndpoint: config.chain.rpcEndpoint,
      chainId: config.chain.chainId,
      protocol,
      seed: options.seed,
      ...DEV_WORKLOAD_PACE,
      initialState: existsSync(workloadStateFile) ? parseWorkloadState(readFileSync(workloadStateFile, 'utf8')) : undefined,
      onStateChange: (state) => {
        writeFileSync(`${workloadStateFile}.tmp`, serializeWorkloadState(state))
        renameSync(`${workloadStateFile}.tmp`, workloadStateFile)
      },
      submitUsage: async (records) => {
        await postUsageRecords(usageUrl, records)
      },
      logger: logger.child({ stage: 'workload' }),
    })
    // Its action in flight may be waiting on a receipt from an anvil already gone: not worth waiting for.
    cleanups.push({ name: 'workload', stop: () => workload.stop(), budgetMs: 300 })
  }
  const apiUrl = `http://127.0.0.1:${config.api.port}`
  const urls = [
    `  attribution-indexer is running. Explorer: ${apiUrl}/  GraphiQL: ${apiUrl}/graphql`,
    `  usage records: POST http://127.0.0.1:${usage.port}/usage`,
  ]
  const notes = [...embedded.map((line) => `  embedded ${line}`), `  real services instead: set DB_URL, KAFKA_BROKERS, RPC_ENDPOINT (+ *_ADDRESS); reset: npm start -- --reset`]
  if (options.board) {
    for (const line of ['', ...urls, ...notes, '']) options.board.log(line)
    status = startStatus({ board: options.board, graphqlUrl: `${apiUrl}/graphql`, header: [], footer: ['  Ctrl-C stops everything.'] })
  } else {
    process.stderr.write(['', ...urls, ...notes, ''].join('\n') + '\n')
  }
  // On the terminal the status shows the heights: the ingester's own progress goes to the log as lines.
  const progressStream = options.board ? (Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream) : undefined
  const ingester = await startChainIngester({ ...ctx, ownsProcess: false, progressStream })
  cleanups.push({ name: 'chain ingester', stop: () => ingester.stop() })
}

function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
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
