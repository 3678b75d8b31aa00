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
})

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
  }
}
