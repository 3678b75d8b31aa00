import { randomBytes } from 'node:crypto'
import type { ProtocolAddresses } from '../../src/chain/protocol.js'
import { openDatabase } from '../../src/db/data-source.js'
import { projectionDigest } from '../../src/project/digest.js'
import { protocolEnv } from './chain.js'
import { createTestDatabase } from './database.js'
import { startCli, type CliProcess } from './processes.js'

export interface PipelineOptions {
  rpcEndpoint: string
  kafkaBrokers: string
  adminDbUrl: string
  protocol: ProtocolAddresses
  startBlock: bigint
  env?: Record<string, string>
  /** The `attrib` commands to run; by default the chain ingester and the projector. */
  commands?: PipelineCommand[]
}

export type PipelineCommand = 'ingest' | 'project' | 'ingest-usage'

/**
 * `attrib ingest` and `attrib project` as separate processes over their own database and topic namespace:
 * one complete, isolated indexer of the given chain.
 */
export async function startPipeline(options: PipelineOptions) {
  const database = await createTestDatabase(options.adminDbUrl)
  const id = randomBytes(4).toString('hex')
  const env: Record<string, string> = {
    ...protocolEnv(options.protocol),
    DB_URL: database.url,
    KAFKA_BROKERS: options.kafkaBrokers,
    RPC_ENDPOINT: options.rpcEndpoint,
    CHAIN_ID: '31337',
    START_BLOCK: options.startBlock.toString(),
    HEAD_POLL_INTERVAL_MS: '200',
    METRICS_PORT: '0', // several ingesters run side by side in tests
    TOPIC_NAMESPACE: `t-${id}`,
    PROJECTOR_GROUP: `g-${id}`,
    ...options.env,
  }
  const commands = options.commands ?? ['ingest', 'project']
  // A METRICS_PORT the test gives is the ingester's: `attrib project` serves metrics on it too, and a taken port
  // stops a start, so the other processes serve none.
  const envOf = (command: PipelineCommand) => (command === 'ingest' ? env : { ...env, METRICS_PORT: '0' })
  const processes = Object.fromEntries(commands.map((c) => [c, startCli(c, envOf(c))])) as Record<PipelineCommand, CliProcess>
  return {
    database,
    env,
    processes,
    /** Replaces a process by a fresh one (after it was killed), as a supervisor would. */
    restart(name: PipelineCommand) {
      processes[name] = startCli(name, envOf(name))
    },
    digest: () => digestOf(database.url),
    output: () => Object.entries(processes).map(([name, p]) => `--- ${name}\n${p.output().slice(-3000)}`).join('\n'),
    async stop() {
      await Promise.all(Object.values(processes).map((p) => p.stop()))
      await database.drop()
    },
  }
}

export type Pipeline = Awaited<ReturnType<typeof startPipeline>>

export async function digestOf(dbUrl: string): Promise<string> {
  const db = await openDatabase(dbUrl, { poolSize: 2 })
  try {
    return (await projectionDigest(db)).digest
  } finally {
    await db.destroy()
  }
}
