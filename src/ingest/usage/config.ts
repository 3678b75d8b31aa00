import { z } from 'zod'

/**
 * The usage ingester's own settings, from the environment (the shared ones, chain id, node registry and topic
 * names, come from the lead's `Config`).
 */
const int = (min = 0) => z.coerce.number().int().min(min)
/** An optional setting; set but empty (`USAGE_DIR=` in a compose file) counts as unset. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional())

const usageEnvSchema = z.object({
  /** Port of `POST /usage`. */
  USAGE_PORT: int().max(65535).default(4351),
  /** When set, `POST /usage` requires `Authorization: Bearer <token>`. */
  USAGE_AUTH_TOKEN: optional(z.string().min(16, 'USAGE_AUTH_TOKEN must be at least 16 characters')),
  /** A folder of NDJSON files (`*.ndjson`, `*.jsonl`) to ingest and keep following; unset: no file source. */
  USAGE_DIR: optional(z.string()),
  USAGE_DIR_POLL_MS: int(50).default(1000),
  /** A file's last line without a newline is read once the file has not changed for this long. */
  USAGE_FILE_SETTLE_MS: int(0).default(5000),
  USAGE_MAX_BODY_BYTES: int(1024).default(1 << 20),
  USAGE_MAX_RECORD_BYTES: int(256).default(64 << 10),
  /** The consumer group reading the raw topic `<ns>.usage.raw` (its offsets live in Postgres). */
  USAGE_RAW_GROUP: z.string().min(1).default('attrib-usage-ingest'),
  /** A record stamped further than this in the future is refused (`invalid-timestamp`). */
  USAGE_MAX_FUTURE_SKEW_SECONDS: int().default(300),
  /** How often pending records are checked against the projection again. */
  USAGE_PENDING_RECHECK_MS: int(50).default(5000),
  /** A pending record is refused once the projection's chain time is this far past the record's time... */
  USAGE_PENDING_GRACE_SECONDS: int().default(600),
  /** ...or once it has waited this long, however far the projection is. */
  USAGE_PENDING_TIMEOUT_MS: int(1).default(24 * 3600 * 1000),
  /** How long `POST /usage` waits for the log's acknowledgement before answering 503. */
  USAGE_PUBLISH_TIMEOUT_MS: int(100).default(10_000),
  /** Retry-After (seconds) on a 503. */
  USAGE_RETRY_AFTER_SECONDS: int(1).default(5),
  /** Per-node bearer tokens, `<node address>=<token>,...`: a request with one may only carry that node's records. */
  USAGE_NODE_TOKENS: optional(z.string()),
  /** Records in verification at once over all `POST /usage` clients; a request past it is answered 429. */
  USAGE_VERIFY_BUDGET: int(1).default(8192),
  /** Records in verification at once per source address (or per node authenticated by its own token). */
  USAGE_VERIFY_BUDGET_PER_CLIENT: int(1).default(1024),
  /** Retry-After (seconds) on a 429. */
  USAGE_BUSY_RETRY_AFTER_SECONDS: int(1).default(1),
  /** Records waiting for their node, model or agent, at most, per claimed node... */
  USAGE_PENDING_MAX_PER_NODE: int(1).default(10_000),
  /** ...and in all; a record past either bound is refused (`pending-limit`). */
  USAGE_PENDING_MAX: int(1).default(100_000),
  /** `off` checks signatures in pure JS even when the native secp256k1 and keccak addons load (for comparison). */
  USAGE_NATIVE_CRYPTO: z.enum(['on', 'off']).default('on'),
})

const ADDRESS = /^0x[0-9a-fA-F]{40}$/

/** `0xnode=token,0xother=token2` → token → node (lower-case). */
function parseNodeTokens(text: string | undefined): Map<string, string> {
  const tokens = new Map<string, string>()
  for (const pair of (text ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const at = pair.indexOf('=')
    const node = pair.slice(0, at).trim()
    const token = pair.slice(at + 1).trim()
    if (at < 0 || !ADDRESS.test(node)) throw new Error('invalid usage ingestion configuration: USAGE_NODE_TOKENS must be <node address>=<token> pairs separated by commas')
    if (token.length < 16) throw new Error(`invalid usage ingestion configuration: USAGE_NODE_TOKENS: the token of ${node} must be at least 16 characters`)
    if (tokens.has(token)) throw new Error('invalid usage ingestion configuration: USAGE_NODE_TOKENS: two nodes share a token')
    tokens.set(token, node.toLowerCase())
  }
  return tokens
}

export interface UsageConfig {
  port: number
  authToken?: string
  dir?: string
  dirPollMs: number
  fileSettleMs: number
  maxBodyBytes: number
  maxRecordBytes: number
  rawGroup: string
  maxFutureSkewSeconds: number
  pending: { recheckMs: number; graceSeconds: number; timeoutMs: number }
  publishTimeoutMs: number
  retryAfterSeconds: number
  /** Token → the node it authenticates. */
  nodeTokens: Map<string, string>
  verifyBudget: { total: number; perClient: number; retryAfterSeconds: number }
  pendingLimits: { perNode: number; total: number }
  nativeCrypto: boolean
}

export function loadUsageConfig(env: NodeJS.ProcessEnv = process.env): UsageConfig {
  const parsed = usageEnvSchema.safeParse(env)
  if (!parsed.success) throw new Error(`invalid usage ingestion configuration:\n${z.prettifyError(parsed.error)}`)
  const e = parsed.data
  return {
    port: e.USAGE_PORT,
    authToken: e.USAGE_AUTH_TOKEN,
    dir: e.USAGE_DIR,
    dirPollMs: e.USAGE_DIR_POLL_MS,
    fileSettleMs: e.USAGE_FILE_SETTLE_MS,
    maxBodyBytes: e.USAGE_MAX_BODY_BYTES,
    maxRecordBytes: e.USAGE_MAX_RECORD_BYTES,
    rawGroup: e.USAGE_RAW_GROUP,
    maxFutureSkewSeconds: e.USAGE_MAX_FUTURE_SKEW_SECONDS,
    pending: { recheckMs: e.USAGE_PENDING_RECHECK_MS, graceSeconds: e.USAGE_PENDING_GRACE_SECONDS, timeoutMs: e.USAGE_PENDING_TIMEOUT_MS },
    publishTimeoutMs: e.USAGE_PUBLISH_TIMEOUT_MS,
    retryAfterSeconds: e.USAGE_RETRY_AFTER_SECONDS,
    nodeTokens: parseNodeTokens(e.USAGE_NODE_TOKENS),
    verifyBudget: { total: e.USAGE_VERIFY_BUDGET, perClient: e.USAGE_VERIFY_BUDGET_PER_CLIENT, retryAfterSeconds: e.USAGE_BUSY_RETRY_AFTER_SECONDS },
    pendingLimits: { perNode: e.USAGE_PENDING_MAX_PER_NODE, total: e.USAGE_PENDING_MAX },
    nativeCrypto: e.USAGE_NATIVE_CRYPTO === 'on',
  }
}
