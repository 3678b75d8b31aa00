import { z } from 'zod'

/**
 * Every setting comes from the environment (12-factor), validated once at start-up so a typo fails loudly.
 * The same names appear in README.md, squid.yaml and docker-compose.yml.
 */
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'an 0x address')
  .transform((a) => a.toLowerCase())

const envSchema = z.object({
  DB_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
  KAFKA_BROKERS: z.string().default('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().default('attrib'),
  /** Prefix of every topic name, so several deployments (or test runs) can share one cluster. */
  TOPIC_NAMESPACE: z.string().regex(/^[A-Za-z0-9._-]+$/).default('attrib'),
  PROJECTOR_GROUP: z.string().default('attrib-projector'),
  RPC_ENDPOINT: z.string().url().default('http://127.0.0.1:8545'),
  RPC_RATE_LIMIT: z.coerce.number().int().positive().optional(),
  /** Blocks after which a block is final; below that height the ingester publishes rollbacks on forks. */
  FINALITY_CONFIRMATIONS: z.coerce.number().int().nonnegative().default(10),
  START_BLOCK: z.coerce.number().int().nonnegative().default(0),
  /** The chain the ingester indexes and the projector follows; the ingester checks it against the RPC. */
  CHAIN_ID: z.coerce.number().int().positive().default(31337),
  HEAD_POLL_INTERVAL_MS: z.coerce.number().int().positive().default(1000),
  DATANET_REGISTRY_ADDRESS: address.optional(),
  MODEL_REGISTRY_ADDRESS: address.optional(),
  AGENT_REGISTRY_ADDRESS: address.optional(),
  INFERENCE_NODE_REGISTRY_ADDRESS: address.optional(),
  SETTLEMENT_ADDRESS: address.optional(),
  REWARD_DISTRIBUTOR_ADDRESS: address.optional(),
  STAKING_ADDRESS: address.optional(),
  GQL_PORT: z.coerce.number().int().min(0).max(65535).default(4350),
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
  kafka: { brokers: string[]; clientId: string }
  topics: { namespace: string; usage: string; deadLetter: string; chain(chainId: number): string }
  projectorGroup: string
  chain: {
    chainId: number
    rpcEndpoint: string
    headPollIntervalMs: number
    rpcRateLimit?: number
    finalityConfirmations: number
    startBlock: number
    contracts: ContractAddresses
  }
  api: { port: number }
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
    dbUrl: e.DB_URL,
    kafka: { brokers: e.KAFKA_BROKERS.split(',').map((b) => b.trim()), clientId: e.KAFKA_CLIENT_ID },
    topics: {
      namespace: ns,
      usage: `${ns}.usage`,
      deadLetter: `${ns}.deadletter`,
      chain: (chainId) => `${ns}.chain.${chainId}`,
    },
    projectorGroup: e.PROJECTOR_GROUP,
    chain: {
      chainId: e.CHAIN_ID,
      rpcEndpoint: e.RPC_ENDPOINT,
      headPollIntervalMs: e.HEAD_POLL_INTERVAL_MS,
      rpcRateLimit: e.RPC_RATE_LIMIT,
      finalityConfirmations: e.FINALITY_CONFIRMATIONS,
      startBlock: e.START_BLOCK,
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
    api: { port: e.GQL_PORT },
    logLevel: e.LOG_LEVEL,
  }
}
