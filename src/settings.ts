import { z } from 'zod'
import { NETWORK_NAMES } from './ingest/chain/chain-settings.js'

/**
 * Every environment variable the program reads, declared once: its schema, its default, what it means. The
 * schema of loadConfig, README.md's "Configuration" tables and `attrib --help` are all made from these.
 * A variable set but empty (`USAGE_DIR=` in a compose file) counts as unset, for every variable.
 */
export interface SettingInfo {
  /** One line of Markdown: README.md shows it as is, `attrib --help` without the backticks. */
  description: string
  /** The value an unset variable takes, as one would type it. */
  default?: string
  /** Shown instead of `default` where the code works the value out (from other settings, or per command). */
  defaultText?: string
  /** The value `attrib dev` gives the variable when it is unset. */
  dev?: string
  /** What else `attrib dev` does with the variable, shown after the default. */
  devNote?: string
}

/** `schema` parses the variable as found in the environment: unset or empty, it parses the default. */
export interface Setting<T> extends SettingInfo {
  schema: z.ZodType<T>
}

function setting<S extends z.ZodType>(info: SettingInfo & { default: string; schema: S }): Setting<z.output<S>>
function setting<S extends z.ZodType>(info: SettingInfo & { default?: undefined; schema: S }): Setting<z.output<S> | undefined>
function setting(info: SettingInfo & { schema: z.ZodType }): Setting<unknown> {
  const fallback = info.default
  const unsetIfEmpty = (value: unknown) => (value === '' || value === undefined ? fallback : value)
  return { ...info, schema: z.preprocess(unsetIfEmpty, fallback === undefined ? info.schema.optional() : info.schema) }
}

export const DEFAULT_DB_URL = 'postgres://postgres@127.0.0.1:5432/postgres'
export const DEFAULT_RPC_ENDPOINT = 'http://127.0.0.1:8545'

const int = (min = 0) => z.coerce.number().int().min(min)
const port = int().max(65535)
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'an 0x address')
  .transform((a) => a.toLowerCase())

const contractAddress = (contract: string) => setting({ description: `the ${contract} contract`, schema: address })
const contractStartBlock = (contract: string) =>
  setting({ description: `first block of the ${contract} contract's logs (its deployment block)`, defaultText: '`START_BLOCK`', schema: int() })

const STORAGE_AND_LOG = {
  DB_URL: setting({
    description: "the projection, the ingesters' cursors, the embedded log",
    defaultText: `\`${DEFAULT_DB_URL}\``,
    devNote: '`attrib dev`: embedded PGlite',
    schema: z.string(),
  }),
  KAFKA_BROKERS: setting({
    description: 'comma-separated Kafka bootstrap servers',
    defaultText: "the embedded log (a table in the projection's database)",
    schema: z.string(),
  }),
  KAFKA_CLIENT_ID: setting({ description: 'the Kafka client id', default: 'attrib', schema: z.string() }),
  TOPIC_NAMESPACE: setting({
    description:
      'prefix of every topic name, so several deployments (or test runs) can share one cluster: `<ns>.chain.<chainId>`, `<ns>.usage` (4 partitions, key = model id), `<ns>.usage.raw`, `<ns>.deadletter`',
    default: 'attrib',
    schema: z.string().regex(/^[A-Za-z0-9._-]+$/),
  }),
}

const CHAIN = {
  RPC_ENDPOINT: setting({
    description: "the chain's JSON-RPC endpoint",
    defaultText: `\`${DEFAULT_RPC_ENDPOINT}\``,
    devNote: '`attrib dev`: its own anvil',
    schema: z.string().url(),
  }),
  RPC_RATE_LIMIT: setting({ description: 'RPC requests per second', schema: int(1) }),
  NETWORK: setting({
    description: '`openledger-mainnet` (chain 1612), `openledger-testnet` (161201), `anvil` or `custom`: a known chain gives `CHAIN_ID` and a default `FINALITY_CONFIRMATIONS`',
    default: 'custom',
    schema: z.enum([...NETWORK_NAMES, 'custom']),
  }),
  CHAIN_ID: setting({
    description: 'the chain the ingester indexes and the projector follows; the ingester refuses an RPC serving another chain',
    defaultText: 'from `NETWORK`, else `31337`',
    schema: int(1),
  }),
  FINALITY_CONFIRMATIONS: setting({
    description: 'blocks after which a block is final; newer blocks are hot, and the ingester publishes rollbacks when they fork',
    defaultText: 'from `NETWORK`, else `10`',
    dev: '5',
    schema: int(),
  }),
  HEAD_POLL_INTERVAL_MS: setting({ description: 'how often the ingester asks for the chain head, in milliseconds', default: '1000', dev: '250', schema: int(1) }),
  START_BLOCK: setting({ description: 'first block to index, for each contract without a `<ROLE>_START_BLOCK`', default: '0', schema: int() }),
  DATANET_REGISTRY_ADDRESS: contractAddress('DatanetRegistry'),
  DATANET_REGISTRY_START_BLOCK: contractStartBlock('DatanetRegistry'),
  MODEL_REGISTRY_ADDRESS: contractAddress('ModelRegistry'),
  MODEL_REGISTRY_START_BLOCK: contractStartBlock('ModelRegistry'),
  AGENT_REGISTRY_ADDRESS: contractAddress('AgentRegistry'),
  AGENT_REGISTRY_START_BLOCK: contractStartBlock('AgentRegistry'),
  INFERENCE_NODE_REGISTRY_ADDRESS: setting({
    description: 'the InferenceNodeRegistry contract, also the EIP-712 verifying contract of usage records (usage ingestion needs it)',
    schema: address,
  }),
  INFERENCE_NODE_REGISTRY_START_BLOCK: contractStartBlock('InferenceNodeRegistry'),
  SETTLEMENT_ADDRESS: contractAddress('InferenceSettlement'),
  SETTLEMENT_START_BLOCK: contractStartBlock('InferenceSettlement'),
  REWARD_DISTRIBUTOR_ADDRESS: contractAddress('RewardDistributor'),
  REWARD_DISTRIBUTOR_START_BLOCK: contractStartBlock('RewardDistributor'),
  STAKING_ADDRESS: contractAddress('staking'),
  STAKING_START_BLOCK: contractStartBlock('staking'),
  METRICS_PORT: setting({
    description: "the chain ingester's (and `attrib project`'s) Prometheus metrics; `0`: none",
    default: '9464',
    schema: port,
  }),
  PROCESSOR_PROMETHEUS_PORT: setting({
    description: "the squid processor's own metrics server, which cannot be turned off: `0` lets it take a free port",
    default: '0',
    schema: port,
  }),
}

const PROJECTION = {
  PROJECTOR_GROUP: setting({
    description: "the projector's consumer group (and the key of its offsets and journal in PostgreSQL)",
    default: 'attrib-projector',
    schema: z.string(),
  }),
  PROJECTOR_CONCURRENCY: setting({
    description: 'partitions the projector applies at once, each batch in its own transaction and connection (Kafka only; the embedded log applies one at a time)',
    default: '1',
    schema: int(1).max(16),
  }),
  PROJECTOR_PLAN_AHEAD: setting({
    description: '`off` plans each batch inside its own transaction only; `on` plans a batch of final settlements from a snapshot while the batch before it is written (PostgreSQL with one partition at a time)',
    default: 'on',
    schema: z.enum(['on', 'off']),
  }),
  EPOCH_BLOCKS: setting({ description: 'blocks per reward epoch (43200: one day of 2-second blocks)', default: '43200', dev: '600', schema: int(1) }),
  DEFAULT_FEE_SPLIT: setting({
    description: 'model/stakers/data basis points, summing to 10000, of a model that never set a split (no `FeeSplitSet`)',
    default: '3000/1000/6000',
    schema: z
      .string()
      .regex(/^\d+\/\d+\/\d+$/, 'modelBps/stakersBps/dataBps')
      .transform((s) => s.split('/').map(Number) as [number, number, number])
      .refine(([a, b, c]) => a + b + c === 10_000, 'the three parts must sum to 10000'),
  }),
}

const USAGE_INGESTION = {
  USAGE_PORT: setting({ description: 'port of `POST /usage`', default: '4351', schema: port }),
  USAGE_AUTH_TOKEN: setting({
    description: 'when set, `POST /usage` requires `Authorization: Bearer <token>`; also the default `--token` of `attrib usage send`',
    schema: z.string().min(16, 'USAGE_AUTH_TOKEN must be at least 16 characters'),
  }),
  USAGE_NODE_TOKENS: setting({
    description: "per-node bearer tokens, `<node address>=<token>,...`: a request with one may only carry that node's records, under a verification budget of its own",
    schema: z.string(),
  }),
  USAGE_DIR: setting({ description: 'a folder of NDJSON files (`*.ndjson`, `*.jsonl`) to ingest and keep following', defaultText: 'none (no file source)', schema: z.string() }),
  USAGE_DIR_POLL_MS: setting({ description: 'how often `USAGE_DIR` is looked at, in milliseconds', default: '1000', schema: int(50) }),
  USAGE_FILE_SETTLE_MS: setting({
    description: "a file's last line without a newline is read once the file has not changed for this long, in milliseconds",
    default: '5000',
    schema: int(),
  }),
  USAGE_MAX_BODY_BYTES: setting({ description: 'the largest `POST /usage` body, in bytes (1 MiB)', default: '1048576', schema: int(1024) }),
  USAGE_MAX_RECORD_BYTES: setting({ description: 'the largest record (an element of a body, a line of a file, a raw-topic message), in bytes', default: '65536', schema: int(256) }),
  USAGE_RAW_GROUP: setting({
    description: 'the consumer group reading the raw topic `<ns>.usage.raw` (its offsets live in PostgreSQL)',
    default: 'attrib-usage-ingest',
    schema: z.string().min(1),
  }),
  USAGE_MAX_FUTURE_SKEW_SECONDS: setting({ description: 'a record stamped further than this in the future is refused (`invalid-timestamp`)', default: '300', schema: int() }),
  USAGE_PENDING_RECHECK_MS: setting({ description: 'how often pending records are checked against the projection again, in milliseconds', default: '5000', schema: int(50) }),
  USAGE_PENDING_GRACE_SECONDS: setting({
    description: "a pending record (its node, model or agent not projected yet) is refused once the projection's chain time is this far past the record's time...",
    default: '600',
    schema: int(),
  }),
  USAGE_PENDING_TIMEOUT_MS: setting({ description: '...or once it has waited this long (24 h), however far the projection is', default: '86400000', schema: int(1) }),
  USAGE_PENDING_MAX_PER_NODE: setting({ description: 'records waiting for their node, model or agent, at most, per claimed node...', default: '10000', schema: int(1) }),
  USAGE_PENDING_MAX: setting({ description: '...and in all; a record past either bound is refused (`pending-limit`)', default: '100000', schema: int(1) }),
  USAGE_PUBLISH_TIMEOUT_MS: setting({ description: "how long `POST /usage` waits for the log's acknowledgement before answering 503", default: '10000', schema: int(100) }),
  USAGE_RETRY_AFTER_SECONDS: setting({ description: 'Retry-After (seconds) on a 503', default: '5', schema: int(1) }),
  USAGE_VERIFY_BUDGET: setting({ description: 'records in verification at once over all `POST /usage` clients; a request past it is answered 429', default: '8192', schema: int(1) }),
  USAGE_VERIFY_BUDGET_PER_CLIENT: setting({
    description: 'records in verification at once per source address (or per node authenticated by its own token)',
    default: '1024',
    schema: int(1),
  }),
  USAGE_BUSY_RETRY_AFTER_SECONDS: setting({ description: 'Retry-After (seconds) on a 429', default: '1', schema: int(1) }),
  USAGE_NATIVE_CRYPTO: setting({
    description: '`off` checks signatures in pure JS (@noble) even when the native secp256k1 and keccak addons load (for comparison)',
    default: 'on',
    schema: z.enum(['on', 'off']),
  }),
  USAGE_NODE_KEY: setting({ description: "the default `--key` of `attrib usage send`: the node's private key, 0x and 32 bytes of hex", schema: z.string() }),
}

const API = {
  GQL_PORT: setting({ description: "the API's port", default: '4350', schema: port }),
  GQL_WORKERS: setting({
    description: 'processes `attrib serve` runs the API in, sharing its port (node:cluster; a dead one is replaced; `/metrics` sums them); one per core the API may use',
    default: '1',
    schema: int(1).max(64),
  }),
  GQL_MAX_DEPTH: setting({ description: 'the deepest field nesting an operation may have', defaultText: "`12` (the API's own limit)", schema: int(1) }),
  GQL_MAX_COST: setting({
    description: 'the highest estimated cost an operation may have (`src/api/query-cost.ts`)',
    defaultText: "`10000` (the API's own limit)",
    schema: int(1),
  }),
  GQL_READY_MAX_LAG: setting({ description: '`/healthz` answers 503 while the index is more blocks than this behind the chain head', schema: int() }),
  GQL_RESPONSE_CACHE: setting({
    description: 'query responses kept until the projection next commits (least recently used go first); `0` turns the cache off (`src/api/README.md`)',
    default: '1000',
    schema: int(),
  }),
  GQL_POOL_SIZE: setting({ description: "connections of the API's own PostgreSQL pool, per API process", default: '10', schema: int(1).max(1_000) }),
  GQL_STATEMENT_TIMEOUT_MS: setting({
    description: 'PostgreSQL cancels an API statement running longer (the operation answers `STATEMENT_TIMEOUT`); `0`: no timeout',
    default: '5000',
    devNote: '`attrib dev` on PGlite: `0`',
    schema: int(),
  }),
  GQL_PREPARED_STATEMENTS: setting({
    description: "prepare the API's fixed-text statements once per connection",
    default: 'true',
    devNote: '`attrib dev` on PGlite: `false`, one session serves every connection',
    schema: z.enum(['true', 'false']).transform((v) => v === 'true'),
  }),
  GQL_MAX_BODY_BYTES: setting({
    description: 'the largest request body (document and variables) or WebSocket message the API reads, in bytes',
    default: '131072',
    schema: int(1),
  }),
  GQL_MAX_TOKENS: setting({ description: 'lexical tokens an operation may have (`src/api/README.md`, "Limits")', default: '2000', schema: int(1) }),
  GQL_MAX_ALIASES: setting({ description: 'aliases an operation may have', default: '100', schema: int() }),
  GQL_MAX_ROOT_FIELDS: setting({ description: 'root fields an operation may have', default: '100', schema: int(1) }),
}

const LOGGING_AND_DEV_MODE = {
  LOG_LEVEL: setting({
    description: 'pino level (`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`); logs are JSON on stderr',
    default: 'info',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
  LOG_FORMAT: setting({
    description: '`json`: JSON logs on stderr even on a terminal',
    defaultText: '`attrib dev` on a terminal: a status and readable warnings',
    schema: z.string(),
  }),
  DATA_DIR: setting({
    description: "where `attrib dev`'s embedded parts keep their data (`--data-dir` overrides it)",
    default: '.data',
    schema: z.string(),
  }),
}

export const SETTINGS = { ...STORAGE_AND_LOG, ...CHAIN, ...PROJECTION, ...USAGE_INGESTION, ...API, ...LOGGING_AND_DEV_MODE }

/** The settings as README.md and `attrib --help` list them. */
export const SETTING_GROUPS: readonly { title: string; settings: Readonly<Record<string, SettingInfo>> }[] = [
  { title: 'Storage and log', settings: STORAGE_AND_LOG },
  { title: 'Chain', settings: CHAIN },
  { title: 'Projection', settings: PROJECTION },
  { title: 'Usage ingestion', settings: USAGE_INGESTION },
  { title: 'API', settings: API },
  { title: 'Logging and dev mode', settings: LOGGING_AND_DEV_MODE },
]

type SchemaShape<T extends Record<string, Setting<unknown>>> = { [K in keyof T]: T[K]['schema'] }

function schemaShape<T extends Record<string, Setting<unknown>>>(settings: T): SchemaShape<T> {
  return Object.fromEntries(Object.entries(settings).map(([name, s]) => [name, s.schema])) as SchemaShape<T>
}

export const envSchema = z.object(schemaShape(SETTINGS))

/** The environment, parsed: each variable's value, or its default. */
export type Env = z.output<typeof envSchema>

/**
 * `attrib dev`'s defaults (each setting's `dev`): a local chain that closes an epoch every couple of minutes
 * (production: a day, 10 confirmations). anvil mines each transaction at once and an empty block every second
 * besides ("mixed mining"), so the workload's few transactions a second make about five blocks a second.
 */
export const DEV_DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SETTINGS).flatMap(([name, s]) => (s.dev === undefined ? [] : [[name, s.dev]])),
)

/** The environment `attrib dev` runs with: `env`, with DEV_DEFAULTS for what it leaves unset (or empty). */
export function withDevDefaults(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result = { ...env }
  for (const [name, value] of Object.entries(DEV_DEFAULTS)) if (!result[name]) result[name] = value
  return result
}
