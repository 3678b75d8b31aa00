import { z } from 'zod'
import { DEFAULT_EPOCH_BLOCKS } from './domain/epoch.js'
import { DEFAULT_FEE_SPLIT } from './domain/fee-split.js'
import { NETWORK_NAMES, resolveChainSettings, type NetworkName } from './ingest/chain/chain-settings.js'

/**
 * Every setting comes from the environment (12-factor), validated once at start-up so a typo fails loudly.
 * The same names appear in README.md, squid.yaml and docker-compose.yml.
 */
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'an 0x address')
  .transform((a) => a.toLowerCase())

export const DEFAULT_DB_URL = 'postgres://postgres@127.0.0.1:5432/postgres'
export const DEFAULT_RPC_ENDPOINT = 'http://127.0.0.1:8545'

const blockNumber = z.coerce.number().int().nonnegative()

const envSchema = z.object({
  /** Unset: `attrib dev` runs an embedded PostgreSQL (PGlite); the other commands use DEFAULT_DB_URL. */
  DB_URL: z.string().optional(),
  /** Unset: the embedded log (a table in the projection's database) stands in for Kafka. */
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_CLIENT_ID: z.string().default('attrib'),
  /** Prefix of every topic name, so several deployments (or test runs) can share one cluster. */
  TOPIC_NAMESPACE: z.string().regex(/^[A-Za-z0-9._-]+$/).default('attrib'),
  PROJECTOR_GROUP: z.string().default('attrib-projector'),
  /** Partitions the projector applies at once, each in its own transaction and connection. */
  PROJECTOR_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
  /** Unset: `attrib dev` runs a local anvil with the protocol deployed; the other commands use DEFAULT_RPC_ENDPOINT. */
  RPC_ENDPOINT: z.string().url().optional(),
  RPC_RATE_LIMIT: z.coerce.number().int().positive().optional(),
  /** A known chain (src/ingest/chain/chain-settings.ts): gives CHAIN_ID and a default FINALITY_CONFIRMATIONS. */
  NETWORK: z.enum([...NETWORK_NAMES, 'custom']).optional(),
  /** Blocks after which a block is final; below that height the ingester publishes rollbacks on forks. */
  FINALITY_CONFIRMATIONS: z.coerce.number().int().nonnegative().optional(),
  START_BLOCK: z.coerce.number().int().nonnegative().default(0),
  /** Per contract, overriding START_BLOCK: its deployment block. */
  DATANET_REGISTRY_START_BLOCK: blockNumber.optional(),
  MODEL_REGISTRY_START_BLOCK: blockNumber.optional(),
  AGENT_REGISTRY_START_BLOCK: blockNumber.optional(),
  INFERENCE_NODE_REGISTRY_START_BLOCK: blockNumber.optional(),
  SETTLEMENT_START_BLOCK: blockNumber.optional(),
  REWARD_DISTRIBUTOR_START_BLOCK: blockNumber.optional(),
  STAKING_START_BLOCK: blockNumber.optional(),
  /** The chain the ingester indexes and the projector follows; the ingester checks it against the RPC. */
  CHAIN_ID: z.coerce.number().int().positive().optional(),
  /** `attrib ingest` serves Prometheus metrics on this port (0: not at all). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** The squid processor's own metrics server, which cannot be turned off: 0 lets it take a free port. */
  PROCESSOR_PROMETHEUS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  HEAD_POLL_INTERVAL_MS: z.coerce.number().int().positive().default(1000),
  DATANET_REGISTRY_ADDRESS: address.optional(),
  MODEL_REGISTRY_ADDRESS: address.optional(),
  AGENT_REGISTRY_ADDRESS: address.optional(),
  INFERENCE_NODE_REGISTRY_ADDRESS: address.optional(),
  SETTLEMENT_ADDRESS: address.optional(),
  REWARD_DISTRIBUTOR_ADDRESS: address.optional(),
  STAKING_ADDRESS: address.optional(),
  /** Blocks per reward epoch (43,200 = one day of 2-second blocks). */
  EPOCH_BLOCKS: z.coerce.number().int().positive().default(DEFAULT_EPOCH_BLOCKS),
  /** Fee split of a model that never set one: model/stakers/data basis points, summing to 10000. */
  DEFAULT_FEE_SPLIT: z
    .string()
    .regex(/^\d+\/\d+\/\d+$/, 'modelBps/stakersBps/dataBps')
    .default(`${DEFAULT_FEE_SPLIT.modelBps}/${DEFAULT_FEE_SPLIT.stakersBps}/${DEFAULT_FEE_SPLIT.dataBps}`)
    .transform((s) => s.split('/').map(Number) as [number, number, number])
    .refine(([a, b, c]) => a + b + c === 10_000, 'the three parts must sum to 10000'),
  GQL_PORT: z.coerce.number().int().min(0).max(65535).default(4350),
  /** The API's limits; unset, src/api/server.ts's defaults apply (depth 12, cost 10,000, no lag limit). */
  GQL_MAX_DEPTH: z.coerce.number().int().positive().optional(),
  GQL_MAX_COST: z.coerce.number().int().positive().optional(),
  /** /healthz answers 503 while the index is more blocks than this behind the chain head. */
  GQL_READY_MAX_LAG: blockNumber.optional(),
  /** Processes `attrib serve` runs the API in, sharing its port (node:cluster); one per core the API may use. */
  GQL_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  /** Query responses kept until the projection next commits (least recently used go first); 0 turns the cache off. */
  GQL_RESPONSE_CACHE: z.coerce.number().int().min(0).default(1_000),
  /** Connections of the API's own PostgreSQL pool, per API process. */
  GQL_POOL_SIZE: z.coerce.number().int().min(1).max(1_000).default(10),
  /** PostgreSQL cancels an API statement running longer (the operation answers STATEMENT_TIMEOUT); 0: no timeout. */
  GQL_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(5_000),
  /** Prepare the API's fixed-text statements once per connection (`attrib dev` on PGlite: false, one session is shared). */
  GQL_PREPARED_STATEMENTS: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** Largest request body (document and variables) or WebSocket message the API reads, in bytes. */
  GQL_MAX_BODY_BYTES: z.coerce.number().int().positive().default(131_072),
  /** Lexical tokens, aliases and root fields an operation may have. */
  GQL_MAX_TOKENS: z.coerce.number().int().positive().default(2_000),
  GQL_MAX_ALIASES: z.coerce.number().int().min(0).default(100),
  GQL_MAX_ROOT_FIELDS: z.coerce.number().int().positive().default(100),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export type Env = z.infer<typeof envSchema>

export interface ContractAddresses {
  datanets?: string
  models?: string
  agents?: string
  nodes?: string
  settlement?: string
  rewards?: string
  staking?: string
}

export interface Config {
  dbUrl: string
  /** `brokers` undefined: use the embedded log. */
  kafka: { brokers?: string[]; clientId: string }
  /** Which parts the environment left unset, so `attrib dev` may embed them. */
  unset: { db: boolean; kafka: boolean; rpc: boolean }
  topics: { namespace: string; usage: string; deadLetter: string; chain(chainId: number): string }
  projectorGroup: string
  projectorConcurrency: number
  chain: {
    chainId: number
    rpcEndpoint: string
    headPollIntervalMs: number
    rpcRateLimit?: number
    network: NetworkName | 'custom'
    finalityConfirmations: number
    /** The first block of each contract's logs. */
    contractStartBlocks: Record<keyof ContractAddresses, number>
    contracts: ContractAddresses
    /** `attrib ingest`'s Prometheus port; 0: none. */
    metricsPort: number
    processorPrometheusPort: number
  }
  projection: { epochBlocks: number; defaultFeeSplit: { modelBps: number; stakersBps: number; dataBps: number } }
  api: {
    port: number
    workers: number
    maxDepth?: number
    maxCost?: number
    maxReadyLag?: number
    responseCacheEntries: number
    poolSize: number
    statementTimeoutMs: number
    preparedStatements: boolean
    maxBodyBytes: number
    maxTokens: number
    maxAliases: number
    maxRootFields: number
  }
  logLevel: Env['LOG_LEVEL']
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    throw new Error(`invalid configuration:\n${z.prettifyError(parsed.error)}`)
  }
  const e = parsed.data
  const ns = e.TOPIC_NAMESPACE
  return {
    dbUrl: e.DB_URL ?? DEFAULT_DB_URL,
    kafka: { brokers: e.KAFKA_BROKERS?.split(',').map((b) => b.trim()), clientId: e.KAFKA_CLIENT_ID },
    unset: { db: e.DB_URL == null, kafka: e.KAFKA_BROKERS == null, rpc: e.RPC_ENDPOINT == null },
    topics: {
      namespace: ns,
      usage: `${ns}.usage`,
      deadLetter: `${ns}.deadletter`,
      chain: (chainId) => `${ns}.chain.${chainId}`,
    },
    projectorGroup: e.PROJECTOR_GROUP,
    projectorConcurrency: e.PROJECTOR_CONCURRENCY,
    chain: {
      ...resolveChainSettings({ ...e, startBlocks: e }),
      rpcEndpoint: e.RPC_ENDPOINT ?? DEFAULT_RPC_ENDPOINT,
      headPollIntervalMs: e.HEAD_POLL_INTERVAL_MS,
      rpcRateLimit: e.RPC_RATE_LIMIT,
      metricsPort: e.METRICS_PORT,
      processorPrometheusPort: e.PROCESSOR_PROMETHEUS_PORT,
      contracts: {
        datanets: e.DATANET_REGISTRY_ADDRESS,
        models: e.MODEL_REGISTRY_ADDRESS,
        agents: e.AGENT_REGISTRY_ADDRESS,
        nodes: e.INFERENCE_NODE_REGISTRY_ADDRESS,
        settlement: e.SETTLEMENT_ADDRESS,
        rewards: e.REWARD_DISTRIBUTOR_ADDRESS,
        staking: e.STAKING_ADDRESS,
      },
    },
    projection: {
      epochBlocks: e.EPOCH_BLOCKS,
      defaultFeeSplit: { modelBps: e.DEFAULT_FEE_SPLIT[0], stakersBps: e.DEFAULT_FEE_SPLIT[1], dataBps: e.DEFAULT_FEE_SPLIT[2] },
    },
    api: {
      port: e.GQL_PORT,
      workers: e.GQL_WORKERS,
      maxDepth: e.GQL_MAX_DEPTH,
      maxCost: e.GQL_MAX_COST,
      maxReadyLag: e.GQL_READY_MAX_LAG,
      responseCacheEntries: e.GQL_RESPONSE_CACHE,
      poolSize: e.GQL_POOL_SIZE,
      statementTimeoutMs: e.GQL_STATEMENT_TIMEOUT_MS,
      preparedStatements: e.GQL_PREPARED_STATEMENTS,
      maxBodyBytes: e.GQL_MAX_BODY_BYTES,
      maxTokens: e.GQL_MAX_TOKENS,
      maxAliases: e.GQL_MAX_ALIASES,
      maxRootFields: e.GQL_MAX_ROOT_FIELDS,
    },
    logLevel: e.LOG_LEVEL,
  }
}
