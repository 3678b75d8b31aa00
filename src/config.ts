import { z } from 'zod'
import { resolveChainSettings, type NetworkName } from './ingest/chain/chain-settings.js'
import { resolveUsageConfig, type UsageConfig } from './ingest/usage/config.js'
import { DEFAULT_DB_URL, DEFAULT_RPC_ENDPOINT, envSchema, type Env } from './settings.js'

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
  projectorPlanAhead: boolean
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
  usage: UsageConfig
  logLevel: Env['LOG_LEVEL']
  /** LOG_FORMAT=json: JSON logs even on a terminal. */
  jsonLogs: boolean
  /** `attrib dev`'s data folder, unless `--data-dir` names another. */
  dataDir: string
}

/**
 * Every setting comes from the environment (12-factor), validated once at start-up so a typo fails loudly.
 * The variables are declared in settings.ts; the same names appear in README.md, squid.yaml and docker-compose.yml.
 */
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
    projectorPlanAhead: e.PROJECTOR_PLAN_AHEAD === 'on',
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
    usage: resolveUsageConfig(e),
    logLevel: e.LOG_LEVEL,
    jsonLogs: e.LOG_FORMAT === 'json',
    dataDir: e.DATA_DIR,
  }
}
